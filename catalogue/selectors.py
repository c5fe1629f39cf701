"""Catalogue reads for residents (published items only) and for the public negative list."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from catalogue.models import Category, EntryState, NegativeListEntry, RequiredMaterial, ServiceItem
from core.models import City


def items_for_residents(*, city: City) -> QuerySet[ServiceItem]:
    return (
        ServiceItem.objects.filter(city=city)
        .published()
        .with_online_level()
        .prefetch_related("categories")
        .order_by("code")
    )


def item_guide(*, city: City, code: str) -> ServiceItem:
    """One published item with everything its guide page shows; DoesNotExist otherwise."""
    return (
        items_for_residents(city=city)
        .prefetch_related(
            Prefetch(
                "current_version__materials",
                queryset=RequiredMaterial.objects.select_related("licence_kind").order_by("position", "id"),
            ),
            "current_version__centres",
        )
        .get(code=code)
    )


def categories_with_counts(*, city: City) -> list[tuple[Category, int]]:
    counts: dict[int, int] = {}
    for item in items_for_residents(city=city):
        for category in item.categories.all():
            counts[category.pk] = counts.get(category.pk, 0) + 1
    return [(c, counts.get(c.pk, 0)) for c in Category.objects.all()]


def negative_list_entries(
    *, city: City, district_id: int | None = None, department_id: int | None = None, include_removed: bool = False
) -> QuerySet[NegativeListEntry]:
    entries = NegativeListEntry.objects.filter(city=city).select_related(
        "item__current_version", "owner_department__district"
    )
    if not include_removed:
        entries = entries.filter(state=EntryState.LISTED)
    if district_id:
        entries = entries.filter(owner_department__district_id=district_id)
    if department_id:
        entries = entries.filter(owner_department_id=department_id)
    return entries.order_by("state", "target_date", "id")


@dataclass(frozen=True)
class TrendPoint:
    month_end: dt.date
    open: int


def negative_list_trend(*, city: City, today: dt.date, months: int = 12) -> list[TrendPoint]:
    """Open entries at the end of each of the last `months` months (the current month up to today)."""
    points = []
    year, month = today.year, today.month
    for _ in range(months):
        next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
        month_end = min(today, next_month - dt.timedelta(days=1))
        points.append(TrendPoint(month_end, NegativeListEntry.objects.filter(city=city).open_on(month_end).count()))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(points))
