"""Two senders at once: each SMS is sent by exactly one of them (SELECT … FOR UPDATE SKIP LOCKED).

SQLite serialises writers anyway, so the race only exists, and is only tested, on PostgreSQL.
"""

import threading
import time
from typing import Any, ClassVar

import factory
import pytest
from django.db import connection, connections

from accounts.models import Role
from notifications.models import Channel, Delivery, DeliveryState
from notifications.services import DeliveryRun, deliveries_send_due, notify
from tests.factories import UserFactory

DELIVERIES = 20


class SlowRecordingBackend:
    """A gateway that takes a while, so the two senders overlap."""

    bodies: ClassVar[list[str]] = []
    lock = threading.Lock()

    def send(self, *, mobile: str, body: str) -> None:
        time.sleep(0.05)
        with SlowRecordingBackend.lock:
            SlowRecordingBackend.bodies.append(body)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_sms_exactly_once(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL (set DATABASE_URL)")
    settings.SMS_BACKEND = "notifications.tests.test_concurrency.SlowRecordingBackend"
    SlowRecordingBackend.bodies = []
    people = UserFactory.create_batch(DELIVERIES, role=Role.RESIDENT, mobile=factory.Sequence(lambda n: f"135{n:08d}"))
    # Deliveries made directly: notify() would send them at once, after its commit.
    notifications = [
        notify(recipients=[person], event_key=f"test:{n}", title=f"通知{n}", body="")[0]
        for n, person in enumerate(people)
    ]
    Delivery.objects.bulk_create(Delivery(notification=n, channel=Channel.SMS) for n in notifications)

    start = threading.Barrier(2)
    runs: list[DeliveryRun] = []

    def sender() -> None:
        try:
            start.wait()
            runs.append(deliveries_send_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(SlowRecordingBackend.bodies) == sorted(f"通知{n}" for n in range(DELIVERIES)), "each once"
    assert sum(run.sent for run in runs) == DELIVERIES
    assert all(run.sent > 0 for run in runs), "both senders worked, side by side"
    assert Delivery.objects.filter(state=DeliveryState.SENT, attempts=1).count() == DELIVERIES
