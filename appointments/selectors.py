"""Reads of appointments and the queue: opening hours of a day, the no-show pause, the queue's
letters, how many are ahead, how long the wait is, and the booking page's next free slots.

Opening hours on a given day (`centre_periods_on`), in one place:

- Monday to Friday: the centre's hours for that weekday, unless `core.workdays.is_working_day`
  says the day is a public holiday (法定节假日): then the centre is closed.
- Saturday and Sunday: the centre's own weekend hours (many halls open on Saturday morning),
  unless the day is a public holiday in the calendar (say 3 October): then closed.
- A make-up working day (调休, a Saturday or Sunday that `is_working_day` says is worked) runs the
  weekday schedule: the hours of the first weekday, Monday to Friday, that has any. The calendar
  does not say which weekday a make-up day replaces, and centres keep the same hours all week.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from appointments.models import (
    QUEUE_LETTERS,
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    QueueTicket,
    TicketStatus,
)
from catalogue.models import Category, ServiceItem
from core.models import CalendarDay, City, Counter, ServiceCentre
from core.workdays import is_working_day
from residents.models import Resident

# The no-show policy: this many no-shows within NO_SHOW_WINDOW pause booking for PAUSE_LENGTH.
NO_SHOWS_BEFORE_PAUSE = 3
NO_SHOW_WINDOW = dt.timedelta(days=90)
PAUSE_LENGTH = dt.timedelta(days=30)

# The queue of a ticket whose affair is not known (an enquiry, "not sure"): 综合 (general).
GENERAL_QUEUE = "Z"
# Service time assumed while a centre has served nobody yet today, and how many services count.
DEFAULT_SERVICE_MINUTES = 10
SERVICE_TIMES_SAMPLE = 20

_WEEKDAYS = ("1", "2", "3", "4", "5")


def _hours(centre: ServiceCentre, key: str) -> list[tuple[dt.time, dt.time]]:
    """The centre's periods for one ISO weekday key, sorted; malformed data fails loudly."""
    periods: list[tuple[dt.time, dt.time]] = []
    for pair in (centre.opening_hours or {}).get(key) or []:
        try:
            opens, closes = (dt.time.fromisoformat(value) for value in pair)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"opening hours of centre {centre.code} for weekday {key}: {pair!r} is not a pair of HH:MM times"
            ) from exc
        if closes <= opens:
            raise ValueError(f"opening hours of centre {centre.code} for weekday {key}: {pair!r} closes before opening")
        periods.append((opens, closes))
    return sorted(periods)


