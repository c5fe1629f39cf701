from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from licences.demo import demo_registry_load


class Command(BaseCommand):
    help = "Give the demo resident an e-licence and registry facts to reuse (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("load_demo_registry refuses to run in production.")
        created = demo_registry_load()
        self.stdout.write(f"demo registry: {', '.join(created) if created else 'already up to date, nothing changed'}")
