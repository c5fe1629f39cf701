"""Slots from a centre's opening hours, holidays and make-up working days."""

import datetime as dt

import pytest

from appointments.models import AppointmentSlot
from appointments.selectors import centre_periods_on
from appointments.services import slots_ensure
from appointments.tests.conftest import MONDAY, at
from core.models import Counter

pytestmark = pytest.mark.django_db


def starts(slots: list[AppointmentSlot]) -> list[str]:
    return [f"{slot.starts_at.astimezone(at('2026-10-12 00:00').tzinfo):%H:%M}" for slot in slots]


def test_an_ordinary_weekday_is_cut_into_half_hours_around_the_lunch_break(centre) -> None:  # type: ignore[no-untyped-def]
    slots = slots_ensure(centre=centre, day=MONDAY)
    assert starts(slots) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
        "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00",
    ]  # fmt: skip
    assert slots[0].starts_at == at("2026-10-12 09:00")
    assert slots[-1].ends_at == at("2026-10-12 17:30")
    assert not any(at("2026-10-12 12:00") < slot.ends_at <= at("2026-10-12 13:30") for slot in slots)
    assert {slot.capacity for slot in slots} == {2}  # the two open counters; the closed one does not count
    assert {slot.booked for slot in slots} == {0}


def test_ensuring_the_same_day_again_creates_nothing(centre) -> None:  # type: ignore[no-untyped-def]
    first = slots_ensure(centre=centre, day=MONDAY)
    again = slots_ensure(centre=centre, day=MONDAY)
    assert [s.pk for s in again] == [s.pk for s in first]
    assert AppointmentSlot.objects.count() == 14


def test_an_hour_long_slot_leaves_out_the_remainder_of_a_period(centre) -> None:  # type: ignore[no-untyped-def]
    centre.opening_hours["1"] = [["09:00", "11:30"]]
    centre.save(update_fields=["opening_hours"])
    assert starts(slots_ensure(centre=centre, day=MONDAY, slot_minutes=60)) == ["09:00", "10:00"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 10, 1), []),  # National Day, a Thursday: a public holiday
        (dt.date(2026, 10, 3), []),  # a Saturday inside the holiday: closed despite Saturday hours
        (dt.date(2026, 10, 18), []),  # an ordinary Sunday: no Sunday hours
        (dt.date(2026, 10, 17), ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),  # Saturday morning
    ],
)
def test_holidays_and_weekends_follow_the_calendar_and_the_centre_hours(centre, day, expected) -> None:  # type: ignore[no-untyped-def]
    assert starts(slots_ensure(centre=centre, day=day)) == expected


def test_a_make_up_working_saturday_runs_the_weekday_schedule(centre) -> None:  # type: ignore[no-untyped-def]
    make_up_saturday = dt.date(2026, 10, 10)
    assert centre_periods_on(centre, make_up_saturday) == [
        (at("2026-10-10 09:00"), at("2026-10-10 12:00")),
        (at("2026-10-10 13:30"), at("2026-10-10 17:30")),
    ]
    assert len(slots_ensure(centre=centre, day=make_up_saturday)) == 14


def test_a_centre_with_every_counter_closed_still_offers_one_place(centre) -> None:  # type: ignore[no-untyped-def]
    Counter.objects.filter(centre=centre).update(is_open=False)
    assert {slot.capacity for slot in slots_ensure(centre=centre, day=MONDAY)} == {1}


def test_malformed_opening_hours_fail_loudly_naming_the_centre(centre) -> None:  # type: ignore[no-untyped-def]
    centre.opening_hours["1"] = [["9 am", "12:00"]]
    with pytest.raises(ValueError, match=centre.code):
        slots_ensure(centre=centre, day=MONDAY)
