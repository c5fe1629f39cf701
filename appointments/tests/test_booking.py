"""Booking, cancelling and rescheduling appointments; every refusal leaves nothing half-written."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appointments.models import Appointment, AppointmentSlot, AppointmentStatus
from appointments.services import appointment_book, appointment_cancel, appointment_reschedule, slots_ensure
from appointments.tests.conftest import MONDAY, at, publish_item, travel
from audit.models import AuditEvent
from core.errors import Conflict
from notifications.models import Notification
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

FRIDAY_BEFORE = "2026-10-09 10:00"


def slot_at(centre, text: str) -> AppointmentSlot:  # type: ignore[no-untyped-def]
    slots_ensure(centre=centre, day=at(text).date())
    return AppointmentSlot.objects.get(centre=centre, starts_at=at(text))


def book(world, centre, slot, **kwargs):  # type: ignore[no-untyped-def]
    return appointment_book(actor=world.resident.user, resident=world.resident, centre=centre, slot=slot, **kwargs)


def book_for_a_neighbour(world, clerk, centre, slot):  # type: ignore[no-untyped-def]
    neighbour = ResidentFactory(community=world.yanta_community)
    return appointment_book(actor=clerk, resident=neighbour, centre=centre, slot=slot)


def refused(code: str, call, slot: AppointmentSlot) -> None:  # type: ignore[no-untyped-def]
    """`call` is refused with `code`, and neither the slot's count nor the appointments changed."""
    booked, appointments = AppointmentSlot.objects.get(pk=slot.pk).booked, Appointment.objects.count()
    with pytest.raises(ValidationError) as refusal:
        call()
    assert refusal.value.code == code, refusal.value
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == booked
    assert Appointment.objects.count() == appointments


def test_a_resident_books_a_place_and_is_told(world, centre, item) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
        appointment = book(world, centre, slot, item=item)
    assert appointment.status == AppointmentStatus.BOOKED
    assert (appointment.resident, appointment.centre, appointment.item) == (world.resident, centre, item)
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 1
    event = AuditEvent.objects.get(action="appointment.book")
    assert (event.actor, event.subject_resident_id) == (world.resident.user, world.resident.pk)
    assert Notification.objects.filter(
        recipient=world.resident.user, event_key=f"appointment:{appointment.pk}:booked"
    ).exists()


def test_a_counter_clerk_books_for_the_resident_in_front_of_him(world, centre, clerk) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
        appointment = appointment_book(actor=clerk, resident=world.resident_changan, centre=centre, slot=slot)
    assert appointment.resident == world.resident_changan


def test_a_reviewer_cannot_book_for_a_resident(world, centre) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
        with pytest.raises(PermissionDenied):
            appointment_book(actor=world.staff["reviewer"], resident=world.resident, centre=centre, slot=slot)
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 0


def test_a_full_slot_is_refused_with_a_clear_message(world, centre, clerk) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
        for _ in range(slot.capacity):
            book_for_a_neighbour(world, clerk, centre, slot)
        refused("slot_full", lambda: book(world, centre, slot), slot)
        with pytest.raises(Conflict, match="Every place at 2026-10-12 09:00 is taken"):
            book(world, centre, slot)
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 2


def test_a_past_slot_is_refused(world, centre) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
    with travel("2026-10-12 09:10"):
        refused("slot_past", lambda: book(world, centre, slot), slot)


def test_a_slot_when_the_centre_is_closed_is_refused(world, centre) -> None:  # type: ignore[no-untyped-def]
    # Slots left from before the holiday calendar was loaded, or from hours that changed.
    on_holiday = AppointmentSlot.objects.create(
        centre=centre, starts_at=at("2026-10-01 09:00"), ends_at=at("2026-10-01 09:30"), capacity=2
    )
    at_lunch = AppointmentSlot.objects.create(
        centre=centre, starts_at=at("2026-10-12 12:00"), ends_at=at("2026-10-12 12:30"), capacity=2
    )
    with travel("2026-09-28 10:00"):
        refused("centre_closed", lambda: book(world, centre, on_holiday), on_holiday)
        refused("centre_closed", lambda: book(world, centre, at_lunch), at_lunch)


def test_an_item_the_centre_does_not_handle_is_refused(world, centre, categories) -> None:  # type: ignore[no-untyped-def]
    elsewhere = publish_item(world, "HR-002", categories["employment"], name="失业登记", everywhere=False)
    assert elsewhere.current_version is not None
    elsewhere.current_version.centres.set([world.changan_centre])
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
        refused("item_not_offered", lambda: book(world, centre, slot, item=elsewhere), slot)
        elsewhere.current_version.centres.add(centre)
        assert book(world, centre, slot, item=elsewhere).item == elsewhere


