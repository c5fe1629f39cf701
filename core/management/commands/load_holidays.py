"""`manage.py load_holidays [PATH ...]`: load national holiday calendars (法定节假日 and 调休).

Without a path it loads every calendar shipped in core/data (holidays-cn-YYYY.json). When the State
Council publishes next year's calendar, write it in the same format and load it here or enter it in
the admin. Safe to re-run: each file replaces its year. All files load together or not at all.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.models import CalendarDay
from core.workdays import HOLIDAY_DATA_DIR, HolidayCalendarError, holiday_calendar_load_file


class Command(BaseCommand):
    help = "Load national holiday calendars from JSON files (default: every core/data/holidays-cn-*.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="calendar file(s) to load")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"] or sorted(HOLIDAY_DATA_DIR.glob("holidays-cn-*.json"))
        if not paths:
            raise CommandError(f"No holidays-cn-*.json file in {HOLIDAY_DATA_DIR}: nothing to load.")
        lines = []
        try:
            with transaction.atomic():
                for path in paths:
                    calendar = holiday_calendar_load_file(path=path)
                    days_off = calendar.days.filter(kind=CalendarDay.Kind.DAY_OFF).count()
                    workdays = calendar.days.filter(kind=CalendarDay.Kind.WORKDAY).count()
                    lines.append(
                        f"{calendar.year}: {days_off} days off, {workdays} make-up working days ({calendar.source})"
                    )
        except HolidayCalendarError as exc:
            raise CommandError(f"{path}: {exc}. Nothing was loaded.") from exc
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(lines)} holiday calendar(s)."))
