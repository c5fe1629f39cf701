"""The SLA clock's working days: the 2026 State Council calendar, years without one, and loading new years.

The 2026 calendar is in every test database through migration core.0003. Day names below are
2026 unless said otherwise; "off" is a public holiday, "make-up" a Saturday or Sunday worked (调休).
"""

import copy
import json
from collections.abc import Iterator
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from conftest import World
from core import workdays
from core.models import CalendarDay, HolidayCalendar
from core.workdays import (
    HOLIDAY_DATA_DIR,
    HolidayCalendarError,
    SlaColour,
    add_working_days,
    holiday_calendar_load,
    holiday_calendar_load_file,
    is_working_day,
    sla_colour,
    sla_due_date,
    workdays_cache_clear,
    working_days_between,
    years_without_calendar,
)
from tests.helpers import signed_in

SHIPPED_2026 = HOLIDAY_DATA_DIR / "holidays-cn-2026.json"

# A made-up 2027 calendar: the real one is not published where we can read it.
CALENDAR_2027: dict[str, Any] = {
    "country": "CN",
    "year": 2027,
    "source": "made up for tests",
    "holidays": [
        {
            "name_zh": "元旦",
            "name_en": "New Year's Day",
            "days_off": ["2027-01-01", "2027-01-02", "2027-01-03"],
            "make_up_workdays": [],
        },
        {
            "name_zh": "春节",
            "name_en": "Spring Festival",
            "days_off": ["2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"],
            "make_up_workdays": ["2027-02-20"],
        },
    ],
}


def calendar_2027(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(CALENDAR_2027)
    data.update(changes)
    return data


def day_counts() -> dict[int, tuple[int, int]]:
    """Per year: (days off, make-up working days) in the database."""
    return {
        calendar.year: (
            calendar.days.filter(kind=CalendarDay.Kind.DAY_OFF).count(),
            calendar.days.filter(kind=CalendarDay.Kind.WORKDAY).count(),
        )
        for calendar in HolidayCalendar.objects.all()
    }


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # The loader's messages are asserted in English (the source language); pages get Accept-Language: en.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    # Each test's transaction is rolled back behind the cache's back: never let a calendar leak between tests.
    workdays_cache_clear()
    yield
    workdays_cache_clear()


@pytest.mark.django_db
def test_every_fresh_database_has_the_2026_calendar() -> None:
    assert day_counts() == {2026: (33, 6)}
    assert HolidayCalendar.objects.get().source.startswith("国务院办公厅关于2026年部分节假日安排的通知")


@pytest.mark.django_db
def test_a_case_accepted_before_national_day_skips_the_holiday_week_and_counts_the_make_up_saturday() -> None:
    # Accepted Tue 09-29; the acceptance day does not count.
    # Wed 09-30 = 1; Thu 10-01 … Wed 10-07 off; Thu 10-08 = 2; Fri 10-09 = 3;
    # Sat 10-10 make-up = 4; Sun 10-11 weekend; Mon 10-12 = 5.
    due = sla_due_date(accepted_on=date(2026, 9, 29), promised_days=5)

    assert due == date(2026, 10, 12)
    assert working_days_between(date(2026, 9, 29), due) == 5
    assert is_working_day(date(2026, 10, 10))
    assert not any(is_working_day(date(2026, 10, day)) for day in range(1, 8))


@pytest.mark.django_db
def test_a_case_accepted_on_the_friday_before_the_make_up_sunday_counts_that_sunday() -> None:
    # Accepted Fri 09-18: Sat 09-19 weekend; Sun 09-20 make-up = 1; Mon 09-21 = 2 (weekends only: Tue 09-22).
    assert add_working_days(date(2026, 9, 18), 2) == date(2026, 9, 21)
    assert is_working_day(date(2026, 9, 20))


@pytest.mark.django_db
def test_new_year_skips_three_days_off_and_counts_the_make_up_sunday() -> None:
    # Accepted Wed 2025-12-31: Thu 01-01, Fri 01-02, Sat 01-03 off; Sun 01-04 make-up = 1; Mon 01-05 = 2.
    assert add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)
    assert not is_working_day(date(2026, 1, 1))
    assert is_working_day(date(2026, 1, 4))


@pytest.mark.django_db
def test_spring_festival_counts_both_make_up_saturdays() -> None:
    # Accepted Fri 02-13: Sat 02-14 make-up = 1; 02-15 … 02-23 off; Tue 02-24 = 2, Wed = 3, Thu = 4,
    # Fri 02-27 = 5; Sat 02-28 make-up = 6; Sun 03-01 weekend; Mon 03-02 = 7.
    assert add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)
    assert working_days_between(date(2026, 2, 13), date(2026, 3, 2)) == 7
    assert is_working_day(date(2026, 2, 14))
    assert is_working_day(date(2026, 2, 28))
    assert not is_working_day(date(2026, 3, 1))


