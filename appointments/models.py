"""Appointments (预约) and the queue (取号 / 排队) of a service centre.

A centre's day is cut into `AppointmentSlot`s from its opening hours; residents book a place in a
slot (`Appointment`). In the hall, everyone waits with a `QueueTicket`: taken at the kiosk, remotely
by scanning the centre's QR code, or by checking in for an appointment. Counters call tickets in the
order of `appointments.priority`. The rules are in `appointments.services`; these models hold the
data and the invariants the database can keep by itself.
"""

import datetime as dt
import secrets
import string

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import ServiceItem
from core.models import Counter, ServiceCentre
from residents.models import Resident

# When a resident may check in for his appointment, around the slot's start. Outside this window
# he takes an ordinary ticket: he is no longer "at his time".
CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=30)
CHECK_IN_CLOSES_AFTER = dt.timedelta(minutes=15)

QUEUE_LETTERS = tuple(string.ascii_uppercase)


class AppointmentSlot(models.Model):
    """A period of a centre's day that residents book places in; `capacity` places, `booked` taken.

    `booked` only moves through the conditional updates of the booking services, never by a
    read-modify-write: the check constraint is the last line of defence against overbooking.
    """

    centre = models.ForeignKey(ServiceCentre, on_delete=models.CASCADE, related_name="appointment_slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("places booked"), default=0)

    class Meta:
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        ordering = ["centre", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "starts_at"], name="slot_unique_start_per_centre"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_booked_within_capacity"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return self.capacity - self.booked


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("Did not come")
    SERVED = "served", _("Served")


class Appointment(models.Model):
    """A resident's place in a slot, for an item, a case of his, or both (the case's item then)."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="appointments")
    centre = models.ForeignKey(ServiceCentre, on_delete=models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["resident", "status"], name="appointment_resident_status")]
        constraints = [
            # One active booking per resident and item; NULL items never collide.
            models.UniqueConstraint(
                fields=["resident", "item"],
                condition=Q(status="booked"),
                name="appointment_one_booked_per_item",
            ),
            models.CheckConstraint(condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="appointment_cancelled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.slot}"

    def check_in_window(self) -> tuple[dt.datetime, dt.datetime]:
        """From 30 minutes before the slot starts to 15 minutes after."""
        return self.slot.starts_at - CHECK_IN_OPENS_BEFORE, self.slot.starts_at + CHECK_IN_CLOSES_AFTER

    def is_at_its_time(self, now: dt.datetime) -> bool:
        opens, closes = self.check_in_window()
        return opens <= now <= closes


class TicketChannel(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk in the hall")
    PHONE_QR = "phone_qr", _("Phone, by the centre's QR code")
    APPOINTMENT = "appointment", _("Appointment check-in")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("Did not answer")
    CANCELLED = "cancelled", _("Cancelled")


def _new_token() -> str:
    return secrets.token_urlsafe(16)


class QueueTicket(models.Model):
    """A number in a centre's queue for one day: A001, A002 … per queue letter.

    The letter is the queue of the affair (see `services.queue_letter`); the number is gapless per
    centre, day and letter (`TicketCounter`). `priority` is fixed when the ticket is issued, by
    `appointments.priority.ticket_priority`; counters call by (priority desc, issued_at, id).
    """

    centre = models.ForeignKey(ServiceCentre, on_delete=models.PROTECT, related_name="queue_tickets")
    day = models.DateField(_("day"))
    category = models.CharField(_("queue"), max_length=1)
    number = models.PositiveIntegerField(_("number"))
    display_number = models.CharField(_("ticket number"), max_length=8)
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="queue_tickets"
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=12, choices=TicketChannel.choices)
    priority = models.SmallIntegerField(_("priority"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING)
    issued_at = models.DateTimeField(_("issued at"))
    # For the resident's phone: follows his ticket ("3 people ahead of you") without signing in.
    follow_token = models.CharField(max_length=32, unique=True, default=_new_token, editable=False)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    calls = models.PositiveSmallIntegerField(_("times called"), default=0)
    counter = models.ForeignKey(Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    served_started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    served_ended_at = models.DateTimeField(_("service ended at"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["centre", "day", "-priority", "issued_at", "id"]
        indexes = [
            models.Index(fields=["centre", "day", "status", "-priority", "issued_at", "id"], name="ticket_call_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["centre", "day", "category", "number"], name="ticket_unique_number"),
            # A counter serves one person at a time.
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(status__in=["called", "serving"]),
                name="ticket_one_active_per_counter",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="ticket_number_positive"),
            models.CheckConstraint(condition=Q(category__in=QUEUE_LETTERS), name="ticket_category_letter"),
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=TicketChannel.values), name="ticket_channel_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "cancelled"]) | Q(counter__isnull=False),
                name="ticket_called_has_counter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} ({self.day})"


class TicketCounter(models.Model):
    """The last number handed out per centre, day and queue letter; locked while a ticket is issued."""

    centre = models.ForeignKey(ServiceCentre, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    category = models.CharField(max_length=1)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "day", "category"], name="ticket_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.day} {self.category}{self.last:03d}"


class CounterRestriction(models.Model):
    """The queues a counter takes when it is not a one-window counter (say, a disability desk).

    A counter without a restriction takes every queue: that is one-window handling (一窗受理).
    Kept here rather than on core.Counter so that the geography app stays ignorant of queues.
    """

    counter = models.OneToOneField(Counter, on_delete=models.CASCADE, related_name="restriction")
    categories = models.CharField(
        _("queues"), max_length=26, help_text=_("The letters of the queues this counter calls, e.g. AC")
    )

    class Meta:
        verbose_name = _("counter restriction")
        verbose_name_plural = _("counter restrictions")
        constraints = [models.CheckConstraint(condition=~Q(categories=""), name="restriction_not_empty")]

    def __str__(self) -> str:
        return f"{self.counter} → {self.categories}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        letters = self.categories.strip().upper()
        if not letters or any(letter not in QUEUE_LETTERS for letter in letters) or len(set(letters)) != len(letters):
            raise ValidationError(
                {"categories": _("Give each queue letter (A to Z) once, e.g. AC.")}, code="invalid_categories"
            )
        self.categories = letters

    @property
    def letters(self) -> list[str]:
        return list(self.categories)


class PeakPlan(models.Model):
    """A centre's plan for peaks (应急预案): thresholds and actions are data (see appointments.simulation)."""

    centre = models.OneToOneField(ServiceCentre, on_delete=models.CASCADE, related_name="peak_plan")
    max_wait_minutes = models.PositiveSmallIntegerField(_("fire when the estimated wait exceeds (minutes)"), default=20)
    max_waiting = models.PositiveSmallIntegerField(_("or when more residents wait than"), default=30)
    extra_counters = models.PositiveSmallIntegerField(_("reserve counters to open"), default=2)
    extend_minutes = models.PositiveSmallIntegerField(_("extend opening hours by (minutes)"), default=60)
    cooldown_minutes = models.PositiveSmallIntegerField(_("do not fire again within (minutes)"), default=30)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("peak-hour plan")
        verbose_name_plural = _("peak-hour plans")

    def __str__(self) -> str:
        return str(self.centre)


class PlanFiring(models.Model):
    """One time the plan fired: its cause (the numbers) and the manager's acknowledgement."""

    plan = models.ForeignKey(PeakPlan, on_delete=models.CASCADE, related_name="firings")
    fired_at = models.DateTimeField(_("fired at"))
    cause = models.CharField(_("cause"), max_length=300)
    estimated_wait = models.PositiveIntegerField(_("estimated wait (minutes)"))
    waiting = models.PositiveIntegerField(_("residents waiting"))
    actions = models.JSONField(_("actions"), default=list)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("plan firing")
        verbose_name_plural = _("plan firings")
        ordering = ["-fired_at"]

    def __str__(self) -> str:
        return f"{self.plan} {self.fired_at:%Y-%m-%d %H:%M}"
