"""`manage.py load_demo_data [--file PATH]`: the demo city, its staff and synthetic residents.

Safe to re-run (see core.demo). Refuses in production: it creates accounts whose password is
printed on the screen and written in the settings module.
"""

import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.demo import DEFAULT_DEMO_FILE, DemoDataError, DemoLoadSummary, demo_data_load, demo_logins


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


class Command(BaseCommand):
    help = "Load the demo city (organisations, staff, synthetic residents) from a JSON file. Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            default=DEFAULT_DEMO_FILE,
            help=f"demo data file (default: {DEFAULT_DEMO_FILE.relative_to(settings.BASE_DIR)})",
        )
        parser.add_argument("--logins-only", action="store_true", help="only print the demo logins")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "load_demo_data refuses to run in production (ONEWINDOW_ENV=production): it creates accounts "
                "with a published password and synthetic residents. Use it on development or demo servers only."
            )
        path: Path = options["file"]
        if options["logins_only"]:
            self._print_logins(path)
            return
        self.stdout.write(f"Loading demo data from {path}")
        try:
            summary = demo_data_load(path=path, password=settings.ONEWINDOW_DEMO_PASSWORD, progress=self._progress)
        except DemoDataError as exc:
            raise CommandError(f"{path}: {exc}. Nothing was loaded.") from exc
        self._print_summary(summary)
        self._print_logins(path)

    def _progress(self, line: str) -> None:
        self.stdout.write(f"  {line}")

    def _print_summary(self, summary: DemoLoadSummary) -> None:
        header = f"{'':<16}{'created':>9}{'updated':>9}{'unchanged':>11}{'total':>8}"
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(header))
        for model, counts in summary.counts.items():
            self.stdout.write(
                f"{model:<16}{counts.created:>9}{counts.updated:>9}{counts.unchanged:>11}{counts.total:>8}"
            )
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"{'All':<16}{summary.created:>9}{summary.updated:>9}{summary.unchanged:>11}{summary.total:>8}"
            )
        )
        if summary.created or summary.updated:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already up to date: nothing changed."))

    def _print_logins(self, path: Path) -> None:
        logins = demo_logins(path=path)
        password = settings.ONEWINDOW_DEMO_PASSWORD
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo logins (password for every account: {password})"))
        login_width = max((_width(entry.login) for entry in logins), default=0) + 2
        role_width = max((_width(entry.role) for entry in logins), default=0) + 2
        for entry in logins:
            self.stdout.write(f"  {_pad(entry.login, login_width)}{_pad(entry.role, role_width)}{entry.sees}")
        self.stdout.write(
            "Staff sign in with the username; residents with the mobile number and the password, or an SMS code "
            "(the development SMS backend keeps the message in the database)."
        )