@pytest.mark.django_db
def test_an_instant_item_is_due_the_day_it_is_accepted_even_on_a_holiday() -> None:
    assert sla_due_date(accepted_on=date(2026, 10, 3), promised_days=0) == date(2026, 10, 3)
    assert working_days_between(date(2026, 10, 12), date(2026, 10, 12)) == 0
    assert working_days_between(date(2026, 10, 12), date(2026, 10, 9)) == 0
    with pytest.raises(ValueError, match="must not be negative"):
        add_working_days(date(2026, 10, 12), -1)


@pytest.mark.django_db
def test_paused_working_days_extend_the_due_date() -> None:
    # Five days from Tue 09-29 end on Mon 10-12 (above); two paused days add Tue 10-13 and Wed 10-14.
    assert sla_due_date(accepted_on=date(2026, 9, 29), promised_days=5, paused_working_days=2) == date(2026, 10, 14)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "colour"),
    [
        (date(2026, 3, 2), SlaColour.GREEN),  # the acceptance day: 0 of 5 used
        (date(2026, 3, 5), SlaColour.GREEN),  # Thu: 3 of 5 = 60 %
        (date(2026, 3, 6), SlaColour.YELLOW),  # Fri: 4 of 5 = exactly 80 %
        (date(2026, 3, 8), SlaColour.YELLOW),  # Sun: still 4 of 5
        (date(2026, 3, 9), SlaColour.YELLOW),  # the due day: 5 of 5, not yet late
        (date(2026, 3, 10), SlaColour.RED),  # the day after the due day
    ],
)
def test_a_five_day_case_turns_yellow_at_exactly_80_percent_and_red_after_the_due_day(
    today: date, colour: SlaColour
) -> None:
    # Accepted Mon 03-02, no holiday near: due Mon 03-09.
    due = sla_due_date(accepted_on=date(2026, 3, 2), promised_days=5)
    assert due == date(2026, 3, 9)

    assert sla_colour(accepted_on=date(2026, 3, 2), due_on=due, today=today) == colour


@pytest.mark.django_db
def test_a_ten_day_case_is_green_at_70_percent_and_yellow_at_80_percent() -> None:
    due = sla_due_date(accepted_on=date(2026, 3, 2), promised_days=10)  # Mon 03-16

    assert sla_colour(accepted_on=date(2026, 3, 2), due_on=due, today=date(2026, 3, 11)) == SlaColour.GREEN  # 7/10
    assert sla_colour(accepted_on=date(2026, 3, 2), due_on=due, today=date(2026, 3, 12)) == SlaColour.YELLOW  # 8/10


@pytest.mark.django_db
def test_paused_days_neither_use_up_the_promise_nor_enlarge_it() -> None:
    # 5 promised + 2 paused from Mon 03-02: due Wed 03-11. Fri 03-06 is 4 working days in, 2 of them paused.
    due = sla_due_date(accepted_on=date(2026, 3, 2), promised_days=5, paused_working_days=2)
    assert due == date(2026, 3, 11)

    def colour(today: date) -> SlaColour:
        return sla_colour(accepted_on=date(2026, 3, 2), due_on=due, today=today, paused_working_days=2)

    assert colour(date(2026, 3, 6)) == SlaColour.GREEN  # 2 of 5
    assert colour(date(2026, 3, 10)) == SlaColour.YELLOW  # 6 − 2 = 4 of 5: exactly 80 %
    assert colour(date(2026, 3, 11)) == SlaColour.YELLOW
    assert colour(date(2026, 3, 12)) == SlaColour.RED


@pytest.mark.django_db
def test_a_case_promised_in_zero_days_is_yellow_on_its_day_and_red_the_next() -> None:
    accepted = date(2026, 3, 4)
    due = sla_due_date(accepted_on=accepted, promised_days=0)

    assert sla_colour(accepted_on=accepted, due_on=due, today=accepted) == SlaColour.YELLOW
    assert sla_colour(accepted_on=accepted, due_on=due, today=date(2026, 3, 5)) == SlaColour.RED


@pytest.mark.django_db
def test_a_year_without_a_calendar_counts_only_weekends_and_is_named_for_staff() -> None:
    # 2027-01-01 is a Friday: surely a holiday, but nothing says so yet.
    assert is_working_day(date(2027, 1, 1))
    assert not is_working_day(date(2027, 1, 2))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert years_without_calendar(date(2026, 12, 20), date(2027, 1, 20)) == [2027]
    assert years_without_calendar(date(2026, 1, 1), date(2026, 12, 31)) == []


