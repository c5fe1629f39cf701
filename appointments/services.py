"""Writes of appointments and the queue. Each is atomic, takes the acting user (None for the kiosk
and for tasks), writes the audit trail and notifies after commit (through `notify`).

No double booking, whatever the number of web workers: a place is taken by one conditional
UPDATE (`booked = booked + 1 WHERE booked < capacity`), which the database runs one at a time per
slot; when it changes no row the slot is full. The check constraint `booked <= capacity` stays as
the last line of defence. One active appointment per resident and item is a partial unique index.

Ticket numbers are gapless per centre, day and queue letter: the `TicketCounter` row is locked
while a ticket is issued, and a ticket that is not written gives its number back with the rollback.
Two counters never call the same ticket: the best waiting ticket is locked with SKIP LOCKED, so
the second counter takes the next one instead of waiting.

The allowed status changes are the two tables below, checked in one place each.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from appointments.models import (
    CHECK_IN_CLOSES_AFTER,
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    CounterRestriction,
    QueueTicket,
    TicketChannel,
    TicketCounter,
    TicketStatus,
)
from appointments.priority import ticket_priority
from appointments.selectors import (
    booking_paused_until,
    centre_periods_on,
    item_queue_category,
    local_datetime,
    queue_letter,
)
from audit.services import audit_record
from cases.intake import may_file_for
from cases.models import Case
from catalogue.models import Category, ServiceItem
from core.errors import Conflict
from core.models import Counter, ServiceCentre
from notifications.models import Notification
from notifications.services import notify
from residents.models import Resident

A = AppointmentStatus
T = TicketStatus

# action → (statuses it may start from, status it leads to)
APPOINTMENT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "cancel": (frozenset({A.BOOKED}), A.CANCELLED),
    "reschedule": (frozenset({A.BOOKED}), A.BOOKED),
    "check_in": (frozenset({A.BOOKED}), A.CHECKED_IN),
    "no_show": (frozenset({A.BOOKED}), A.NO_SHOW),
    "serve": (frozenset({A.CHECKED_IN}), A.SERVED),
}
TICKET_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "call": (frozenset({T.WAITING}), T.CALLED),
    "recall": (frozenset({T.CALLED}), T.CALLED),
    "no_show": (frozenset({T.CALLED}), T.NO_SHOW),
    "start_serving": (frozenset({T.CALLED}), T.SERVING),
    "done": (frozenset({T.SERVING}), T.DONE),
    "cancel": (frozenset({T.WAITING}), T.CANCELLED),
}

# Tickets are issued from half an hour before the centre opens (people queue at the door) until
# it closes; during the lunch break too, to be served after it.
TICKETS_FROM_BEFORE_OPENING = dt.timedelta(minutes=30)
# Reminders the day before go out in daytime only, never as an SMS at midnight.
DAY_REMINDERS_BETWEEN = (dt.time(8, 0), dt.time(21, 0))
HOUR_REMINDER_AHEAD = dt.timedelta(hours=1)
TICKET_COUNTER_ATTEMPTS = 3


def _appointment_target(action: str, status: str) -> str:
    allowed, target = APPOINTMENT_TRANSITIONS[action]
    if status not in allowed:
        raise Conflict(
            _("Not possible now: this appointment is “%(status)s”.") % {"status": A(status).label},
            code="invalid_transition",
        )
    return target


def _ticket_target(action: str, status: str) -> str:
    allowed, target = TICKET_TRANSITIONS[action]
    if status not in allowed:
        raise Conflict(
            _("Not possible now: this ticket is “%(status)s”.") % {"status": T(status).label},
            code="invalid_transition",
        )
    return target


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _require_clerk_of(actor: User, centre_id: int) -> None:
    if not (
        actor.is_authenticated
        and actor.is_active
        and actor.role == Role.COUNTER_CLERK
        and actor.service_centre_id == centre_id
    ):
        raise PermissionDenied(_("Only a counter clerk of this service centre can do this."))


def _require_may_book_for(actor: User, resident: Resident) -> None:
    # The same rule as applying for him: himself, a relative of his household, a clerk with him at
    # the counter, his community's worker.
    if may_file_for(actor, resident) is None:
        raise PermissionDenied(_("You may not book or change appointments for this resident."))


# ---------------------------------------------------------------------------------------------
# Slots
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def slots_ensure(*, centre: ServiceCentre, day: dt.date, slot_minutes: int = 30) -> list[AppointmentSlot]:
    """The centre's slots on `day`, created from its opening hours where missing; [] when closed.

    Each opening period is cut into `slot_minutes` slots; a remainder shorter than a slot is left
    out, and nothing is booked across the lunch break. A new slot has one place per open counter
    (at least one). Existing slots are kept as they are, so running it again changes nothing; a
    change of hours or counters applies to slots created afterwards.
    """
    if not 5 <= slot_minutes <= 240:
        raise ValueError(f"slot_minutes must be between 5 and 240, got {slot_minutes}")
    periods = centre_periods_on(centre, day)
    if not periods:
        return []
    capacity = max(Counter.objects.filter(centre=centre, is_open=True).count(), 1)
    length = dt.timedelta(minutes=slot_minutes)
    wanted: list[AppointmentSlot] = []
    for opens, closes in periods:
        # Stepping in local wall time keeps slots on the hour in any time zone.
        start = timezone.localtime(opens).replace(tzinfo=None)
        while (end := start + length) <= timezone.localtime(closes).replace(tzinfo=None):
            wanted.append(
                AppointmentSlot(
                    centre=centre,
                    starts_at=local_datetime(start.date(), start.time()),
                    ends_at=local_datetime(end.date(), end.time()),
                    capacity=capacity,
                )
            )
            start = end
    AppointmentSlot.objects.bulk_create(wanted, ignore_conflicts=True)
    return list(
        AppointmentSlot.objects.filter(centre=centre, starts_at__in=[s.starts_at for s in wanted]).order_by("starts_at")
    )


# ---------------------------------------------------------------------------------------------
# Appointments
# ---------------------------------------------------------------------------------------------


def _require_offered(item: ServiceItem, centre: ServiceCentre) -> None:
    version = item.current_version
    offered = (
        version is not None
        and item.city_id == centre.city_id
        and (version.everywhere or version.centres.filter(pk=centre.pk).exists())
    )
    if not offered:
        raise ValidationError(
            _("%(centre)s does not handle “%(item)s”; please choose a centre that does.")
            % {"centre": centre.name, "item": item},
            code="item_not_offered",
        )


def _check_slot(*, slot: AppointmentSlot, centre: ServiceCentre, item: ServiceItem | None, now: dt.datetime) -> None:
    """Everything about a slot that refuses a booking before any place is taken."""
    if slot.centre_id != centre.pk:
        raise ValidationError(_("This time belongs to another service centre."), code="slot_of_another_centre")
    if slot.starts_at <= now:
        raise ValidationError(
            _("%(time)s has already passed; please choose a later time.") % {"time": _local(slot.starts_at)},
            code="slot_past",
        )
    day = timezone.localdate(slot.starts_at)
    if not any(opens <= slot.starts_at and slot.ends_at <= closes for opens, closes in centre_periods_on(centre, day)):
        raise ValidationError(
            _("%(centre)s is closed at that time on %(day)s; please choose another day.")
            % {"centre": centre.name, "day": day.isoformat()},
            code="centre_closed",
        )
    if item is not None:
        _require_offered(item, centre)


def _take_place(slot: AppointmentSlot) -> None:
    # One statement, so the database decides: of two bookings for the last place, one changes the row.
    taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise Conflict(
            _("Every place at %(time)s is taken; please choose another time.") % {"time": _local(slot.starts_at)},
            code="slot_full",
        )


def _free_place(slot_id: int) -> None:
    AppointmentSlot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _already_booked(item: ServiceItem | None) -> Conflict:
    return Conflict(
        _("You already have an appointment for “%(item)s”; change or cancel that one instead.") % {"item": item},
        code="already_booked",
    )


def _lock_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot", "centre__city", "resident__user", "item__current_version")
        .get(pk=appointment.pk)
    )


def _notify_resident(appointment: Appointment, event: str, title: str, body: str = "", *, sms: bool = False) -> None:
    user = appointment.resident.user
    if user is not None:
        notify(recipients=[user], event_key=f"appointment:{appointment.pk}:{event}", title=title, body=body, sms=sms)


def _what(appointment: Appointment) -> str:
    return _("%(time)s at %(centre)s, %(address)s") % {
        "time": _local(appointment.slot.starts_at),
        "centre": appointment.centre.name,
        "address": appointment.centre.address,
    }


def _record(action: str, actor: User | None, obj: Any, *, city: Any, resident_id: int | None, **details: Any) -> None:
    audit_record(action=action, actor=actor, obj=obj, city=city, subject_resident_id=resident_id, details=details)


@transaction.atomic
def appointment_book(
    *,
    actor: User,
    resident: Resident,
    centre: ServiceCentre,
    slot: AppointmentSlot,
    item: ServiceItem | None = None,
    case: Case | None = None,
) -> Appointment:
    """Book a place in `slot` for the resident, for an item, a case of his (its item then), or both.

    Refused, with nothing written: a slot of another centre, a past slot ("slot_past"), a time the
    centre is closed ("centre_closed"), an item the centre does not handle ("item_not_offered"), a
    resident paused by the no-show policy ("booking_paused"), a second booked appointment for the
    same item ("already_booked", 409) and a full slot ("slot_full", 409).
    """
    _require_may_book_for(actor, resident)
    if case is not None:
        if case.resident_id != resident.pk:
            raise ValidationError(_("This application is another resident's."), code="case_of_another_resident")
        if item is not None and item.pk != case.item_id:
            raise ValidationError(_("This application is for another service."), code="case_item_mismatch")
        item = item or case.item
    now = timezone.now()
    slot = AppointmentSlot.objects.get(pk=slot.pk)
    _check_slot(slot=slot, centre=centre, item=item, now=now)
    paused_until = booking_paused_until(resident, timezone.localdate(now))
    if paused_until is not None:
        raise ValidationError(
            _(
                "Booking is paused after three missed appointments within 90 days. "
                "You can book again from %(date)s; until then, take a ticket at the centre."
            )
            % {"date": (paused_until + dt.timedelta(days=1)).isoformat()},
            code="booking_paused",
        )
    if item is not None and Appointment.objects.filter(resident=resident, item=item, status=A.BOOKED).exists():
        raise _already_booked(item)
    _take_place(slot)
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(resident=resident, centre=centre, slot=slot, item=item, case=case)
    except IntegrityError:
        # A concurrent booking for the same item won; raising rolls our place back too.
        raise _already_booked(item)
    _record(
        "appointment.book",
        actor,
        appointment,
        city=centre.city,
        resident_id=resident.pk,
        slot=_local(slot.starts_at),
        centre=centre.code,
        item=item.code if item else "",
    )
    _notify_resident(appointment, "booked", _("Appointment booked"), _what(appointment))
    return appointment


@transaction.atomic
def appointment_cancel(*, actor: User, appointment: Appointment) -> Appointment:
    """Cancel a booked appointment before its time; its place is free again."""
    appointment = _lock_appointment(appointment)
    _require_may_book_for(actor, appointment.resident)
    new_status = _appointment_target("cancel", appointment.status)
    now = timezone.now()
    if appointment.slot.starts_at <= now:
        raise ValidationError(_("This appointment has already begun."), code="slot_past")
    _free_place(appointment.slot_id)
    old, appointment.status, appointment.cancelled_at = appointment.status, new_status, now
    appointment.save(update_fields=["status", "cancelled_at"])
    _record(
        "appointment.cancel",
        actor,
        appointment,
        city=appointment.centre.city,
        resident_id=appointment.resident_id,
        from_status=old,
        to_status=new_status,
    )
    _notify_resident(appointment, "cancelled", _("Appointment cancelled"), _what(appointment))
    return appointment


@transaction.atomic
def appointment_reschedule(*, actor: User, appointment: Appointment, slot: AppointmentSlot) -> Appointment:
    """Move a booked appointment to another slot, of the same or another centre: the new place is
    taken and the old one freed together, or nothing changes.

    The new slot is checked like a booking ("slot_past", "centre_closed", "item_not_offered",
    "slot_full"); the no-show pause does not apply, since no new appointment is made.
    """
    appointment = _lock_appointment(appointment)
    _require_may_book_for(actor, appointment.resident)
    _appointment_target("reschedule", appointment.status)
    if slot.pk == appointment.slot_id:
        return appointment
    now = timezone.now()
    if appointment.slot.starts_at <= now:
        raise ValidationError(_("This appointment has already begun."), code="slot_past")
    new_slot = AppointmentSlot.objects.select_related("centre__city").get(pk=slot.pk)
    _check_slot(slot=new_slot, centre=new_slot.centre, item=appointment.item, now=now)
    old_slot = appointment.slot
    # Rows in id order, so that two residents swapping slots cannot deadlock.
    if new_slot.pk < old_slot.pk:
        _take_place(new_slot)
        _free_place(old_slot.pk)
    else:
        _free_place(old_slot.pk)
        _take_place(new_slot)
    appointment.slot, appointment.centre = new_slot, new_slot.centre
    appointment.save(update_fields=["slot", "centre"])
    _record(
        "appointment.reschedule",
        actor,
        appointment,
        city=new_slot.centre.city,
        resident_id=appointment.resident_id,
        from_slot=_local(old_slot.starts_at),
        to_slot=_local(new_slot.starts_at),
    )
    _notify_resident(appointment, f"rescheduled:{new_slot.pk}", _("Appointment moved"), _what(appointment))
    return appointment


@transaction.atomic
def appointment_mark_no_show(
    *, actor: User | None, appointment: Appointment, now: dt.datetime | None = None
) -> Appointment:
    """The resident did not check in: a clerk of the centre marks it, or the `mark_no_shows` task
    (actor None) once the slot is over. Not before his check-in window has closed.

    The third no-show within 90 days pauses his booking for 30 days (see `booking_paused_until`);
    he is told so.
    """
    appointment = _lock_appointment(appointment)
    if actor is not None:
        _require_clerk_of(actor, appointment.centre_id)
    new_status = _appointment_target("no_show", appointment.status)
    now = now or timezone.now()
    _opens, closes = appointment.check_in_window()
    if now <= closes:
        raise ValidationError(
            _("The resident can still check in until %(time)s.") % {"time": _local(closes)}, code="too_early"
        )
    old, appointment.status = appointment.status, new_status
    appointment.save(update_fields=["status"])
    _record(
        "appointment.no_show",
        actor,
        appointment,
        city=appointment.centre.city,
        resident_id=appointment.resident_id,
        from_status=old,
        to_status=new_status,
    )
    paused_until = booking_paused_until(appointment.resident, timezone.localdate(now))
    if paused_until is not None and appointment.resident.user is not None:
        notify(
            recipients=[appointment.resident.user],
            event_key=f"resident:{appointment.resident_id}:booking-paused:{paused_until.isoformat()}",
            title=_("Online booking paused"),
            body=_(
                "You missed three appointments within 90 days. You can book again from %(date)s; "
                "until then, take a ticket at the centre."
            )
            % {"date": (paused_until + dt.timedelta(days=1)).isoformat()},
            sms=True,
        )
    return appointment


@transaction.atomic
def appointment_check_in(*, appointment: Appointment, now: dt.datetime | None = None) -> QueueTicket:
    """The resident is in the hall for his appointment (the kiosk scans his booking): he gets a
    ticket with the appointment's priority. Only from 30 minutes before his slot to 15 after it
    starts ("check_in_window"); later, he takes an ordinary ticket."""
    appointment = _lock_appointment(appointment)
    new_status = _appointment_target("check_in", appointment.status)
    now = now or timezone.now()
    opens, closes = appointment.check_in_window()
    if not opens <= now <= closes:
        raise ValidationError(
            _("Check-in for this appointment is open from %(opens)s to %(closes)s.")
            % {"opens": _local(opens), "closes": _local(closes)},
            code="check_in_window",
        )
    ticket = _ticket_issue(
        centre=appointment.centre,
        letter=queue_letter(item_queue_category(appointment.item)),
        resident=appointment.resident,
        item=appointment.item,
        channel=TicketChannel.APPOINTMENT,
        appointment=appointment,
        now=now,
    )
    old, appointment.status, appointment.checked_in_at = appointment.status, new_status, now
    appointment.save(update_fields=["status", "checked_in_at"])
    _record(
        "appointment.check_in",
        None,
        appointment,
        city=appointment.centre.city,
        resident_id=appointment.resident_id,
        from_status=old,
        to_status=new_status,
        ticket=ticket.display_number,
    )
    return ticket


def appointment_reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind residents of their booked appointments: the day before (in daytime) and within the
    hour before. Each reminder is a notification with an SMS, sent once: its event key
    ("appointment:<id>:reminder-day" / "…:reminder-hour") makes a second run a no-op.
    Residents without an account get none (their SMS go through their account). Returns how many
    reminders of each kind were new.
    """
    now = now or timezone.now()
    booked = Appointment.objects.filter(status=A.BOOKED, resident__user__isnull=False).select_related(
        "slot", "centre", "resident__user"
    )
    due: list[tuple[Appointment, str, str]] = []
    local_now = timezone.localtime(now)
    if DAY_REMINDERS_BETWEEN[0] <= local_now.time() < DAY_REMINDERS_BETWEEN[1]:
        tomorrow = local_datetime(local_now.date() + dt.timedelta(days=1), dt.time.min)
        for appointment in booked.filter(
            slot__starts_at__gte=tomorrow, slot__starts_at__lt=tomorrow + dt.timedelta(days=1)
        ):
            due.append((appointment, "reminder-day", _("Reminder: your appointment tomorrow")))
    for appointment in booked.filter(slot__starts_at__gt=now, slot__starts_at__lte=now + HOUR_REMINDER_AHEAD):
        due.append((appointment, "reminder-hour", _("Reminder: your appointment within the hour")))
    keys = {f"appointment:{appointment.pk}:{event}" for appointment, event, _title in due}
    already = set(Notification.objects.filter(event_key__in=keys).values_list("event_key", flat=True))
    sent = {"reminder-day": 0, "reminder-hour": 0}
    for appointment, event, title in due:
        if f"appointment:{appointment.pk}:{event}" in already:
            continue
        body = _("%(what)s. Please bring your ID card; check in at the kiosk from %(time)s.") % {
            "what": _what(appointment),
            "time": _local(appointment.check_in_window()[0]),
        }
        _notify_resident(appointment, event, title, body, sms=True)
        sent[event] += 1
    return sent


