import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from licences.services import licences_expire


class Command(BaseCommand):
    help = "Mark licences past their last valid day expired (daily from cron, or --loop in development)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds (0: run once)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            count = licences_expire()
            self.stdout.write(f"expired {count} licence(s)")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