@pytest.mark.django_db
def test_loading_a_new_year_changes_the_answers_at_once() -> None:
    assert add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 9)  # warms the cache without 2027

    calendar = holiday_calendar_load(data=calendar_2027())

    assert calendar.year == 2027
    assert day_counts()[2027] == (8, 1)
    # Fri 02-05: Mon 02-08 … Fri 02-12 off, weekend; Mon 02-15 = 1; Tue 02-16 = 2.
    assert add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 16)
    assert not is_working_day(date(2027, 1, 1))
    assert is_working_day(date(2027, 2, 20))
    assert years_without_calendar(date(2026, 12, 20), date(2027, 1, 20)) == []


@pytest.mark.django_db
def test_loading_a_year_again_replaces_its_days() -> None:
    holiday_calendar_load(data=calendar_2027())
    fewer = calendar_2027(holidays=CALENDAR_2027["holidays"][:1])

    holiday_calendar_load(data=fewer)

    assert day_counts()[2027] == (3, 0)
    assert is_working_day(date(2027, 2, 8))
    assert HolidayCalendar.objects.count() == 2


@pytest.mark.django_db
def test_another_process_sees_a_new_calendar_within_the_recheck_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(workdays, "monotonic", lambda: clock[0])
    assert is_working_day(date(2027, 1, 1))
    # Another process loads 2027: this process's cache is not cleared.
    calendar = HolidayCalendar.objects.create(year=2027, source="made up for tests")
    CalendarDay.objects.create(calendar=calendar, date=date(2027, 1, 1), kind=CalendarDay.Kind.DAY_OFF, name="元旦")

    assert is_working_day(date(2027, 1, 1)), "within the interval the cached calendar is used"
    clock[0] += workdays.RECHECK_SECONDS
    assert not is_working_day(date(2027, 1, 1))


@pytest.mark.django_db
def test_repeated_calls_do_not_query_the_database_again(django_assert_num_queries: Any) -> None:
    is_working_day(date(2026, 10, 1))  # warm-up: the calendar is read once

    with django_assert_num_queries(0):
        for offset in range(365):
            is_working_day(date(2026, 1, 1) + timedelta(days=offset))
        sla_due_date(accepted_on=date(2026, 9, 29), promised_days=20)
        sla_colour(accepted_on=date(2026, 9, 29), due_on=date(2026, 10, 12), today=date(2026, 10, 9))
        years_without_calendar(date(2026, 1, 1), date(2027, 12, 31))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (calendar_2027(year=2028), "2027-01-01 is not in 2028"),
        (
            calendar_2027(
                holidays=[{"name_zh": "元旦", "days_off": ["2027-01-01"], "make_up_workdays": ["2027-01-01"]}]
            ),
            "2027-01-01 is listed twice: as a day off of 元旦 and as a make-up working day of 元旦",
        ),
        (
            calendar_2027(
                holidays=[{"name_zh": "元旦", "days_off": ["2027-01-01"], "make_up_workdays": ["2027-01-04"]}]
            ),
            "2027-01-04 is a weekday: a make-up working day must be a Saturday or a Sunday",
        ),
        (
            calendar_2027(holidays=[{"name_zh": "春节", "days_off": ["2027-02-30"]}]),
            "春节: '2027-02-30' in days_off is not a real date",
        ),
        (calendar_2027(holidays=[{"name_zh": "春节", "days_off": ["20270208"]}]), "not a real date written YYYY-MM-DD"),
        (calendar_2027(holidays=[{"name_zh": "春节", "days_off": []}]), "春节: days_off is empty"),
        (calendar_2027(holidays=[]), "holidays must be a non-empty list"),
        (calendar_2027(source=""), "source is missing"),
        (calendar_2027(country="HK"), "only the national calendar of China"),
        (calendar_2027(year="2027"), "year must be a year such as 2027"),
    ],
)
def test_a_bad_calendar_is_refused_with_the_reason_and_loads_nothing(data: dict[str, Any], reason: str) -> None:
    before = day_counts()

    with pytest.raises(HolidayCalendarError, match=reason):
        holiday_calendar_load(data=data)

    assert day_counts() == before


@pytest.mark.django_db
def test_a_bad_calendar_for_a_loaded_year_leaves_that_year_as_it_was() -> None:
    bad_2026 = json.loads(SHIPPED_2026.read_text(encoding="utf-8"))
    bad_2026["holidays"][0]["make_up_workdays"].append("2026-01-05")  # a Monday

    with pytest.raises(HolidayCalendarError, match="2026-01-05 is a weekday"):
        holiday_calendar_load(data=bad_2026)

    assert day_counts() == {2026: (33, 6)}


@pytest.mark.django_db
def test_every_problem_is_reported_at_once() -> None:
    data = calendar_2027(
        source="", holidays=[{"name_zh": "元旦", "days_off": ["2027-01-01", "2026-12-31", "2027-13-01"]}]
    )

    with pytest.raises(HolidayCalendarError) as refused:
        holiday_calendar_load(data=data)

    message = str(refused.value)
    assert "source is missing" in message
    assert "2026-12-31 is not in 2027" in message
    assert "'2027-13-01' in days_off is not a real date" in message


