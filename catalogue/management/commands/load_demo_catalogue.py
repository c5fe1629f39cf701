"""`manage.py load_demo_catalogue [--file PATH]`: the demo city's service items and negative list.

Safe to re-run (see catalogue.demo). Needs the city from `load_demo_data` first. Refuses in
production: it publishes items and negative-list entries no editor wrote, under the system's name.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalogue.demo import DEFAULT_CATALOGUE_FILE, CatalogueDataError, CatalogueLoadSummary, catalogue_demo_load


class Command(BaseCommand):
    help = "Load the demo service catalogue (items, guides, negative list) from a JSON file. Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            default=DEFAULT_CATALOGUE_FILE,
            help=f"demo catalogue file (default: {DEFAULT_CATALOGUE_FILE.relative_to(settings.BASE_DIR)})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "load_demo_catalogue refuses to run in production (ONEWINDOW_ENV=production): it publishes a demo "
                "catalogue that no editor wrote. Use it on development or demo servers only."
            )
        path: Path = options["file"]
        self.stdout.write(f"Loading the demo catalogue from {path}")
        try:
            summary = catalogue_demo_load(path=path, progress=self._progress)
        except CatalogueDataError as exc:
            problem = str(exc).rstrip("。.")
            raise CommandError(f"{path}: {problem}. Nothing was loaded.") from exc
        self._print_summary(summary)

    def _progress(self, line: str) -> None:
        self.stdout.write(f"  {line}")

    def _print_summary(self, summary: CatalogueLoadSummary) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"{'':<20}{'created':>9}{'updated':>9}{'unchanged':>11}{'total':>8}")
        )
        for model, counts in summary.counts.items():
            self.stdout.write(
                f"{model:<20}{counts.created:>9}{counts.updated:>9}{counts.unchanged:>11}{counts.total:>8}"
            )
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"{'All':<20}{summary.created:>9}{summary.updated:>9}{summary.unchanged:>11}{summary.total:>8}"
            )
        )
        self.stdout.write(f"Versions published: {summary.published_versions}")
        for warning in summary.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        if summary.created or summary.updated:
            self.stdout.write(self.style.SUCCESS("Demo catalogue loaded."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo catalogue already up to date: nothing changed."))
