"""Ship the 2026 national holiday calendar, so that every fresh database counts working days right.

Uses the historical models, not core.workdays: a migration must keep working when the service
changes. The file was validated by `holiday_calendar_load` when it was added; later years come
through `manage.py load_holidays` or the admin, not through migrations.
"""

import json
from datetime import date
from pathlib import Path

from django.db import migrations

CALENDAR_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays-cn-2026.json"
YEAR = 2026


def load_2026(apps, schema_editor):
    HolidayCalendar = apps.get_model("core", "HolidayCalendar")
    CalendarDay = apps.get_model("core", "CalendarDay")
    data = json.loads(CALENDAR_FILE.read_text(encoding="utf-8"))
    calendar, _ = HolidayCalendar.objects.update_or_create(year=YEAR, defaults={"source": data["source"]})
    calendar.days.all().delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(
            calendar=calendar,
            date=date.fromisoformat(day),
            kind=kind,
            name=holiday["name_zh"],
            name_en=holiday["name_en"],
        )
        for holiday in data["holidays"]
        for kind, key in (("day_off", "days_off"), ("workday", "make_up_workdays"))
        for day in holiday[key]
    )


def unload_2026(apps, schema_editor):
    apps.get_model("core", "HolidayCalendar").objects.filter(year=YEAR).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_holidays"),
    ]

    operations = [
        migrations.RunPython(load_2026, unload_2026),
    ]
