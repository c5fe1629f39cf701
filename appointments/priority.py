"""Who is called first in a centre's hall: the one place the queue's priority rules are written.

Counters call the waiting tickets by (priority, highest first; then issued_at; then id), so the
order is:

1. a resident checking in for his appointment at its time (the check-in window of his slot,
   30 minutes before to 15 minutes after it starts): he booked to avoid the wait;
2. elderly residents, 70 or older on the day (by the registry's birth date);
3. disabled residents (a current `disability` fact in the shared registry);
4. everyone else, in the order they arrived.

Within one level, arrival order decides. A resident who is both elderly and disabled is in the
elderly level; an anonymous walk-in (nobody identified at the kiosk) can only be in the last one,
so the kiosk asks the elderly and the disabled to swipe their ID card.

The priority is computed once, when the ticket is issued, and stored on the ticket: the order of
a queue never changes behind the backs of those waiting in it.
"""

import datetime as dt

from django.utils import timezone

from appointments.models import Appointment
from residents.models import FactCategory, Resident
from residents.registry import facts_current

APPOINTMENT_PRIORITY = 30
ELDERLY_PRIORITY = 20
DISABLED_PRIORITY = 10
ARRIVAL_PRIORITY = 0

ELDERLY_AGE = 70


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years on `day`; someone born on 29 February turns a year older on 1 March."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def ticket_priority(*, resident: Resident | None, appointment: Appointment | None, now: dt.datetime) -> int:
    """The priority of a ticket issued at `now`; higher is called first (see the module's order)."""
    if appointment is not None and appointment.is_at_its_time(now):
        return APPOINTMENT_PRIORITY
    if resident is None:
        return ARRIVAL_PRIORITY
    if age_on(resident.birth_date, timezone.localdate(now)) >= ELDERLY_AGE:
        return ELDERLY_PRIORITY
    if FactCategory.DISABILITY in facts_current(resident=resident):
        return DISABLED_PRIORITY
    return ARRIVAL_PRIORITY
