"""Notification writes: tell people about an event, mark what they have read, send the SMS outbox.

Other services call `notify` inside their own transaction, after the change it reports. The rows
are written in that transaction and the SMS is sent only after it commits, through the task
`notifications.tasks.deliver_pending`; a rollback leaves neither a row nor a message. Failed SMS
are retried by the same sender, run by `manage.py deliver_notifications --loop 60` or cron.
"""

import datetime as dt
import itertools
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from accounts.models import User
from accounts.sms import SmsBackend, get_sms_backend
from core.identity import mask_mobile
from notifications.models import DUE_STATES, Channel, Delivery, DeliveryState, Notification
from notifications.selectors import inbox_for, notification_get_for

log = logging.getLogger(__name__)

# The wait before the next attempt after the 1st, 2nd, 3rd and 4th failure; the 5th gives up.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(minutes=120),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Recipients per query: a notice to a whole community stays within SQLite's parameter limit.
BATCH_SIZE = 500
TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length or 200
EVENT_KEY_MAX_LENGTH = Notification._meta.get_field("event_key").max_length or 200
LINK_MAX_LENGTH = Notification._meta.get_field("link").max_length or 500


def is_site_path(link: str) -> bool:
    """A path on this site ("/cases/1/"), not a URL with a scheme or host ("//evil.example")."""
    return (
        link.startswith("/")
        and not link.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(link, allowed_hosts=None)
    )


def recipient_mobile(user: User) -> str:
    """Where a person's SMS go: his account's mobile, else his resident record's; "" when he has none."""
    if user.mobile:
        return user.mobile
    resident = getattr(user, "resident", None)  # the reverse one-to-one raises AttributeError when missing
    return resident.mobile if resident is not None else ""


def sms_text(notification: Notification) -> str:
    return "\n".join(part for part in (notification.title, notification.body) if part)


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    event_key: str,
    title: str,
    body: str,
    link: str = "",
    sms: bool = False,
) -> list[Notification]:
    """Put one notification of the event `event_key` in each recipient's inbox, and send it by SMS.

    Call it inside the transaction of the change it reports. Idempotent per (recipient, event):
    a recipient who already has this event's notification gets nothing new, neither a row nor an
    SMS. With `sms`, recipients with a mobile (see `recipient_mobile`) get an SMS delivery, sent
    after commit. Texts are the caller's, already translated into the recipient's language.
    Returns each recipient's notification of this event, new or not, in the order given.

    Raises ValueError for an empty or over-long event key or title, or a link that is not a path
    on this site: those are the caller's mistakes, not the user's.
    """
    if not event_key or len(event_key) > EVENT_KEY_MAX_LENGTH:
        raise ValueError(f"event_key must have 1 to {EVENT_KEY_MAX_LENGTH} characters")
    if not title.strip():
        raise ValueError("a notification needs a title")
    if link and (len(link) > LINK_MAX_LENGTH or not is_site_path(link)):
        raise ValueError("link must be a path on this site, such as /cases/1/")
    title = Truncator(title.strip()).chars(TITLE_MAX_LENGTH)
    given = list(recipients)
    if any(user.pk is None for user in given):
        raise ValueError("recipients must be saved users")
    users = list({user.pk: user for user in given}.values())

    notifications: list[Notification] = []
    new_sms = False
    for batch in itertools.batched(users, BATCH_SIZE):
        ids = [user.pk for user in batch]
        already = set(
            Notification.objects.filter(event_key=event_key, recipient_id__in=ids).values_list(
                "recipient_id", flat=True
            )
        )
        # ignore_conflicts: a concurrent transaction notifying the same person of the same event wins quietly.
        Notification.objects.bulk_create(
            [
                Notification(recipient_id=pk, event_key=event_key, title=title, body=body, link=link)
                for pk in ids
                if pk not in already
            ],
            ignore_conflicts=True,
        )
        rows = {
            row.recipient_id: row
            for row in Notification.objects.filter(event_key=event_key, recipient_id__in=ids).select_related(
                "recipient__resident"
            )
        }
        notifications.extend(rows[pk] for pk in ids)
        if sms:
            deliveries = [
                Delivery(notification=row, channel=Channel.SMS)
                for pk, row in rows.items()
                if pk not in already and row.recipient.is_active and recipient_mobile(row.recipient)
            ]
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            new_sms = new_sms or bool(deliveries)
    if new_sms:
        # robust: if the queue cannot take the task, the deliveries wait in the database for the next run.
        transaction.on_commit(_enqueue_delivery, robust=True)
    return notifications


def _enqueue_delivery() -> None:
    from notifications.tasks import deliver_pending  # the task module imports this one

    deliver_pending.enqueue()


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (once; later calls keep the first time).

    Raises Notification.DoesNotExist for another person's notification.
    """
    notification = notification_get_for(user=user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark all of the user's unread notifications read; returns how many there were."""
    return inbox_for(user=user).filter(read_at__isnull=True).update(read_at=timezone.now())


@dataclass
class DeliveryRun:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def deliveries_send_due(*, limit: int = 500) -> DeliveryRun:
    """Send the SMS deliveries that are due (new, or failed and past their wait), oldest first.

    Each delivery is sent in its own transaction while its row is locked with SKIP LOCKED, so two
    senders running at once never send the same one. It is marked sent only after the gateway
    returned: if the process dies in between, the lock is released with the delivery still due,
    and it is sent again rather than lost. A failure waits 1, 5, 30 then 120 minutes before the
    next attempt; the 5th failure gives up. At most `limit` deliveries per run.
    """
    backend = get_sms_backend()
    run = DeliveryRun()
    for _ in range(limit):
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("notification__recipient__resident")
                .filter(channel=Channel.SMS, state__in=DUE_STATES, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "pk")
                .first()
            )
            if delivery is None:
                break
            state = _attempt_sms(delivery, backend)
        if state == DeliveryState.SENT:
            run.sent += 1
        elif state == DeliveryState.FAILED:
            run.failed += 1
        else:
            run.gave_up += 1
    return run


def _attempt_sms(delivery: Delivery, backend: SmsBackend) -> str:
    """One attempt on a locked delivery; saves and returns its new state."""
    notification = delivery.notification
    recipient = notification.recipient
    mobile = recipient_mobile(recipient) if recipient.is_active else ""
    fields = ["state", "attempts", "last_error", "next_attempt_at", "sent_at"]
    if not mobile:
        # Since the notification was created the person lost his mobile or his account: nothing to retry.
        delivery.state = DeliveryState.GAVE_UP
        delivery.last_error = "no active recipient with a mobile number"
        delivery.save(update_fields=fields)
        return delivery.state
    now = timezone.now()
    delivery.attempts += 1
    try:
        # A savepoint: a backend that writes (the database outbox) and fails leaves this transaction usable.
        with transaction.atomic():
            backend.send(mobile=mobile, body=sms_text(notification))
    except Exception as exc:
        # Only the exception's class: a gateway's message may repeat the number or the text.
        delivery.last_error = type(exc).__name__[:200]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = DeliveryState.GAVE_UP
        else:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
        log.warning(
            "sms delivery %s to %s failed (attempt %s): %s",
            delivery.pk,
            mask_mobile(mobile),
            delivery.attempts,
            delivery.last_error,
        )
    else:
        delivery.state = DeliveryState.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
    delivery.save(update_fields=fields)
    return delivery.state
