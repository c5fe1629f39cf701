import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from core.schemas import ErrorOut
from notifications.models import Notification
from notifications.selectors import inbox_for, unread_count
from notifications.services import notification_mark_read, notifications_mark_all_read

router = Router(tags=["notifications"], auth=django_auth)
MAX_LIMIT = 100


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool

    @staticmethod
    def of(notification: Notification) -> "NotificationOut":
        return NotificationOut(
            id=notification.pk,
            title=notification.title,
            body=notification.body,
            link=notification.link,
            created_at=notification.created_at,
            read_at=notification.read_at,
            unread=notification.is_unread,
        )


class NotificationPageOut(Schema):
    count: int
    unread: int
    offset: int
    limit: int
    items: list[NotificationOut]


class MarkedOut(Schema):
    marked: int


@router.get("", response={200: NotificationPageOut, 401: ErrorOut, 422: ErrorOut})
def notification_list(request: HttpRequest, offset: int = 0, limit: int = 20) -> NotificationPageOut:
    """The signed-in user's own notifications, newest first; `limit` is at most 100."""
    offset, limit = max(0, min(offset, 1_000_000)), max(1, min(limit, MAX_LIMIT))
    inbox = inbox_for(user=request.user)
    return NotificationPageOut(
        count=inbox.count(),
        unread=unread_count(user=request.user),
        offset=offset,
        limit=limit,
        items=[NotificationOut.of(n) for n in inbox[offset : offset + limit]],
    )


@router.post("/read-all", response={200: MarkedOut, 401: ErrorOut})
def notification_read_all(request: HttpRequest) -> MarkedOut:
    return MarkedOut(marked=notifications_mark_all_read(user=request.user))  # type: ignore[arg-type]


@router.post("/{notification_id}/read", response={200: NotificationOut, 401: ErrorOut, 404: ErrorOut})
def notification_read(request: HttpRequest, notification_id: int) -> NotificationOut:
    """Mark one of the user's own notifications read; 404 for anybody else's."""
    notification = notification_mark_read(user=request.user, notification_id=notification_id)  # type: ignore[arg-type]
    return NotificationOut.of(notification)
