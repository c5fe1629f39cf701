"""Queue tickets: numbering, opening times, priority order, the clerk's actions, waits."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appointments.models import Appointment, AppointmentSlot, AppointmentStatus, CounterRestriction, TicketStatus
from appointments.priority import age_on, ticket_priority
from appointments.selectors import estimated_wait_minutes, queue_letter, tickets_ahead
from appointments.services import (
    appointment_check_in,
    ticket_call_next,
    ticket_cancel,
    ticket_done,
    ticket_no_show,
    ticket_recall,
    ticket_start_serving,
    ticket_take,
)
from appointments.tests.conftest import at, travel
from audit.models import AuditEvent
from core.errors import Conflict
from core.identity import Sex
from residents.models import Assurance, FactCategory, ResidentFact
from tests.factories import ResidentFactory, ServiceCentreFactory, synthetic_id_number

pytestmark = pytest.mark.django_db

MONDAY_MORNING = "2026-10-12 09:00"


def take(centre, category=None, when: str = MONDAY_MORNING, **kwargs):  # type: ignore[no-untyped-def]
    return ticket_take(centre=centre, category=category, channel=kwargs.pop("channel", "kiosk"), now=at(when), **kwargs)


def resident_born(world, birth_date: dt.date):  # type: ignore[no-untyped-def]
    return ResidentFactory(
        community=world.yanta_community,
        id_number=synthetic_id_number(region_code="610113", birth_date=birth_date, sex=Sex.FEMALE),
    )


def test_numbers_run_per_queue_centre_and_day(world, centre, categories, item) -> None:  # type: ignore[no-untyped-def]
    employment, elderly = categories["employment"], categories["elderly"]
    assert [take(centre, employment).display_number for _ in range(2)] == ["A001", "A002"]
    assert take(centre, elderly).display_number == "B001"
    assert take(centre, item=item).display_number == "A003"  # the item's first category
    assert take(centre).display_number == "Z001"  # no category: the general queue
    other = ServiceCentreFactory(subdistrict=world.yanta_community.subdistrict, opening_hours=centre.opening_hours)
    assert take(other, employment).display_number == "A001"
    assert take(centre, employment, when="2026-10-13 09:00").display_number == "A001"


def test_queue_letters_follow_the_catalogue_order(categories) -> None:  # type: ignore[no-untyped-def]
    assert [queue_letter(c) for c in categories.values()] == ["A", "B"]
    assert queue_letter(None) == "Z"


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("2026-10-12 17:30", "closed at 17:30 today"),
        ("2026-10-12 08:29", "issues tickets from 08:30 today"),
        ("2026-10-01 10:00", "is closed today"),  # National Day
        ("2026-10-18 10:00", "is closed today"),  # a Sunday
    ],
)
def test_no_ticket_when_the_centre_is_closed(centre, categories, when, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match=message) as refusal:
        take(centre, categories["employment"], when=when)
    assert refusal.value.code == "centre_closed"


def test_tickets_are_issued_during_the_lunch_break_and_before_opening(centre) -> None:  # type: ignore[no-untyped-def]
    assert take(centre, when="2026-10-12 08:30").number == 1
    assert take(centre, when="2026-10-12 12:45").number == 2


def test_a_phone_ticket_needs_a_signed_in_resident(world, centre) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refusal:
        take(centre, channel="phone_qr")
    assert refusal.value.code == "resident_required"
    assert take(centre, channel="phone_qr", resident=world.resident).resident == world.resident


def test_the_elderly_from_their_70th_birthday_and_the_disabled_get_priority(world) -> None:  # type: ignore[no-untyped-def]
    now = at(MONDAY_MORNING)
    seventy_today = resident_born(world, dt.date(1956, 10, 12))
    seventy_tomorrow = resident_born(world, dt.date(1956, 10, 13))
    assert age_on(dt.date(1956, 2, 29), dt.date(2026, 2, 28)) == 69
    assert ticket_priority(resident=seventy_today, appointment=None, now=now) == 20
    assert ticket_priority(resident=seventy_tomorrow, appointment=None, now=now) == 0
    ResidentFact.objects.create(
        resident=seventy_tomorrow, category=FactCategory.DISABILITY, value={"category": "肢体", "grade": 2},
        assurance=Assurance.VERIFIED, version=1,
    )  # fmt: skip
    assert ticket_priority(resident=seventy_tomorrow, appointment=None, now=now) == 10
    assert ticket_priority(resident=None, appointment=None, now=now) == 0


def test_call_order_is_appointment_then_elderly_then_disabled_then_arrival(world, centre, clerk, counters) -> None:  # type: ignore[no-untyped-def]
    young = resident_born(world, dt.date(1990, 5, 1))
    disabled = resident_born(world, dt.date(1980, 5, 1))
    ResidentFact.objects.create(
        resident=disabled, category=FactCategory.DISABILITY, value={"category": "视力", "grade": 1},
        assurance=Assurance.VERIFIED, version=1,
    )  # fmt: skip
    elderly = resident_born(world, dt.date(1950, 5, 1))
    slot = AppointmentSlot.objects.create(
        centre=centre, starts_at=at("2026-10-12 09:30"), ends_at=at("2026-10-12 10:00"), capacity=2, booked=1
    )
    appointment = Appointment.objects.create(resident=world.resident, centre=centre, slot=slot)
    issued = {}
    for minute, (name, resident) in enumerate(
        [("anonymous", None), ("young", young), ("disabled", disabled), ("elderly", elderly)]
    ):
        with travel(f"2026-10-12 09:0{minute}"):
            issued[name] = ticket_take(centre=centre, category=None, resident=resident, channel="kiosk")
    with travel("2026-10-12 09:20"):
        issued["appointment"] = appointment_check_in(appointment=appointment)
    assert issued["appointment"].channel == "appointment"
    assert tickets_ahead(issued["young"]) == 4

    called = []
    with travel("2026-10-12 09:25"):
        while (ticket := ticket_call_next(actor=clerk, counter=counters[0])) is not None:
            called.append(next(name for name, t in issued.items() if t.pk == ticket.pk))
            ticket_no_show(actor=clerk, ticket=ticket)
    assert called == ["appointment", "elderly", "disabled", "anonymous", "young"]


def test_check_in_is_open_from_30_minutes_before_to_15_after_the_slot(world, centre) -> None:  # type: ignore[no-untyped-def]
    slot = AppointmentSlot.objects.create(
        centre=centre, starts_at=at("2026-10-12 10:00"), ends_at=at("2026-10-12 10:30"), capacity=2, booked=1
    )
    appointment = Appointment.objects.create(resident=world.resident, centre=centre, slot=slot)
    for too_early_or_late in ("2026-10-12 09:29", "2026-10-12 10:16"):
        with pytest.raises(ValidationError) as refusal:
            appointment_check_in(appointment=appointment, now=at(too_early_or_late))
        assert refusal.value.code == "check_in_window"
    ticket = appointment_check_in(appointment=appointment, now=at("2026-10-12 10:15"))
    assert ticket.priority == 30
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CHECKED_IN
    with pytest.raises(Conflict):
        appointment_check_in(appointment=appointment, now=at("2026-10-12 10:15"))


def test_a_clerk_of_another_centre_or_role_cannot_call(world, centre, counters) -> None:  # type: ignore[no-untyped-def]
    take(centre)
    with travel("2026-10-12 09:05"):
        for outsider in (world.staff["clerk_changan"], world.staff["reviewer"], world.resident.user):
            with pytest.raises(PermissionDenied, match="Only a counter clerk of this service centre"):
                ticket_call_next(actor=outsider, counter=counters[0])
    assert AuditEvent.objects.filter(action="ticket.call").count() == 0


def test_two_counters_never_call_the_same_ticket(centre, clerk, counters) -> None:  # type: ignore[no-untyped-def]
    first, second = take(centre), take(centre)
    with travel("2026-10-12 09:05"):
        at_one = ticket_call_next(actor=clerk, counter=counters[0])
        at_two = ticket_call_next(actor=clerk, counter=counters[1])
    assert {at_one.pk, at_two.pk} == {first.pk, second.pk}
    assert (at_one.counter, at_two.counter) == (counters[0], counters[1])


def test_a_counter_finishes_its_ticket_before_calling_the_next(centre, clerk, counters) -> None:  # type: ignore[no-untyped-def]
    take(centre)
    take(centre)
    with travel("2026-10-12 09:05"):
        ticket_call_next(actor=clerk, counter=counters[0])
        with pytest.raises(Conflict) as busy:
            ticket_call_next(actor=clerk, counter=counters[0])
    assert busy.value.code == "counter_busy"
    assert "still on ticket Z001" in busy.value.message


def test_a_closed_counter_cannot_call(centre, clerk) -> None:  # type: ignore[no-untyped-def]
    take(centre)
    closed = centre.counters.get(is_open=False)
    with travel("2026-10-12 09:05"), pytest.raises(ValidationError) as refusal:
        ticket_call_next(actor=clerk, counter=closed)
    assert refusal.value.code == "counter_closed"


def test_a_restricted_counter_calls_only_its_queues(centre, clerk, counters, categories) -> None:  # type: ignore[no-untyped-def]
    general = take(centre)
    employment = take(centre, categories["employment"], when="2026-10-12 09:01")
    CounterRestriction.objects.create(counter=counters[1], categories="A")
    with travel("2026-10-12 09:05"):
        assert ticket_call_next(actor=clerk, counter=counters[1]) == employment
        ticket_no_show(actor=clerk, ticket=employment)
        assert ticket_call_next(actor=clerk, counter=counters[1]) is None
        assert ticket_call_next(actor=clerk, counter=counters[0]) == general


def test_a_ticket_is_called_recalled_served_and_done_with_an_audit_trail(world, centre, clerk, counters) -> None:  # type: ignore[no-untyped-def]
    slot = AppointmentSlot.objects.create(
        centre=centre, starts_at=at("2026-10-12 09:00"), ends_at=at("2026-10-12 09:30"), capacity=2, booked=1
    )
    appointment = Appointment.objects.create(resident=world.resident, centre=centre, slot=slot)
    ticket = appointment_check_in(appointment=appointment, now=at("2026-10-12 08:50"))
    with travel("2026-10-12 09:00"):
        ticket = ticket_call_next(actor=clerk, counter=counters[0])
    with travel("2026-10-12 09:01"):
        ticket = ticket_recall(actor=clerk, ticket=ticket)
        assert (ticket.status, ticket.calls) == (TicketStatus.CALLED, 2)
        with pytest.raises(Conflict):
            ticket_done(actor=clerk, ticket=ticket)  # not being served yet
        ticket = ticket_start_serving(actor=clerk, ticket=ticket)
    with travel("2026-10-12 09:13"):
        with pytest.raises(PermissionDenied):
            ticket_done(actor=world.staff["clerk_changan"], ticket=ticket)
        ticket = ticket_done(actor=clerk, ticket=ticket)
    assert ticket.status == TicketStatus.DONE
    assert ticket.served_ended_at - ticket.served_started_at == dt.timedelta(minutes=12)
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SERVED
    trail = AuditEvent.objects.filter(object_type="appointments.queueticket").order_by("pk")
    assert list(trail.values_list("action", flat=True)) == [
        "ticket.take", "ticket.call", "ticket.recall", "ticket.start_serving", "ticket.done",
    ]  # fmt: skip
    assert world.resident.user.notifications.filter(event_key__startswith=f"ticket:{ticket.pk}:called").count() == 2


def test_a_resident_gives_up_his_own_waiting_ticket_but_not_anothers(world, centre) -> None:  # type: ignore[no-untyped-def]
    mine = take(centre, channel="phone_qr", resident=world.resident)
    theirs = take(centre, resident=world.resident_changan)
    assert ticket_cancel(actor=world.resident.user, ticket=mine).status == TicketStatus.CANCELLED
    with pytest.raises(PermissionDenied):
        ticket_cancel(actor=world.resident.user, ticket=theirs)


def test_tickets_ahead_counts_who_is_called_first(world, centre) -> None:  # type: ignore[no-untyped-def]
    first = take(centre)
    second = take(centre, when="2026-10-12 09:01")
    elderly = take(centre, when="2026-10-12 09:02", resident=resident_born(world, dt.date(1940, 1, 1)))
    assert (tickets_ahead(first), tickets_ahead(second), tickets_ahead(elderly)) == (1, 2, 0)


def test_the_estimated_wait_uses_todays_service_times(world, centre, clerk, counters, categories) -> None:  # type: ignore[no-untyped-def]
    now = at("2026-10-12 10:00")
    assert estimated_wait_minutes(centre=centre, now=now) == 0
    for minute in range(3):
        take(centre, when=f"2026-10-12 09:0{minute}")
    # Nobody served yet: 10 minutes each, 3 waiting, 2 open counters.
    assert estimated_wait_minutes(centre=centre, now=now) == 15
    with travel("2026-10-12 09:10"):
        ticket = ticket_start_serving(actor=clerk, ticket=ticket_call_next(actor=clerk, counter=counters[0]))
    with travel("2026-10-12 09:16"):
        ticket_done(actor=clerk, ticket=ticket)
    # 6 minutes a service, 2 waiting, 2 counters.
    assert estimated_wait_minutes(centre=centre, now=now) == 6
    # One queue: its own tickets, service times and counters. Counter 2 only calls queue A.
    take(centre, categories["employment"], when="2026-10-12 09:20")
    CounterRestriction.objects.create(counter=counters[1], categories="A")
    assert estimated_wait_minutes(centre=centre, category=categories["employment"], now=now) == 5  # 10 x 1 / 2
    assert estimated_wait_minutes(centre=centre, category="Z", now=now) == 12  # 6 x 2 / 1
