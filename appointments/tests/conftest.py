"""The hall of 雁塔区's centre (world.yanta_centre) on the days of the tests, around National Day 2026
(the 2026 holiday calendar is in every fresh database):

- Thursday 1 October and Saturday 3 October: public holidays, closed;
- Saturday 10 October: a make-up working day, on the weekday schedule;
- Monday 12 October: an ordinary day, 09:00-12:00 and 13:30-17:30;
- Saturday 17 October: the centre's own Saturday morning, 09:00-12:00.

Two counters are open and one is closed, so a slot has two places.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.utils import timezone, translation

from accounts.models import User
from catalogue.models import Category, ServiceItem
from catalogue.services import item_create, item_publish
from catalogue.tests.conftest import guide_content
from core.models import Counter, ServiceCentre
from core.workdays import workdays_cache_clear

WEEKDAY_HOURS = [["09:00", "12:00"], ["13:30", "17:30"]]
MONDAY = dt.date(2026, 10, 12)


def at(text: str) -> dt.datetime:
    """'2026-10-12 09:00' in Xi'an."""
    return timezone.make_aware(dt.datetime.fromisoformat(text), timezone.get_default_timezone())


def travel(text: str) -> Any:
    return time_machine.travel(at(text), tick=False)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    # Rolled-back tests change the calendar tables behind the cache's back.
    workdays_cache_clear()
    yield
    workdays_cache_clear()


@pytest.fixture
def centre(world) -> ServiceCentre:  # type: ignore[no-untyped-def]
    centre: ServiceCentre = world.yanta_centre
    centre.opening_hours = {str(day): WEEKDAY_HOURS for day in range(1, 6)} | {"6": [["09:00", "12:00"]]}
    centre.save(update_fields=["opening_hours"])
    Counter.objects.create(centre=centre, number=1, label="综合受理窗口")
    Counter.objects.create(centre=centre, number=2, label="综合受理窗口")
    Counter.objects.create(centre=centre, number=3, label="咨询导办", is_open=False)
    return centre


@pytest.fixture
def counters(centre: ServiceCentre) -> list[Counter]:
    return list(Counter.objects.filter(centre=centre, is_open=True).order_by("number"))


@pytest.fixture
def clerk(world) -> User:  # type: ignore[no-untyped-def]
    return world.staff["counter_clerk"]


@pytest.fixture
def categories() -> dict[str, Category]:
    """Two life events: 就业 (queue A) and 养老 (queue B)."""
    return {
        "employment": Category.objects.create(code="employment", name="就业", position=20),
        "elderly": Category.objects.create(code="elderly", name="养老", position=30),
    }


def publish_item(world, code: str, category: Category | None = None, **content: Any) -> ServiceItem:  # type: ignore[no-untyped-def]
    created = item_create(
        actor=None, city=world.city, code=code, department_kind="human_resources", handling_level="district",
        content=guide_content(**content), categories=[category] if category else None,
    )  # fmt: skip
    item_publish(actor=None, version=created.versions.get())
    return ServiceItem.objects.select_related("current_version").get(pk=created.pk)


@pytest.fixture
def item(world, categories) -> ServiceItem:  # type: ignore[no-untyped-def]
    """An employment item handled at every centre: its tickets are in queue A."""
    return publish_item(world, "HR-001", categories["employment"], name="就业登记")
