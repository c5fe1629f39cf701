"""The no-show policy (three in 90 days pause booking for 30 days) and the reminders."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appointments.models import Appointment, AppointmentSlot, AppointmentStatus
from appointments.selectors import booking_paused_until
from appointments.services import appointment_book, appointment_mark_no_show, slots_ensure
from appointments.tasks import mark_no_shows, send_appointment_reminders
from appointments.tests.conftest import at, travel
from notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def missed(resident, centre, day: str) -> Appointment:  # type: ignore[no-untyped-def]
    """An appointment at 09:00 on `day` that the resident did not come to."""
    slot, _ = AppointmentSlot.objects.get_or_create(
        centre=centre,
        starts_at=at(f"{day} 09:00"),
        defaults={"ends_at": at(f"{day} 09:30"), "capacity": 2, "booked": 1},
    )
    return Appointment.objects.create(resident=resident, centre=centre, slot=slot, status=AppointmentStatus.NO_SHOW)


def booked(world, centre, text: str, resident=None) -> Appointment:  # type: ignore[no-untyped-def]
    slots_ensure(centre=centre, day=at(text).date())
    slot = AppointmentSlot.objects.get(centre=centre, starts_at=at(text))
    return Appointment.objects.create(resident=resident or world.resident, centre=centre, slot=slot)


def test_three_no_shows_within_90_days_pause_booking_for_30_days_from_the_third(world, centre) -> None:  # type: ignore[no-untyped-def]
    for day in ("2026-07-20", "2026-08-31", "2026-10-12"):
        missed(world.resident, centre, day)
    assert booking_paused_until(world.resident, dt.date(2026, 10, 11)) is None  # before the third
    assert booking_paused_until(world.resident, dt.date(2026, 10, 12)) == dt.date(2026, 11, 10)
    assert booking_paused_until(world.resident, dt.date(2026, 11, 10)) == dt.date(2026, 11, 10)
    assert booking_paused_until(world.resident, dt.date(2026, 11, 11)) is None


def test_two_no_shows_or_three_spread_over_more_than_90_days_do_not_pause(world, centre) -> None:  # type: ignore[no-untyped-def]
    missed(world.resident, centre, "2026-07-13")
    missed(world.resident, centre, "2026-09-01")
    assert booking_paused_until(world.resident, dt.date(2026, 9, 2)) is None
    missed(world.resident, centre, "2026-10-12")  # 91 days after the first
    assert booking_paused_until(world.resident, dt.date(2026, 10, 12)) is None


def test_the_no_shows_that_caused_a_pause_do_not_count_again(world, centre) -> None:  # type: ignore[no-untyped-def]
    for day in ("2026-06-01", "2026-06-02", "2026-06-03"):  # paused 3 June to 2 July
        missed(world.resident, centre, day)
    missed(world.resident, centre, "2026-07-15")
    missed(world.resident, centre, "2026-07-16")
    assert booking_paused_until(world.resident, dt.date(2026, 7, 16)) is None
    missed(world.resident, centre, "2026-07-17")
    assert booking_paused_until(world.resident, dt.date(2026, 7, 17)) == dt.date(2026, 8, 15)


def test_a_paused_resident_is_told_when_he_can_book_again(world, centre) -> None:  # type: ignore[no-untyped-def]
    for day in ("2026-09-01", "2026-09-08", "2026-09-15"):
        missed(world.resident, centre, day)
    with travel("2026-10-09 10:00"):
        slot = slots_ensure(centre=centre, day=dt.date(2026, 10, 12))[0]
        with pytest.raises(ValidationError, match="You can book again from 2026-10-15") as refusal:
            appointment_book(actor=world.resident.user, resident=world.resident, centre=centre, slot=slot)
    assert refusal.value.code == "booking_paused"
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 0
    with travel("2026-10-15 08:00"):
        later = slots_ensure(centre=centre, day=dt.date(2026, 10, 15))[0]
        appointment_book(actor=world.resident.user, resident=world.resident, centre=centre, slot=later)


def test_a_clerk_marks_a_no_show_only_once_check_in_has_closed(world, centre, clerk) -> None:  # type: ignore[no-untyped-def]
    appointment = booked(world, centre, "2026-10-12 09:00")
    with pytest.raises(ValidationError) as early:
        appointment_mark_no_show(actor=clerk, appointment=appointment, now=at("2026-10-12 09:15"))
    assert early.value.code == "too_early"
    with pytest.raises(PermissionDenied):
        appointment_mark_no_show(
            actor=world.staff["clerk_changan"], appointment=appointment, now=at("2026-10-12 09:16")
        )
    marked = appointment_mark_no_show(actor=clerk, appointment=appointment, now=at("2026-10-12 09:16"))
    assert marked.status == AppointmentStatus.NO_SHOW


def test_the_third_no_show_pauses_booking_and_tells_the_resident_by_sms(
    world, centre, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    missed(world.resident, centre, "2026-09-01")
    missed(world.resident, centre, "2026-09-08")
    appointment = booked(world, centre, "2026-10-12 09:00")
    with django_capture_on_commit_callbacks(execute=True):
        appointment_mark_no_show(actor=None, appointment=appointment, now=at("2026-10-12 10:00"))
    notice = Notification.objects.get(recipient=world.resident.user, event_key__contains="booking-paused")
    assert "2026-11-11" in notice.body
    assert Delivery.objects.filter(notification=notice).count() == 1


def test_the_task_marks_the_appointments_whose_slot_is_over(world, centre) -> None:  # type: ignore[no-untyped-def]
    over = booked(world, centre, "2026-10-12 09:00")
    running = booked(world, centre, "2026-10-12 09:30", resident=world.resident_changan)
    assert mark_no_shows.call(now=at("2026-10-12 09:40").isoformat()) == 1
    over.refresh_from_db()
    running.refresh_from_db()
    assert (over.status, running.status) == (AppointmentStatus.NO_SHOW, AppointmentStatus.BOOKED)


def test_reminders_go_out_the_day_before_and_within_the_hour_each_once(
    world, centre, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    appointment = booked(world, centre, "2026-10-12 10:00")
    booked(world, centre, "2026-10-12 10:00", resident=world.resident_changan)  # no account: no reminder
    day_key, hour_key = f"appointment:{appointment.pk}:reminder-day", f"appointment:{appointment.pk}:reminder-hour"

    # At night nothing goes out; the next morning the day-before reminder does, once.
    assert send_appointment_reminders.call(now=at("2026-10-11 06:00")) == {"reminder-day": 0, "reminder-hour": 0}
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            send_appointment_reminders.enqueue(now=at("2026-10-11 09:00").isoformat())
    assert Notification.objects.filter(event_key=day_key).count() == 1
    assert send_appointment_reminders.call(now=at("2026-10-11 15:00")) == {"reminder-day": 0, "reminder-hour": 0}

    with django_capture_on_commit_callbacks(execute=True):
        assert send_appointment_reminders.call(now=at("2026-10-12 09:05")) == {"reminder-day": 0, "reminder-hour": 1}
        assert send_appointment_reminders.call(now=at("2026-10-12 09:30")) == {"reminder-day": 0, "reminder-hour": 0}
    hour = Notification.objects.get(event_key=hour_key)
    assert "2026-10-12 10:00" in hour.body
    assert Delivery.objects.filter(notification__event_key__in=[day_key, hour_key]).count() == 2
    assert (
        Notification.objects.filter(event_key__startswith="appointment:").exclude(recipient=world.resident.user).count()
        == 0
    )


def test_a_cancelled_appointment_gets_no_reminder(world, centre) -> None:  # type: ignore[no-untyped-def]
    appointment = booked(world, centre, "2026-10-12 10:00")
    Appointment.objects.filter(pk=appointment.pk).update(
        status=AppointmentStatus.CANCELLED, cancelled_at=at("2026-10-10 10:00")
    )
    assert send_appointment_reminders.call(now=at("2026-10-12 09:05")) == {"reminder-day": 0, "reminder-hour": 0}