def opening_times_on(centre: ServiceCentre, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The centre's opening periods on `day` as local times; [] when it is closed (see the module)."""
    weekday = day.isoweekday()
    if weekday <= 5:
        return _hours(centre, str(weekday)) if is_working_day(day) else []
    if is_working_day(day):
        return next((hours for key in _WEEKDAYS if (hours := _hours(centre, key))), [])
    if CalendarDay.objects.filter(date=day, kind=CalendarDay.Kind.DAY_OFF).exists():
        return []
    return _hours(centre, str(weekday))


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    """`time` on `day` in the platform's time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, time), timezone.get_default_timezone())


def centre_periods_on(centre: ServiceCentre, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The centre's opening periods on `day` as aware datetimes, in order; [] when it is closed."""
    times = opening_times_on(centre, day)
    return [(local_datetime(day, opens), local_datetime(day, closes)) for opens, closes in times]


def booking_paused_until(resident: Resident, today: dt.date) -> dt.date | None:
    """The last day of the resident's booking pause, or None when he may book on `today`.

    Three no-shows within 90 days (the first and the third at most 89 days apart) pause booking
    for 30 days from the day of the third: a third no-show on 1 March pauses 1 to 30 March, and
    he books again from 31 March. The no-shows that started a pause are used up: counting starts
    again after it. A no-show is dated by the day of the missed slot.
    """
    days = [
        timezone.localdate(starts_at)
        for starts_at in Appointment.objects.filter(
            resident=resident,
            status=AppointmentStatus.NO_SHOW,
            slot__starts_at__lt=local_datetime(today + dt.timedelta(days=1), dt.time.min),
        )
        .order_by("slot__starts_at")
        .values_list("slot__starts_at", flat=True)
    ]
    counted: list[dt.date] = []
    paused_until: dt.date | None = None
    for day in days:
        counted = [earlier for earlier in counted if day - earlier < NO_SHOW_WINDOW]
        counted.append(day)
        if len(counted) >= NO_SHOWS_BEFORE_PAUSE:
            paused_until = day + PAUSE_LENGTH - dt.timedelta(days=1)
            counted = []
    return paused_until if paused_until is not None and paused_until >= today else None


def queue_letter(category: Category | None) -> str:
    """The queue letter of a catalogue category: its rank in the catalogue's order.

    Categories in their order (position, then code) take A, B, C …; the first 25 get a letter of
    their own (A to Y), any later ones share Y. Z is the general queue, for a ticket with no
    category. A ticket takes the category chosen at the kiosk, else its item's first category.
    Reordering the catalogue changes the letters, so editors should not do it during opening hours.
    """
    if category is None:
        return GENERAL_QUEUE
    rank = Category.objects.filter(
        Q(position__lt=category.position) | Q(position=category.position, code__lt=category.code)
    ).count()
    return QUEUE_LETTERS[min(rank, QUEUE_LETTERS.index(GENERAL_QUEUE) - 1)]


def item_queue_category(item: ServiceItem | None) -> Category | None:
    """The item's first category in the catalogue's order, whose letter its tickets take."""
    return item.categories.order_by("position", "code").first() if item is not None else None


def tickets_ahead(ticket: QueueTicket) -> int:
    """How many waiting tickets of the same centre and day a counter would call before this one.

    An estimate for the resident with a remote ticket: a later arrival with a higher priority (an
    appointment at its time, an elderly resident) may still be called first. 0 once it was called.
    """
    if ticket.status != TicketStatus.WAITING:
        return 0
    same_priority = Q(priority=ticket.priority)
    return (
        QueueTicket.objects.filter(centre_id=ticket.centre_id, day=ticket.day, status=TicketStatus.WAITING)
        .filter(
            Q(priority__gt=ticket.priority)
            | (same_priority & Q(issued_at__lt=ticket.issued_at))
            | (same_priority & Q(issued_at=ticket.issued_at, pk__lt=ticket.pk))
        )
        .count()
    )


def counters_taking(*, centre: ServiceCentre, letter: str | None = None) -> QuerySet[Counter]:
    """The centre's open counters that call the queue `letter` (every open counter without a letter)."""
    counters = Counter.objects.filter(centre=centre, is_open=True)
    if letter is not None:
        counters = counters.filter(Q(restriction__isnull=True) | Q(restriction__categories__contains=letter))
    return counters


def _mean_service_minutes(tickets: QuerySet[QueueTicket]) -> float:
    done = (
        tickets.filter(status=TicketStatus.DONE, served_started_at__isnull=False, served_ended_at__isnull=False)
        .order_by("-served_ended_at")
        .values_list("served_started_at", "served_ended_at")[:SERVICE_TIMES_SAMPLE]
    )
    durations = [(ended - started).total_seconds() / 60 for started, ended in done if started and ended]
    return sum(durations) / len(durations) if durations else DEFAULT_SERVICE_MINUTES


def estimated_wait_minutes(
    *, centre: ServiceCentre, category: Category | str | None = None, now: dt.datetime | None = None
) -> int:
    """Minutes a ticket taken now would wait, rounded up: the mean service time × tickets waiting
    ÷ open counters.

    The mean is over the last 20 services completed today (10 minutes while there are none). With
    a category (a catalogue category or a queue letter), only that queue's tickets and service
    times count, and only the open counters that call it; a queue no open counter calls counts
    as one counter, so the estimate stays finite.
    """
    day = timezone.localdate(now or timezone.now())
    letter = queue_letter(category) if isinstance(category, Category) else category
    tickets = QueueTicket.objects.filter(centre=centre, day=day)
    if letter is not None:
        tickets = tickets.filter(category=letter)
    waiting = tickets.filter(status=TicketStatus.WAITING).count()
    if not waiting:
        return 0
    counters = max(counters_taking(centre=centre, letter=letter).count(), 1)
    return math.ceil(_mean_service_minutes(tickets) * waiting / counters)


@dataclass(frozen=True)
class CentreNextSlot:
    centre: ServiceCentre
    slot: AppointmentSlot | None


def centres_with_next_slot(*, city: City, now: dt.datetime) -> list[CentreNextSlot]:
    """Every centre of the city with its first slot after `now` that has a place left (None when
    it has none): two queries whatever the number of centres.

    Slots are created ahead by `slots_ensure` (the `ensure_slots` task); a slot left on a day that
    became a holiday after it was created is shown here, and refused when booked.
    """
    next_slot = (
        AppointmentSlot.objects.filter(centre=OuterRef("pk"), starts_at__gt=now, booked__lt=F("capacity"))
        .order_by("starts_at")
        .values("pk")[:1]
    )
    centres = list(
        ServiceCentre.objects.filter(city=city)
        .select_related("district")
        .annotate(next_slot_id=Subquery(next_slot))
        .order_by("district__code", "code")
    )
    slots = AppointmentSlot.objects.in_bulk([c.next_slot_id for c in centres if c.next_slot_id])
    return [CentreNextSlot(centre=c, slot=slots.get(c.next_slot_id)) for c in centres]


def slots_bookable(*, centre: ServiceCentre, day: dt.date, now: dt.datetime) -> QuerySet[AppointmentSlot]:
    """The centre's slots on `day` that start after `now` and have a place left, in order."""
    start = local_datetime(day, dt.time.min)
    return AppointmentSlot.objects.filter(
        centre=centre,
        starts_at__gte=max(start, now),
        starts_at__lt=start + dt.timedelta(days=1),
        booked__lt=F("capacity"),
    ).order_by("starts_at")


def appointments_of(*, resident: Resident, statuses: Sequence[str] | None = None) -> QuerySet[Appointment]:
    """The resident's appointments, soonest slot first, with what a list shows."""
    appointments = Appointment.objects.filter(resident=resident).select_related(
        "slot", "centre", "item__current_version"
    )
    if statuses is not None:
        appointments = appointments.filter(status__in=statuses)
    return appointments.order_by("slot__starts_at", "pk")


def queue_waiting(*, centre: ServiceCentre, day: dt.date) -> QuerySet[QueueTicket]:
    """The centre's waiting tickets of `day` in the order counters call them (the hall's screen)."""
    return QueueTicket.objects.filter(centre=centre, day=day, status=TicketStatus.WAITING).order_by(
        "-priority", "issued_at", "pk"
    )
