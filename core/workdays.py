"""Working days for the SLA clock: weekends, public holidays (法定节假日) and make-up working days (调休).

A case is due a number of working days after it was accepted. Which days are working days is data,
not a rule: the State Council publishes each year's calendar in November, and it moves weekends
around (the Saturday after National Day week becomes a working day). The calendar lives in
`HolidayCalendar`/`CalendarDay`, loaded by `holiday_calendar_load` (`manage.py load_holidays`) or
edited in the admin.

A year with no calendar loaded counts only weekends as days off. That answer is wrong around that
year's holidays, so `years_without_calendar` lets staff pages say so instead of showing a due date
that silently ignores them.

Periods follow the Civil Code (民法典 art. 201): the day a period starts on is not counted, so a
case accepted on Tuesday with one promised working day is due on Wednesday.

The SLA code calls these functions in loops over cases and days, so the calendar (a few dozen
rows a year) is read once and kept in memory per process. The process that loads or edits a
calendar drops its copy at once; every other process (web and task workers) compares a
fingerprint of the calendars at most every `RECHECK_SECONDS` and reloads when it changed, so a
calendar loaded by the command reaches running workers within a minute without a restart.
"""

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from time import monotonic
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.models import CalendarDay, HolidayCalendar

# The calendars shipped with the code: `manage.py load_holidays` loads every holidays-cn-*.json here.
HOLIDAY_DATA_DIR = Path(__file__).resolve().parent / "data"

# How stale another process's calendar may be. One cheap query per process per interval.
RECHECK_SECONDS = 60.0

_SATURDAY = 5  # date.weekday(): Monday is 0


class HolidayCalendarError(ValueError):
    """A holiday calendar that cannot be loaded. The message gives every reason; nothing was written."""


class SlaColour(models.TextChoices):
    GREEN = "green", _("on time")
    YELLOW = "yellow", _("due soon")
    RED = "red", _("overdue")


@dataclass(frozen=True, slots=True)
class _Calendar:
    fingerprint: frozenset[tuple[int, dt.datetime, int]]
    years: frozenset[int]
    days_off: frozenset[dt.date]
    workdays: frozenset[dt.date]
    checked_at: float


_cached: _Calendar | None = None


def workdays_cache_clear() -> None:
    """Forget this process's copy of the calendar. The loader and the admin call it; so do tests,
    whose rolled-back transactions change the database behind the cache's back."""
    global _cached
    _cached = None


def _fingerprint() -> frozenset[tuple[int, dt.datetime, int]]:
    # A load or an admin save bumps loaded_at; the day count catches rows deleted behind the admin's back.
    rows = HolidayCalendar.objects.annotate(day_count=Count("days")).values_list("year", "loaded_at", "day_count")
    return frozenset(rows)