def test_a_second_appointment_for_the_same_item_is_refused_until_the_first_is_cancelled(world, centre, item) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        first = book(world, centre, slot_at(centre, "2026-10-12 09:00"), item=item)
        later = slot_at(centre, "2026-10-12 10:00")
        refused("already_booked", lambda: book(world, centre, later, item=item), later)
        appointment_cancel(actor=world.resident.user, appointment=first)
        assert book(world, centre, later, item=item).slot == later


def test_the_database_refuses_a_second_booked_appointment_for_the_same_item(world, centre, item) -> None:  # type: ignore[no-untyped-def]
    # The partial unique index behind "already_booked", for a writer that skips the service's check.
    from django.db import IntegrityError, transaction

    with travel(FRIDAY_BEFORE):
        first = book(world, centre, slot_at(centre, "2026-10-12 09:00"), item=item)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(resident=world.resident, centre=centre, slot=first.slot, item=item)


def test_the_database_refuses_more_bookings_than_places(centre) -> None:  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, transaction

    slot = AppointmentSlot.objects.create(
        centre=centre, starts_at=at("2026-10-12 09:00"), ends_at=at("2026-10-12 09:30"), capacity=1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked=2)


def test_cancelling_frees_the_place(world, centre, clerk) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
        mine = book(world, centre, slot)
        appointment_book(actor=clerk, resident=world.resident_changan, centre=centre, slot=slot)
        cancelled = appointment_cancel(actor=world.resident.user, appointment=mine)
        assert cancelled.status == AppointmentStatus.CANCELLED
        assert cancelled.cancelled_at == at(FRIDAY_BEFORE)
        assert AppointmentSlot.objects.get(pk=slot.pk).booked == 1
        # The freed place can be booked again.
        book_for_a_neighbour(world, clerk, centre, slot)
        assert AppointmentSlot.objects.get(pk=slot.pk).booked == 2
        with pytest.raises(Conflict) as twice:
            appointment_cancel(actor=world.resident.user, appointment=mine)
        assert twice.value.code == "invalid_transition"
    assert AuditEvent.objects.filter(action="appointment.cancel").count() == 1


def test_an_appointment_that_has_begun_cannot_be_cancelled(world, centre) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
        appointment = book(world, centre, slot)
    with travel("2026-10-12 09:05"):
        refused("slot_past", lambda: appointment_cancel(actor=world.resident.user, appointment=appointment), slot)


def test_rescheduling_takes_the_new_place_and_frees_the_old(world, centre, item) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        old, new = slot_at(centre, "2026-10-12 09:00"), slot_at(centre, "2026-10-12 14:00")
        appointment = book(world, centre, old, item=item)
        moved = appointment_reschedule(actor=world.resident.user, appointment=appointment, slot=new)
    assert moved.slot == new
    assert moved.status == AppointmentStatus.BOOKED
    assert (AppointmentSlot.objects.get(pk=old.pk).booked, AppointmentSlot.objects.get(pk=new.pk).booked) == (0, 1)
    assert AuditEvent.objects.get(action="appointment.reschedule").details == {
        "from_slot": "2026-10-12 09:00",
        "to_slot": "2026-10-12 14:00",
    }


def test_rescheduling_into_a_full_slot_changes_nothing(world, centre, clerk) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        old, full = slot_at(centre, "2026-10-12 09:00"), slot_at(centre, "2026-10-12 14:00")
        appointment = book(world, centre, old)
        for _ in range(full.capacity):
            book_for_a_neighbour(world, clerk, centre, full)
        refused(
            "slot_full",
            lambda: appointment_reschedule(actor=world.resident.user, appointment=appointment, slot=full),
            full,
        )
    assert AppointmentSlot.objects.get(pk=old.pk).booked == 1
    assert Appointment.objects.get(pk=appointment.pk).slot == old


def test_rescheduling_to_a_holiday_is_refused(world, centre) -> None:  # type: ignore[no-untyped-def]
    on_holiday = AppointmentSlot.objects.create(
        centre=centre, starts_at=at("2026-10-02 09:00"), ends_at=at("2026-10-02 09:30"), capacity=2
    )
    with travel("2026-09-28 10:00"):
        appointment = book(world, centre, slot_at(centre, "2026-09-29 09:00"))
        refused(
            "centre_closed",
            lambda: appointment_reschedule(actor=world.resident.user, appointment=appointment, slot=on_holiday),
            on_holiday,
        )


def test_another_residents_case_cannot_be_booked_for(world, centre, item) -> None:  # type: ignore[no-untyped-def]
    from cases.models import Case

    case = Case(resident=world.resident_changan, item=item)
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
        refused("case_of_another_resident", lambda: book(world, centre, slot, case=case), slot)


def test_slot_times_are_in_xian_time(world, centre) -> None:  # type: ignore[no-untyped-def]
    with travel(FRIDAY_BEFORE):
        slot = slot_at(centre, "2026-10-12 09:00")
    assert slot.starts_at == dt.datetime(2026, 10, 12, 1, 0, tzinfo=dt.UTC)
    assert slot.starts_at.astimezone(at("2026-10-12 00:00").tzinfo).date() == MONDAY
