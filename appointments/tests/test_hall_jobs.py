from io import StringIO

from django.core.management import call_command

from appointments.models import AppointmentSlot


def test_the_hall_routine_prepares_bookable_slots_for_the_coming_days(world) -> None:  # type: ignore[no-untyped-def]
    centre = world.yanta_centre
    centre.opening_hours = {str(day): [["09:00", "12:00"]] for day in range(1, 8)}
    centre.save(update_fields=["opening_hours"])
    out = StringIO()
    call_command("run_hall_jobs", stdout=out)
    assert AppointmentSlot.objects.filter(centre=centre).count() >= 6 * 10, "six half-hour slots a day, two weeks"
    assert "slots" in out.getvalue()
    again = AppointmentSlot.objects.count()
    call_command("run_hall_jobs", stdout=StringIO())
    assert AppointmentSlot.objects.count() == again, "running it again adds nothing"
