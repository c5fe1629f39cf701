"""The booking page's reads: each centre's next free slot, a day's bookable slots."""

import pytest

from appointments.models import AppointmentSlot
from appointments.selectors import centres_with_next_slot, slots_bookable
from appointments.services import slots_ensure
from appointments.tests.conftest import MONDAY, at
from tests.factories import ServiceCentreFactory

pytestmark = pytest.mark.django_db


def test_each_centre_of_the_city_with_its_next_free_slot_in_two_queries(
    world, centre, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    slots_ensure(centre=centre, day=MONDAY)
    AppointmentSlot.objects.filter(centre=centre, starts_at=at("2026-10-12 09:30")).update(booked=2)  # full
    for _ in range(3):
        ServiceCentreFactory(subdistrict=world.yanta_community.subdistrict)
    with django_assert_num_queries(2):
        found = centres_with_next_slot(city=world.city, now=at("2026-10-12 09:10"))
    by_centre = {row.centre: row.slot for row in found}
    assert len(by_centre) == 5  # the two of the world, the three new ones; none of another city
    assert by_centre[centre] is not None and by_centre[centre].starts_at == at("2026-10-12 10:00")
    assert by_centre[world.changan_centre] is None


def test_bookable_slots_are_the_days_future_ones_with_a_place_left(centre) -> None:  # type: ignore[no-untyped-def]
    slots_ensure(centre=centre, day=MONDAY)
    AppointmentSlot.objects.filter(centre=centre, starts_at=at("2026-10-12 14:00")).update(booked=2)
    bookable = list(slots_bookable(centre=centre, day=MONDAY, now=at("2026-10-12 13:00")))
    assert [slot.starts_at for slot in bookable][:2] == [at("2026-10-12 13:30"), at("2026-10-12 14:30")]
    assert len(bookable) == 7
