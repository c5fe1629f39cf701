"""Reads of notifications. Everybody sees his own inbox and nobody else's, whatever his role."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification


def inbox_for(*, user: User | AnonymousUser) -> QuerySet[Notification]:
    """The user's own notifications, newest first; nothing for an anonymous or deactivated user."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def unread_count(*, user: User | AnonymousUser) -> int:
    return inbox_for(user=user).filter(read_at__isnull=True).count()


def notification_get_for(*, user: User | AnonymousUser, notification_id: int) -> Notification:
    """One of the user's own notifications, or Notification.DoesNotExist (another person's looks missing)."""
    return inbox_for(user=user).get(pk=notification_id)
