import datetime as dt

from django.tasks import task
from django.utils import timezone

from licences.services import licences_expire

# Run a few minutes after local midnight, when the day that just ended was the last valid day.
AFTER_MIDNIGHT = dt.timedelta(minutes=5)


def next_run(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    return midnight + AFTER_MIDNIGHT


@task()
def expire_licences(reschedule: bool = True) -> int:
    """Daily: mark licences past their last valid day expired. Re-enqueues itself for the next
    night (django.tasks has no scheduler); `manage.py expire_licences` does the same from cron."""
    count = licences_expire()
    if reschedule:
        expire_licences.using(run_after=next_run(timezone.now())).enqueue(reschedule=True)
    return count
