"""`manage.py deliver_notifications [--loop SECONDS] [--limit N]`: send the due SMS notifications.

Once (for cron), or every SECONDS until stopped. It is what retries failed SMS: the task queue
is only told about new ones. Several copies may run at once; each delivery is sent by one.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from notifications.services import DeliveryRun, deliveries_send_due


class Command(BaseCommand):
    help = "Send the due notification SMS (new ones and retries) once, or every SECONDS with --loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="keep running, a pass every SECONDS")
        parser.add_argument("--limit", type=int, default=500, help="at most this many deliveries a pass (500)")

    def handle(self, *args: Any, **options: Any) -> None:
        interval: int | None = options["loop"]
        limit: int = options["limit"]
        if interval is not None and interval < 1:
            raise CommandError("--loop needs a whole number of seconds, 1 or more.")
        if limit < 1:
            raise CommandError("--limit needs a whole number, 1 or more.")
        if interval is None:
            self._report(deliveries_send_due(limit=limit), always=True)
            return
        self.stdout.write(f"Sending due notifications every {interval}s; Ctrl+C stops.")
        try:
            while True:
                close_old_connections()  # a long-lived loop must survive the database dropping a connection
                try:
                    self._report(deliveries_send_due(limit=limit), always=False)
                except DatabaseError as exc:
                    self.stderr.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} database error, will retry: {exc}")
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _report(self, run: DeliveryRun, *, always: bool) -> None:
        if always or run.sent or run.failed or run.gave_up:
            self.stdout.write(
                f"{timezone.localtime():%Y-%m-%d %H:%M:%S} sent {run.sent}, failed {run.failed}, gave up {run.gave_up}"
            )