def _calendar() -> _Calendar:
    global _cached
    now = monotonic()
    cached = _cached
    if cached is not None and now - cached.checked_at < RECHECK_SECONDS:
        return cached
    fingerprint = _fingerprint()
    if cached is not None and cached.fingerprint == fingerprint:
        _cached = replace(cached, checked_at=now)
        return _cached
    days = list(CalendarDay.objects.values_list("date", "kind"))
    _cached = _Calendar(
        fingerprint=fingerprint,
        years=frozenset(year for year, _loaded_at, _count in fingerprint),
        days_off=frozenset(day for day, kind in days if kind == CalendarDay.Kind.DAY_OFF),
        workdays=frozenset(day for day, kind in days if kind == CalendarDay.Kind.WORKDAY),
        checked_at=now,
    )
    return _cached


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday unless it is a public holiday; Saturday or Sunday only as a make-up working day."""
    calendar = _calendar()
    if day in calendar.workdays:
        return True
    if day in calendar.days_off:
        return False
    return day.weekday() < _SATURDAY


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date that is `days` working days after `start`; `start` itself is not counted.

    `days=0` returns `start` even if it is not a working day: an instant item is due the day it is
    accepted, whatever day that is. The result is otherwise always a working day.
    """
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days there are after `start` up to and including `end`; 0 if `end <= start`.

    The inverse of `add_working_days`: `working_days_between(d, add_working_days(d, n)) == n`.
    """
    count = 0
    day = start + dt.timedelta(days=1)
    while day <= end:
        if is_working_day(day):
            count += 1
        day += dt.timedelta(days=1)
    return count


def sla_due_date(*, accepted_on: dt.date, promised_days: int, paused_working_days: int = 0) -> dt.date:
    """The day a case must be concluded by: the promised working days after acceptance, plus the working
    days the clock was paused (waiting for the resident's correction, 补正).

    Promised 0 days (an instant item) makes it due on the acceptance day itself.
    """
    return add_working_days(accepted_on, promised_days + paused_working_days)


def sla_colour(*, accepted_on: dt.date, due_on: dt.date, today: dt.date, paused_working_days: int = 0) -> SlaColour:
    """Red once `today` is past `due_on`; yellow once 80 % of the allowed working days are used; else green.

    Used and allowed working days both leave out the paused ones, so a pause neither uses up the
    promise nor makes it look more generous than it is. The comparison is exact in integers:
    4 of 5 days used is yellow, 7 of 10 is green.

    Edge cases: on the due day itself a case is yellow, never red. A case with nothing allowed
    (promised 0 days, due the acceptance day) is therefore yellow until that day ends, then red.
    Days before acceptance use nothing.
    """
    if today > due_on:
        return SlaColour.RED
    used = max(working_days_between(accepted_on, today) - paused_working_days, 0)
    allowed = max(working_days_between(accepted_on, due_on) - paused_working_days, 0)
    if used * 5 >= allowed * 4:
        return SlaColour.YELLOW
    return SlaColour.GREEN


def years_without_calendar(start: dt.date, end: dt.date) -> list[int]:
    """The years from `start` to `end` (both included) with no holiday calendar loaded, in order.

    For them only weekends are skipped; staff pages show e.g. "no official holiday calendar loaded
    for 2027: only weekends are skipped" so nobody trusts a due date that ignores holidays.
    """
    years = _calendar().years
    return [year for year in range(start.year, end.year + 1) if year not in years]


def _parse_date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    # fromisoformat also takes 20270101 and 2027-W01-1; the published format is YYYY-MM-DD only.
    return day if day.isoformat() == value else None


def _parse_calendar(data: Mapping[str, Any], calendar: HolidayCalendar) -> list[CalendarDay]:
    """Set the calendar's source and return its unsaved days, having checked the whole input first.

    Every problem is collected, so that a bad file is fixed in one round. The per-day rules (date in
    the calendar's year, make-up days on weekends) are `CalendarDay.clean`, shared with the admin.
    """
    problems: list[str] = []
    country = data.get("country", "CN")
    if country != "CN":
        problems.append(f"country is {country!r}: only the national calendar of China (CN) is supported")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append("source is missing: name the notice that published the calendar")
        source = ""
    holidays = data.get("holidays")
    if not isinstance(holidays, list) or not holidays:
        problems.append("holidays must be a non-empty list")
        holidays = []
    calendar.source = source.strip()
    seen: dict[dt.date, str] = {}
    days: list[CalendarDay] = []
    for number, holiday in enumerate(holidays, start=1):
        if not isinstance(holiday, dict):
            problems.append(f"holiday #{number} is not an object")
            continue
        name, name_en = holiday.get("name_zh"), holiday.get("name_en", "")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"holiday #{number} has no name_zh")
            name = f"#{number}"
        if not isinstance(name_en, str):
            problems.append(f"{name}: name_en must be text")
            name_en = ""
        if not holiday.get("days_off"):
            problems.append(f"{name}: days_off is empty")
        for key, kind in (("days_off", CalendarDay.Kind.DAY_OFF), ("make_up_workdays", CalendarDay.Kind.WORKDAY)):
            values = holiday.get(key, [])
            if not isinstance(values, list):
                problems.append(f"{name}: {key} must be a list of dates")
                continue
            for value in values:
                day = _parse_date(value)
                if day is None:
                    problems.append(f"{name}: {value!r} in {key} is not a real date written YYYY-MM-DD")
                    continue
                label = f"{'a day off' if kind == CalendarDay.Kind.DAY_OFF else 'a make-up working day'} of {name}"
                if day in seen:
                    problems.append(f"{day} is listed twice: as {seen[day]} and as {label}")
                    continue
                seen[day] = label
                row = CalendarDay(calendar=calendar, date=day, kind=kind, name=name.strip(), name_en=name_en.strip())
                try:
                    row.clean_fields(exclude=["calendar"])
                    row.clean()
                except ValidationError as exc:
                    problems.extend(f"{name}: {message}" for message in exc.messages)
                    continue
                days.append(row)
    if problems:
        raise HolidayCalendarError(f"the {calendar.year} calendar was refused: " + "; ".join(problems))
    return days


@transaction.atomic
def holiday_calendar_load(*, data: dict[str, Any]) -> HolidayCalendar:
    """Load one year's calendar, replacing that year's days; the input is the shared file's format::

        {"country": "CN", "year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知 (…)",
         "holidays": [{"name_zh": "元旦", "name_en": "New Year's Day",
                       "days_off": ["2027-01-01", …], "make_up_workdays": [ … ]}]}

    Refuses, with every reason and without writing anything, a calendar whose dates are not real
    dates or not in its year, a date listed twice (say both a day off and a working day), or a make-up
    working day that is not a Saturday or Sunday. Loading the same data again changes nothing but
    `loaded_at`.
    """
    if not isinstance(data, dict):
        raise HolidayCalendarError("a calendar must be a JSON object")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise HolidayCalendarError(f"year must be a year such as 2027, got {year!r}")
    calendar = HolidayCalendar.objects.select_for_update().filter(year=year).first() or HolidayCalendar(year=year)
    days = _parse_calendar(data, calendar)
    try:
        calendar.full_clean()
    except ValidationError as exc:
        raise HolidayCalendarError(f"the {year} calendar was refused: " + "; ".join(exc.messages)) from exc
    calendar.save()
    calendar.days.all().delete()
    CalendarDay.objects.bulk_create(days)
    workdays_cache_clear()
    return calendar


def holiday_calendar_load_file(*, path: Path) -> HolidayCalendar:
    """`holiday_calendar_load` on a JSON file, with unreadable and malformed files refused the same way."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HolidayCalendarError(f"cannot read the file: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HolidayCalendarError(f"not a UTF-8 JSON file: {exc}") from exc
    return holiday_calendar_load(data=data)
