"""Many writers at once: no double booking, gapless ticket numbers, no ticket called twice.

PostgreSQL only: SQLite lets one writer in at a time, so these races cannot happen there.
"""

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from appointments.models import Appointment, AppointmentSlot, QueueTicket
from appointments.selectors import centre_periods_on, local_datetime
from appointments.services import appointment_book, ticket_call_next, ticket_no_show, ticket_take
from core.errors import Conflict
from core.models import Counter
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (SQLite serialises writers); CI runs it there")


@pytest.fixture
def open_day(centre) -> dt.date:  # type: ignore[no-untyped-def]
    """A day after today on which the centre, now open every day from 08:00 to 18:00, is open."""
    centre.opening_hours = {str(day): [["08:00", "18:00"]] for day in range(1, 8)}
    centre.save(update_fields=["opening_hours"])
    today = timezone.localdate()
    return next(
        today + dt.timedelta(days=n) for n in range(1, 30) if centre_periods_on(centre, today + dt.timedelta(days=n))
    )


def run_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(0)` … `work(count - 1)` in threads released together; each result or exception."""
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # the refusals are what we count
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_bookings_for_ten_places_give_ten_appointments(world, centre, clerk, open_day) -> None:  # type: ignore[no-untyped-def]
    starts = local_datetime(open_day, dt.time(10, 0))
    slot = AppointmentSlot.objects.create(
        centre=centre, starts_at=starts, ends_at=starts + dt.timedelta(minutes=30), capacity=10
    )
    residents = [ResidentFactory(community=world.yanta_community) for _ in range(50)]

    results = run_at_once(50, lambda i: appointment_book(actor=clerk, resident=residents[i], centre=centre, slot=slot))

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(booked) == 10, [r for r in results if not isinstance(r, Appointment | Conflict)]
    assert len(refused) == 40
    assert {r.code for r in refused} == {"slot_full"}
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 10
    assert Appointment.objects.filter(slot=slot).count() == 10


def test_thirty_tickets_taken_at_once_are_numbered_1_to_30(centre, categories, open_day) -> None:  # type: ignore[no-untyped-def]
    now = local_datetime(open_day, dt.time(10, 0))

    results = run_at_once(
        30, lambda i: ticket_take(centre=centre, category=categories["employment"], channel="kiosk", now=now)
    )

    assert all(isinstance(r, QueueTicket) for r in results), results
    assert sorted(r.number for r in results) == list(range(1, 31))
    assert sorted(QueueTicket.objects.values_list("display_number", flat=True)) == [f"A{n:03d}" for n in range(1, 31)]


def test_four_counters_calling_at_once_never_call_the_same_ticket(centre, clerk) -> None:  # type: ignore[no-untyped-def]
    Counter.objects.create(centre=centre, number=4)
    Counter.objects.create(centre=centre, number=5)
    counters = list(Counter.objects.filter(centre=centre, is_open=True))
    today, now = timezone.localdate(), timezone.now()
    QueueTicket.objects.bulk_create(
        QueueTicket(
            centre=centre, day=today, category="Z", number=n, display_number=f"Z{n:03d}", channel="kiosk",
            issued_at=now - dt.timedelta(minutes=60 - n),
        )
        for n in range(1, 41)
    )  # fmt: skip

    def call_until_empty(index: int) -> list[int]:
        called = []
        while (ticket := ticket_call_next(actor=clerk, counter=counters[index])) is not None:
            called.append(ticket.pk)
            ticket_no_show(actor=clerk, ticket=ticket)
        return called

    results = run_at_once(len(counters), call_until_empty)

    assert all(isinstance(r, list) for r in results), results
    called = [pk for per_counter in results for pk in per_counter]
    assert len(called) == len(set(called)) == 40
