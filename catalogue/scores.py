"""Negative-list scores for departments and districts: the one definition dashboards reuse.

For each unit (a department, or a district through its departments' entries):
- `open`: entries on the list today;
- `overdue`: open entries whose target date has passed;
- `removed_this_quarter`: entries taken off the list since the first day of today's quarter.

    score = clamp(100 − 4·open − 6·overdue + 3·removed_this_quarter, 0, 100)

So every open entry costs 4 points, an overdue one 10 in all, and each removal this quarter
earns 3 back. 100 means nothing left to do offline; units are ranked by score, then by fewer
overdue entries. Entries owned by city-level departments count for the city, not a district.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from catalogue.models import EntryState, NegativeListEntry
from core.models import City, Department, District

OPEN_WEIGHT, OVERDUE_WEIGHT, REMOVAL_WEIGHT = 4, 6, 3


@dataclass(frozen=True)
class NegativeListScore:
    unit_id: int | None
    unit: str
    open: int
    overdue: int
    removed_this_quarter: int

    @property
    def score(self) -> int:
        raw = 100 - OPEN_WEIGHT * self.open - OVERDUE_WEIGHT * self.overdue + REMOVAL_WEIGHT * self.removed_this_quarter
        return max(0, min(100, raw))


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def negative_list_scores(
    *, city: City, by: Literal["department", "district"], today: dt.date
) -> list[NegativeListScore]:
    """Scores of every department (or district) of the city, best first; units with no entries score 100."""
    scores: list[NegativeListScore]
    if by == "department":
        rows = Department.objects.filter(city=city).annotate(**_counts("negative_entries", today)).order_by("code")
        scores = [NegativeListScore(d.pk, d.name, d.open, d.overdue, d.removed) for d in rows]  # type: ignore[attr-defined]
    else:
        districts = District.objects.filter(city=city).annotate(**_counts("departments__negative_entries", today))
        scores = [NegativeListScore(d.pk, d.name, d.open, d.overdue, d.removed) for d in districts.order_by("code")]  # type: ignore[attr-defined]
        city_level = NegativeListEntry.objects.filter(city=city, owner_department__district__isnull=True)
        scores.append(
            NegativeListScore(
                None,
                _("City-level departments"),
                city_level.filter(state=EntryState.LISTED).count(),
                city_level.filter(state=EntryState.LISTED, target_date__lt=today).count(),
                city_level.filter(state=EntryState.REMOVED, removed_on__gte=quarter_start(today)).count(),
            )
        )
    return sorted(scores, key=lambda s: (-s.score, s.overdue, s.unit))


def _counts(path: str, today: dt.date) -> dict[str, Count]:
    """The three counts, over the negative-list entries reached through `path`."""
    return {
        "open": Count(path, filter=Q(**{f"{path}__state": EntryState.LISTED})),
        "overdue": Count(path, filter=Q(**{f"{path}__state": EntryState.LISTED, f"{path}__target_date__lt": today})),
        "removed": Count(
            path, filter=Q(**{f"{path}__state": EntryState.REMOVED, f"{path}__removed_on__gte": quarter_start(today)})
        ),
    }
