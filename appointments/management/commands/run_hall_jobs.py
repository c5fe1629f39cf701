import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from appointments.plan import peak_plan_check
from appointments.services import appointment_reminders_send, appointments_mark_no_shows
from appointments.tasks import ensure_slots
from core.models import ServiceCentre


class Command(BaseCommand):
    help = "The hall's routine: slots for the next 14 days, reminders, no-shows, peak-plan checks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds (0: run once)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            slots = ensure_slots.call(days=14)
            reminders = appointment_reminders_send()
            no_shows = appointments_mark_no_shows()
            fired = sum(
                1
                for centre in ServiceCentre.objects.filter(peak_plan__is_active=True)
                if peak_plan_check(centre=centre)
            )
            self.stdout.write(f"slots {slots}, reminders {reminders}, no-shows {no_shows}, peak plans fired {fired}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