def appointments_mark_no_shows(*, now: dt.datetime | None = None) -> int:
    """Mark as no-shows the booked appointments whose slot ended before `now`; returns how many."""
    now = now or timezone.now()
    overdue = Appointment.objects.filter(
        status=A.BOOKED, slot__ends_at__lte=now, slot__starts_at__lt=now - CHECK_IN_CLOSES_AFTER
    ).order_by("pk")
    count = 0
    for appointment in overdue:
        try:
            appointment_mark_no_show(actor=None, appointment=appointment, now=now)
        except Conflict:  # checked in or cancelled meanwhile
            continue
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Queue tickets
# ---------------------------------------------------------------------------------------------


def _next_ticket_number(centre: ServiceCentre, day: dt.date, letter: str) -> int:
    """The next number of the queue, holding its counter row locked until the transaction ends.

    The first ticket of a queue and day creates the row. On PostgreSQL two first tickets may both
    miss it and both insert: the loser's insert fails on the unique constraint, in a savepoint, and
    it tries again, this time finding the row and waiting for its lock.
    """
    for attempt in range(1, TICKET_COUNTER_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                counter, _created = TicketCounter.objects.select_for_update().get_or_create(
                    centre=centre, day=day, category=letter
                )
            break
        except IntegrityError:
            if attempt == TICKET_COUNTER_ATTEMPTS:
                raise
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _ticket_issue(
    *,
    centre: ServiceCentre,
    letter: str,
    resident: Resident | None,
    item: ServiceItem | None,
    channel: str,
    now: dt.datetime,
    appointment: Appointment | None = None,
) -> QueueTicket:
    # The priority first: the queue's counter row stays locked for as short a time as possible.
    priority = ticket_priority(resident=resident, appointment=appointment, now=now)
    day = timezone.localdate(now)
    number = _next_ticket_number(centre, day, letter)
    ticket = QueueTicket.objects.create(
        centre=centre,
        day=day,
        category=letter,
        number=number,
        display_number=f"{letter}{number:03d}",
        resident=resident,
        appointment=appointment,
        item=item,
        channel=channel,
        priority=priority,
        issued_at=now,
        case=appointment.case if appointment is not None else None,
    )
    _record(
        "ticket.take",
        None,
        ticket,
        city=centre.city,
        resident_id=resident.pk if resident else None,
        ticket=ticket.display_number,
        channel=channel,
        priority=priority,
    )
    return ticket


def _require_taking_tickets(centre: ServiceCentre, now: dt.datetime) -> None:
    periods = centre_periods_on(centre, timezone.localdate(now))
    if not periods:
        raise ValidationError(
            _("%(centre)s is closed today.") % {"centre": centre.name},
            code="centre_closed",
        )
    first_opens, last_closes = periods[0][0], periods[-1][1]
    if now < first_opens - TICKETS_FROM_BEFORE_OPENING:
        raise ValidationError(
            _("%(centre)s issues tickets from %(time)s today.")
            % {"centre": centre.name, "time": _local(first_opens - TICKETS_FROM_BEFORE_OPENING)[-5:]},
            code="centre_closed",
        )
    if now >= last_closes:
        raise ValidationError(
            _("%(centre)s closed at %(time)s today; please come back on its next opening day.")
            % {"centre": centre.name, "time": _local(last_closes)[-5:]},
            code="centre_closed",
        )


@transaction.atomic
def ticket_take(
    *,
    centre: ServiceCentre,
    category: Category | None,
    resident: Resident | None = None,
    item: ServiceItem | None = None,
    channel: str,
    now: dt.datetime | None = None,
) -> QueueTicket:
    """A ticket in the centre's queue, at the kiosk (possibly anonymous) or remotely by phone.

    Its queue letter is the chosen category's, else the item's first category's, else the general
    queue Z (see `selectors.queue_letter`). Refused on a day the centre is closed, before half an
    hour ahead of opening and after closing time ("centre_closed"), and for an item the centre does
    not handle ("item_not_offered"). An appointment's ticket comes from `appointment_check_in`.
    """
    if channel not in (TicketChannel.KIOSK, TicketChannel.PHONE_QR):
        raise ValidationError(_("Take a ticket at the kiosk or by phone."), code="invalid_channel")
    if channel == TicketChannel.PHONE_QR and resident is None:
        raise ValidationError(_("Sign in to take a ticket by phone."), code="resident_required")
    now = now or timezone.now()
    _require_taking_tickets(centre, now)
    if item is not None:
        _require_offered(item, centre)
    letter = queue_letter(category if category is not None else item_queue_category(item))
    return _ticket_issue(centre=centre, letter=letter, resident=resident, item=item, channel=channel, now=now)


def _lock_ticket(ticket: QueueTicket) -> QueueTicket:
    return (
        QueueTicket.objects.select_for_update(of=("self",))
        .select_related("centre__city", "counter", "resident__user")
        .get(pk=ticket.pk)
    )


def _ticket_record(ticket: QueueTicket, action: str, actor: User | None, old: str) -> None:
    _record(
        f"ticket.{action}",
        actor,
        ticket,
        city=ticket.centre.city,
        resident_id=ticket.resident_id,
        ticket=ticket.display_number,
        counter=ticket.counter.number if ticket.counter else None,
        from_status=old,
        to_status=ticket.status,
    )


def _ticket_notify_called(ticket: QueueTicket) -> None:
    # A resident who took his ticket by phone may be outside the hall: tell him in his inbox.
    if ticket.resident is not None and ticket.resident.user is not None and ticket.counter is not None:
        notify(
            recipients=[ticket.resident.user],
            event_key=f"ticket:{ticket.pk}:called:{ticket.calls}",
            title=_("Ticket %(ticket)s: please go to counter %(counter)s")
            % {"ticket": ticket.display_number, "counter": ticket.counter.number},
            body="",
        )


@transaction.atomic
def ticket_call_next(*, actor: User, counter: Counter) -> QueueTicket | None:
    """The clerk's counter calls the best waiting ticket of today (None when nobody waits).

    Any queue in one-window mode; only its queues for a counter with a `CounterRestriction`. The
    order is (priority desc, issued_at, id), see `appointments.priority`. The counter must be open
    and done with its previous ticket ("counter_closed", "counter_busy").
    """
    _require_clerk_of(actor, counter.centre_id)
    # Locking the counter makes one call at a time per counter, even with two clerks at it.
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    if not counter.is_open:
        raise ValidationError(
            _("Counter %(number)s is closed; open it before calling.") % {"number": counter.number},
            code="counter_closed",
        )
    busy = QueueTicket.objects.filter(counter=counter, status__in=[T.CALLED, T.SERVING]).first()
    if busy is not None:
        raise Conflict(
            _("Counter %(number)s is still on ticket %(ticket)s: finish it or mark it as not answering first.")
            % {"number": counter.number, "ticket": busy.display_number},
            code="counter_busy",
        )
    now = timezone.now()
    waiting = QueueTicket.objects.filter(centre_id=counter.centre_id, day=timezone.localdate(now), status=T.WAITING)
    restriction = CounterRestriction.objects.filter(counter=counter).first()
    if restriction is not None:
        waiting = waiting.filter(category__in=restriction.letters)
    # SKIP LOCKED: a ticket another counter is calling right now is passed over, not waited for.
    ticket = (
        waiting.order_by("-priority", "issued_at", "pk")
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("centre__city", "resident__user")
        .first()
    )
    if ticket is None:
        return None
    old = ticket.status
    ticket.status = _ticket_target("call", old)
    ticket.counter, ticket.called_at, ticket.calls = counter, now, ticket.calls + 1
    ticket.save(update_fields=["status", "counter", "called_at", "calls"])
    _ticket_record(ticket, "call", actor, old)
    _ticket_notify_called(ticket)
    return ticket


def _ticket_step(actor: User, ticket: QueueTicket, action: str, fields: dict[str, Any]) -> QueueTicket:
    ticket = _lock_ticket(ticket)
    _require_clerk_of(actor, ticket.centre_id)
    old = ticket.status
    ticket.status = _ticket_target(action, old)
    for name, value in fields.items():
        setattr(ticket, name, value(ticket) if callable(value) else value)
    ticket.save(update_fields=["status", *fields])
    _ticket_record(ticket, action, actor, old)
    return ticket


@transaction.atomic
def ticket_recall(*, actor: User, ticket: QueueTicket) -> QueueTicket:
    """Call the same ticket again (the screen and the voice repeat it)."""
    ticket = _ticket_step(actor, ticket, "recall", {"called_at": timezone.now(), "calls": lambda t: t.calls + 1})
    _ticket_notify_called(ticket)
    return ticket


@transaction.atomic
def ticket_no_show(*, actor: User, ticket: QueueTicket) -> QueueTicket:
    """Nobody answered the call; the counter is free for the next ticket. An appointment checked in
    with this ticket stays checked in: the resident came."""
    return _ticket_step(actor, ticket, "no_show", {})


@transaction.atomic
def ticket_start_serving(*, actor: User, ticket: QueueTicket) -> QueueTicket:
    """The resident is at the counter; the service time starts."""
    return _ticket_step(actor, ticket, "start_serving", {"served_started_at": timezone.now()})


@transaction.atomic
def ticket_done(*, actor: User, ticket: QueueTicket, case: Case | None = None) -> QueueTicket:
    """The service is over; the case started or handled at the counter may be linked to the ticket.
    An appointment checked in with this ticket is served."""
    fields: dict[str, Any] = {"served_ended_at": timezone.now()}
    if case is not None:
        fields["case"] = case
    ticket = _ticket_step(actor, ticket, "done", fields)
    if ticket.appointment_id is not None:
        appointment = Appointment.objects.select_for_update().get(pk=ticket.appointment_id)
        old = appointment.status
        appointment.status = _appointment_target("serve", old)
        appointment.save(update_fields=["status"])
        _record(
            "appointment.serve",
            actor,
            appointment,
            city=ticket.centre.city,
            resident_id=appointment.resident_id,
            from_status=old,
            to_status=appointment.status,
        )
    return ticket


@transaction.atomic
def ticket_cancel(*, actor: User, ticket: QueueTicket) -> QueueTicket:
    """The resident gives up his waiting ticket (from his phone), or a clerk removes it."""
    locked = _lock_ticket(ticket)
    own = locked.resident is not None and locked.resident.user_id == actor.pk
    if not own:
        _require_clerk_of(actor, locked.centre_id)
    old = locked.status
    locked.status = _ticket_target("cancel", old)
    locked.save(update_fields=["status"])
    _ticket_record(locked, "cancel", actor, old)
    return locked
