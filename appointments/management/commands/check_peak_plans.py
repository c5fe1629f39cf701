"""`manage.py check_peak_plans [--loop SECONDS]`: check every centre with an active peak-hour plan.

Once (for cron), or every SECONDS until stopped. A firing is recorded, the district manager and
the waiting residents are notified (see `appointments.plan`).
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from appointments.plan import centres_with_active_plans, peak_plan_check


class Command(BaseCommand):
    help = "Check the queues of centres with an active peak-hour plan, once or every SECONDS with --loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="keep running, a pass every SECONDS")

    def handle(self, *args: Any, **options: Any) -> None:
        interval: int | None = options["loop"]
        if interval is not None and interval < 1:
            raise CommandError("--loop needs a whole number of seconds, 1 or more.")
        if interval is None:
            self._run()
            return
        self.stdout.write(f"Checking peak-hour plans every {interval}s; Ctrl+C stops.")
        try:
            while True:
                close_old_connections()
                try:
                    self._run()
                except DatabaseError as exc:
                    self.stderr.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} database error, will retry: {exc}")
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _run(self) -> None:
        checked = fired = 0
        for centre in centres_with_active_plans():
            checked += 1
            firing = peak_plan_check(centre=centre)
            if firing is not None:
                fired += 1
                self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {centre.code}: {firing.cause}")
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} checked {checked}, fired {fired}")
