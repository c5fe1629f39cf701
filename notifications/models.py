"""Notifications: a person's inbox (the in-app channel) and the SMS deliveries of its rows.

One event notifies one person at most once: `event_key` is the event's idempotency key, unique
per recipient. Deliveries are the outbox of the other channels, sent after commit and retried.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A link is a path on this site, never another host: "" or "/…" but not "//…" or "/\…".
SITE_PATH = Q(link="") | (Q(link__startswith="/") & ~Q(link__startswith="//") & ~Q(link__startswith="/\\"))


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event_key = models.CharField(_("event"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event"),
            models.CheckConstraint(condition=SITE_PATH, name="notification_link_is_a_site_path"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Gave up")


DUE_STATES = (DeliveryState.PENDING, DeliveryState.FAILED)


class Delivery(models.Model):
    """One notification through one channel other than the inbox. `last_error` never holds personal data."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | (~Q(state="sent") & Q(sent_at__isnull=True)),
                name="delivery_sent_at_iff_sent",
            ),
        ]
        # What the sender scans: the due ones only, oldest first.
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state__in=["pending", "failed"]), name="delivery_due")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.notification_id} {self.get_state_display()}"
