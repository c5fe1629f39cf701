"""Background work of notifications (django.tasks; the database backend's worker runs it)."""

from django.tasks import task

from notifications.services import deliveries_send_due


@task()
def deliver_pending(limit: int = 500) -> dict[str, int]:
    """Send the due SMS deliveries. Enqueued after each commit that created some; retries come from
    `manage.py deliver_notifications` (cron or --loop), which runs the same service."""
    return deliveries_send_due(limit=limit).as_dict()
