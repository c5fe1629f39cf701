import datetime as dt

from django.tasks import task
from django.utils import timezone

from cases.escalation import cases_escalate_overdue

HOURLY = dt.timedelta(hours=1)


@task()
def escalate_overdue_cases(reschedule: bool = True) -> int:
    """Hourly: escalate red cases. Re-enqueues itself an hour later (django.tasks has no scheduler)."""
    count = cases_escalate_overdue()
    if reschedule:
        escalate_overdue_cases.using(run_after=timezone.now() + HOURLY).enqueue(reschedule=True)
    return count
