"""The SMS sender: after commit, retried with backoff, given up after 5 attempts, never sent twice."""

import datetime as dt
from io import StringIO
from typing import Any, ClassVar

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import SmsMessage, User
from conftest import World
from notifications.management.commands import deliver_notifications
from notifications.models import Delivery, DeliveryState
from notifications.services import DeliveryRun, deliveries_send_due, notify
from notifications.tasks import deliver_pending

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
FAILING = "notifications.tests.test_delivery.FailingSmsBackend"


class FailingSmsBackend:
    """A gateway that is down. Its error message repeats the number, as real gateways' do."""

    calls: ClassVar[int] = 0

    def send(self, *, mobile: str, body: str) -> None:
        FailingSmsBackend.calls += 1
        raise ConnectionError(f"gateway refused {mobile}")


@pytest.fixture(autouse=True)
def _reset_failing_backend() -> None:
    FailingSmsBackend.calls = 0


def notify_resident(user: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], event_key="case:XA-1:accepted", title="您的申请已受理", body="", sms=True)


def test_a_failed_sms_waits_then_is_sent_once_on_a_later_run(
    world: World, settings: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    time_machine.move_to(T0, tick=False)
    settings.SMS_BACKEND = FAILING
    notify_resident(world.resident.user, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 1)
    assert delivery.next_attempt_at == T0 + dt.timedelta(minutes=1)
    assert delivery.last_error == "ConnectionError", "the class only: the message holds the mobile number"
    assert not SmsMessage.objects.exists()

    settings.SMS_BACKEND = "accounts.sms.DatabaseSmsBackend"
    time_machine.move_to(T0 + dt.timedelta(seconds=59), tick=False)
    assert deliveries_send_due() == DeliveryRun(), "not due yet"
    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)
    assert deliveries_send_due() == DeliveryRun(sent=1)
    assert deliveries_send_due() == DeliveryRun(), "a sent delivery is never sent again"

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (DeliveryState.SENT, 2, "")
    assert delivery.sent_at == T0 + dt.timedelta(minutes=1)
    assert SmsMessage.objects.count() == 1


def test_the_waits_grow_1_5_30_120_minutes_and_the_fifth_failure_gives_up(
    world: World, settings: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_BACKEND = FAILING
    time_machine.move_to(T0, tick=False)
    notify_resident(world.resident.user, django_capture_on_commit_callbacks)
    now = T0
    for attempt, wait in enumerate([1, 5, 30, 120], start=1):
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, attempt)
        assert delivery.next_attempt_at == now + dt.timedelta(minutes=wait)
        now = delivery.next_attempt_at
        time_machine.move_to(now, tick=False)
        deliveries_send_due()

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.GAVE_UP, 5)
    time_machine.move_to(now + dt.timedelta(days=1), tick=False)
    assert deliveries_send_due() == DeliveryRun()
    assert FailingSmsBackend.calls == 5


def test_a_recipient_who_lost_his_mobile_is_given_up_without_trying(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    user = world.resident.user
    with django_capture_on_commit_callbacks(execute=False):
        notify(recipients=[user], event_key="case:XA-1:accepted", title="您的申请已受理", body="", sms=True)
    User.objects.filter(pk=user.pk).update(mobile=None)
    world.resident.mobile = ""
    world.resident.save(update_fields=["mobile"])

    assert deliveries_send_due() == DeliveryRun(gave_up=1)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.GAVE_UP, 0)
    assert not SmsMessage.objects.exists()


def test_the_task_sends_what_is_due_and_reports_counts(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        notify(recipients=[world.resident.user], event_key="e:1", title="通知", body="", sms=True)
    result = deliver_pending.enqueue()
    assert result.return_value == {"sent": 1, "failed": 0, "gave_up": 0}
    assert SmsMessage.objects.count() == 1


def test_the_command_sends_what_is_due_and_prints_the_counts(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        notify(recipients=[world.resident.user], event_key="e:1", title="通知", body="", sms=True)
    out = StringIO()
    call_command("deliver_notifications", stdout=out)
    assert "sent 1, failed 0, gave up 0" in out.getvalue()
    assert SmsMessage.objects.count() == 1


def test_the_command_in_a_loop_runs_until_stopped(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        notify(recipients=[world.resident.user], event_key="e:1", title="通知", body="", sms=True)
    naps: list[int] = []

    def sleep(seconds: int) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(deliver_notifications.time, "sleep", sleep)
    # Between passes the loop drops stale connections; here that would end the test's own transaction.
    monkeypatch.setattr(deliver_notifications, "close_old_connections", lambda: None)
    out = StringIO()
    call_command("deliver_notifications", "--loop", "30", stdout=out)
    assert naps == [30, 30]
    assert "sent 1, failed 0, gave up 0" in out.getvalue()
    assert out.getvalue().count("sent ") == 1, "idle passes print nothing"
    assert "Stopped." in out.getvalue()
    assert SmsMessage.objects.count() == 1


def test_the_command_refuses_a_loop_of_zero_seconds(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("deliver_notifications", "--loop", "0")


def test_a_delivery_marked_due_in_the_future_is_left_alone(world: World) -> None:
    [notification] = notify(recipients=[world.resident.user], event_key="e:1", title="通知", body="")
    Delivery.objects.create(notification=notification, channel="sms", next_attempt_at=timezone.now() + dt.timedelta(1))
    assert deliveries_send_due() == DeliveryRun()
