"""Background work of appointments (django.tasks). Nothing schedules them periodically: cron or a
looping command enqueues them (every 10 minutes for reminders and no-shows, nightly for slots).
Arguments are JSON: times are ISO 8601 strings."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from appointments.services import appointment_reminders_send, appointments_mark_no_shows, slots_ensure
from core.models import ServiceCentre


def _moment(now: str | dt.datetime | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(now) if isinstance(now, str) else now


@task()
def send_appointment_reminders(now: str | dt.datetime | None = None) -> dict[str, int]:
    """Remind residents of tomorrow's appointments and of those within the hour; each reminder once."""
    return appointment_reminders_send(now=_moment(now))


@task()
def mark_no_shows(now: str | dt.datetime | None = None) -> int:
    """Mark the booked appointments whose slot is over as no-shows (feeds the no-show pause)."""
    return appointments_mark_no_shows(now=_moment(now))


@task()
def ensure_slots(days: int = 14, slot_minutes: int = 30) -> int:
    """Create the slots of every centre for today and the next `days` days; returns how many exist."""
    today = timezone.localdate()
    total = 0
    for centre in ServiceCentre.objects.order_by("pk"):
        for offset in range(days + 1):
            total += len(slots_ensure(centre=centre, day=today + dt.timedelta(days=offset), slot_minutes=slot_minutes))
    return total