@pytest.mark.django_db
def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "holidays-cn-2027.json"
    path.write_text('{"year": 2027, "holidays": [', encoding="utf-8")

    with pytest.raises(HolidayCalendarError, match="not a UTF-8 JSON file"):
        holiday_calendar_load_file(path=path)
    with pytest.raises(HolidayCalendarError, match="cannot read"):
        holiday_calendar_load_file(path=tmp_path / "missing.json")


@pytest.mark.django_db
def test_the_command_loads_the_shipped_calendars_idempotently() -> None:
    for _ in range(2):
        out = StringIO()
        call_command("load_holidays", stdout=out)

        assert "2026: 33 days off, 6 make-up working days" in out.getvalue()
        assert day_counts() == {2026: (33, 6)}


@pytest.mark.django_db
def test_the_command_loads_nothing_when_one_file_is_bad(tmp_path: Path) -> None:
    good = tmp_path / "holidays-cn-2027.json"
    good.write_text(json.dumps(CALENDAR_2027, ensure_ascii=False), encoding="utf-8")
    bad = tmp_path / "holidays-cn-2028.json"
    bad.write_text(json.dumps(calendar_2027(year=2028), ensure_ascii=False), encoding="utf-8")

    with pytest.raises(CommandError, match=r"holidays-cn-2028\.json: .*2027-01-01 is not in 2028.*Nothing was loaded"):
        call_command("load_holidays", str(good), str(bad), stdout=StringIO())

    assert day_counts() == {2026: (33, 6)}


@pytest.mark.django_db
def test_the_command_loads_a_new_year_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "holidays-cn-2027.json"
    path.write_text(json.dumps(CALENDAR_2027, ensure_ascii=False), encoding="utf-8")
    out = StringIO()

    call_command("load_holidays", str(path), stdout=out)

    assert "2027: 8 days off, 1 make-up working days (made up for tests)" in out.getvalue()
    assert not is_working_day(date(2027, 1, 1))


def admin_day_form(year: int, days: list[tuple[str, str, str]]) -> dict[str, Any]:
    form: dict[str, Any] = {
        "year": year,
        "source": "made up for tests",
        "days-TOTAL_FORMS": len(days),
        "days-INITIAL_FORMS": 0,
        "days-MIN_NUM_FORMS": 0,
        "days-MAX_NUM_FORMS": 1000,
    }
    for index, (day, kind, name) in enumerate(days):
        form |= {f"days-{index}-date": day, f"days-{index}-kind": kind, f"days-{index}-name": name}
    return form


def test_the_city_administrator_sees_the_national_calendars_and_other_staff_do_not(world: World) -> None:
    listing = reverse("admin:core_holidaycalendar_changelist")

    assert signed_in(world.staff["city_admin"]).get(listing).status_code == 200
    assert "2026" in signed_in(world.staff["city_admin"]).get(listing).content.decode()
    world.staff["district_manager"].is_staff = True
    world.staff["district_manager"].save(update_fields=["is_staff"])
    assert signed_in(world.staff["district_manager"]).get(listing).status_code == 403


def test_the_city_administrator_enters_a_new_year_in_the_admin_and_the_clock_uses_it(world: World) -> None:
    assert is_working_day(date(2027, 1, 1))
    days = [("2027-01-01", "day_off", "元旦"), ("2027-02-20", "workday", "春节")]

    response = signed_in(world.staff["city_admin"]).post(
        reverse("admin:core_holidaycalendar_add"), admin_day_form(2027, days), headers={"accept-language": "en"}
    )

    assert response.status_code == 302, response.content.decode()
    assert day_counts()[2027] == (1, 1)
    assert not is_working_day(date(2027, 1, 1))


def test_the_admin_refuses_a_make_up_day_on_a_weekday_or_in_another_year(world: World) -> None:
    days = [("2027-01-04", "workday", "元旦"), ("2028-01-01", "day_off", "元旦")]

    response = signed_in(world.staff["city_admin"]).post(
        reverse("admin:core_holidaycalendar_add"), admin_day_form(2027, days), headers={"accept-language": "en"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "2027-01-04 is a weekday" in page
    assert "2028-01-01 is not in 2027" in page
    assert not HolidayCalendar.objects.filter(year=2027).exists()


def test_only_a_superuser_may_delete_a_calendar(world: World) -> None:
    calendar = HolidayCalendar.objects.get(year=2026)
    delete = reverse("admin:core_holidaycalendar_delete", args=[calendar.pk])

    assert signed_in(world.staff["city_admin"]).post(delete, {"post": "yes"}).status_code == 403
    assert HolidayCalendar.objects.filter(year=2026).exists()
