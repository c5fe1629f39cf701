import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.escalation import cases_escalate_overdue


class Command(BaseCommand):
    help = "Escalate overdue cases to approvers and district managers (once per case)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds (0: run once)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            count = cases_escalate_overdue()
            self.stdout.write(f"escalated {count} overdue case(s)")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
