"""Residents' pages of appointments and the hall: booking, his appointments, the kiosk at the door,
a ticket by the hall's QR code, the ticket's follow page and the hall's display.

Thin views: the rules are in `appointments.services` and the reads in `appointments.selectors`.
A refusal of a service comes back as a message on the same page, and nothing else changes.
"""

import datetime as dt
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from appointments.forms import CheckInForm
from appointments.models import Appointment, AppointmentSlot, AppointmentStatus, QueueTicket, TicketStatus
from appointments.selectors import (
    appointments_of,
    centres_with_next_slot,
    estimated_wait_minutes,
    local_datetime,
    queue_waiting,
    slots_bookable,
    tickets_ahead,
)
from appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_reschedule,
    slots_ensure,
    ticket_take,
)
from catalogue.models import Category, ServiceItem
from core.errors import Conflict
from core.http import digits_or_zero as _digits
from core.http import role_required
from core.models import ServiceCentre
from core.tenancy import current_city
from residents.models import Resident

BOOKING_DAYS = 7
DISPLAY_RECENT = 6
CALLED_STATUSES = (TicketStatus.CALLED, TicketStatus.SERVING)


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _refused(request: HttpRequest, exc: ValidationError | PermissionDenied) -> int:
    """Show a service's refusal as messages; the status code the page answers with."""
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or _("You are not allowed to do this."))
        return 403
    for message in exc.messages:
        messages.error(request, message)
    return 409 if isinstance(exc, Conflict) else 400


def _own_resident(request: HttpRequest) -> Resident:
    resident = Resident.objects.filter(user=_actor(request)).first()
    if resident is None:
        raise Http404(_("Your account has no resident record yet. Please visit a service centre."))
    return resident


def _centre(code: str) -> ServiceCentre:
    return get_object_or_404(ServiceCentre.objects.select_related("city"), code=code)


def _bookable_days(centre: ServiceCentre, now: dt.datetime) -> list[tuple[dt.date, list[AppointmentSlot]]]:
    """The centre's days in the next week with the slots that still have a place."""
    today = timezone.localdate(now)
    days = []
    for offset in range(BOOKING_DAYS):
        day = today + dt.timedelta(days=offset)
        slots_ensure(centre=centre, day=day)
        slots = list(slots_bookable(centre=centre, day=day, now=now))
        if slots:
            days.append((day, slots))
    return days


def _item_of(request: HttpRequest, code: str) -> ServiceItem | None:
    if not code:
        return None
    return get_object_or_404(ServiceItem.objects.published(), city=current_city(request), code=code)


# ---------------------------------------------------------------------------------------------
# Booking and the resident's appointments
# ---------------------------------------------------------------------------------------------


@role_required(Role.RESIDENT)
def book(request: HttpRequest) -> HttpResponse:
    """Item (optional) → centre, with its next free time and today's wait → a time of the next week."""
    city = current_city(request)
    resident = _own_resident(request)
    item = _item_of(request, request.POST.get("item") or request.GET.get("item", ""))
    centre_code = request.POST.get("centre") or request.GET.get("centre", "")
    centre = get_object_or_404(ServiceCentre, city=city, code=centre_code) if centre_code else None
    status = 200
    if request.method == "POST" and centre is not None:
        slot = get_object_or_404(AppointmentSlot, pk=_digits(request.POST.get("slot")), centre=centre)
        try:
            appointment_book(actor=_actor(request), resident=resident, centre=centre, slot=slot, item=item)
        except (ValidationError, PermissionDenied) as exc:
            status = _refused(request, exc)
        else:
            messages.success(
                request,
                _("Booked: %(time)s at %(centre)s.")
                % {"time": timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M"), "centre": centre.name},
            )
            return redirect("appointments:mine")
    now = timezone.now()
    centres = [] if centre else centres_with_next_slot(city=city, now=now)
    # Any centre of the city will do (全市通办); his own district's come first.
    home_district = resident.community.subdistrict.district_id
    centres.sort(key=lambda row: row.centre.district_id != home_district)
    context = {
        "item": item,
        "items": ServiceItem.objects.filter(city=city).published().order_by("code"),
        "centre": centre,
        "centres": [(row, estimated_wait_minutes(centre=row.centre, now=now)) for row in centres],
        "days": _bookable_days(centre, now) if centre else [],
    }
    return render(request, "appointments/book.html", context, status=status)


@role_required(Role.RESIDENT)
def mine(request: HttpRequest) -> HttpResponse:
    resident = _own_resident(request)
    now = timezone.now()
    rows = [
        (appointment, appointment.status == AppointmentStatus.BOOKED and appointment.slot.starts_at > now)
        for appointment in appointments_of(resident=resident)
    ]
    return render(request, "appointments/mine.html", {"rows": rows})


def _own_appointment(request: HttpRequest, pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("slot", "centre", "item__current_version"),
        pk=pk,
        resident__user=request.user,
    )


@require_POST
@role_required(Role.RESIDENT)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _own_appointment(request, pk)
    try:
        appointment_cancel(actor=_actor(request), appointment=appointment)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Your appointment is cancelled."))
    return redirect("appointments:mine")


@role_required(Role.RESIDENT)
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Another time at the same centre for a booked appointment."""
    appointment = _own_appointment(request, pk)
    status = 200
    if request.method == "POST":
        slot = get_object_or_404(AppointmentSlot, pk=_digits(request.POST.get("slot")), centre=appointment.centre)
        try:
            appointment_reschedule(actor=_actor(request), appointment=appointment, slot=slot)
        except (ValidationError, PermissionDenied) as exc:
            status = _refused(request, exc)
        else:
            messages.success(request, _("Your appointment is moved."))
            return redirect("appointments:mine")
    context = {"appointment": appointment, "days": _bookable_days(appointment.centre, timezone.now())}
    return render(request, "appointments/reschedule.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Tickets: kiosk, hall QR code, follow page
# ---------------------------------------------------------------------------------------------


def _categories_with_wait(centre: ServiceCentre) -> list[tuple[Category, int]]:
    now = timezone.now()
    return [
        (category, estimated_wait_minutes(centre=centre, category=category, now=now))
        for category in Category.objects.order_by("position", "code")
    ]


def _category(request: HttpRequest) -> Category | None:
    code = request.POST.get("category", "")
    return get_object_or_404(Category, code=code) if code else None


def _todays_appointment(centre: ServiceCentre, who: str, now: dt.datetime) -> Appointment | None:
    """The booked appointment of today at this centre for a mobile number or an ID number's last 6;
    the one whose check-in window is open first."""
    start = local_datetime(timezone.localdate(now), dt.time.min)
    found = Appointment.objects.filter(
        centre=centre,
        status=AppointmentStatus.BOOKED,
        slot__starts_at__gte=start,
        slot__starts_at__lt=start + dt.timedelta(days=1),
    ).select_related("slot")
    found = found.filter(resident__mobile=who) if len(who) == 11 else found.filter(resident__id_number__endswith=who)
    candidates = list(found.order_by("slot__starts_at", "pk"))
    return next((a for a in candidates if a.is_at_its_time(now)), candidates[0] if candidates else None)


def kiosk(request: HttpRequest, centre_code: str) -> HttpResponse:
    """The tablet at the door, no sign-in: a ticket for a category, or the check-in of an appointment."""
    centre = _centre(centre_code)
    form = CheckInForm(request.POST if request.POST.get("action") == "check_in" else None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check_in":
                if not form.is_valid():
                    raise ValidationError(list(form.errors["who"]))
                appointment = _todays_appointment(centre, form.cleaned_data["who"], timezone.now())
                if appointment is None:
                    raise ValidationError(_("No appointment today at this centre for this number."), code="not_found")
                ticket = appointment_check_in(appointment=appointment)
            else:
                ticket = ticket_take(centre=centre, category=_category(request), channel="kiosk")
        except ValidationError as exc:
            status = _refused(request, exc)
            form = CheckInForm()
        else:
            return redirect("appointments:kiosk_ticket", centre_code=centre.code, token=ticket.follow_token)
    context = {"centre": centre, "categories": _categories_with_wait(centre), "form": form}
    return render(request, "appointments/kiosk.html", context, status=status)


def kiosk_ticket(request: HttpRequest, centre_code: str, token: str) -> HttpResponse:
    """The ticket just taken at the kiosk, big and printable; the kiosk goes back to its start after."""
    ticket = get_object_or_404(
        QueueTicket.objects.select_related("centre"), centre__code=centre_code, follow_token=token
    )
    context = {
        "ticket": ticket,
        "centre": ticket.centre,
        "ahead": tickets_ahead(ticket),
        "wait": estimated_wait_minutes(centre=ticket.centre, category=ticket.category),
        "follow_url": request.build_absolute_uri(reverse("appointments:ticket", args=[ticket.follow_token])),
    }
    return render(request, "appointments/kiosk_ticket.html", context)


@role_required(Role.RESIDENT)
def hall_qr(request: HttpRequest, centre_code: str) -> HttpResponse:
    """Scanned from the poster in the hall: a ticket on the resident's phone."""
    centre = _centre(centre_code)
    status = 200
    if request.method == "POST":
        try:
            ticket = ticket_take(
                centre=centre, category=_category(request), resident=_own_resident(request), channel="phone_qr"
            )
        except ValidationError as exc:
            status = _refused(request, exc)
        else:
            return redirect("appointments:ticket", token=ticket.follow_token)
    context = {"centre": centre, "categories": _categories_with_wait(centre)}
    return render(request, "appointments/hall_qr.html", context, status=status)


@never_cache
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    """A ticket followed on the phone by its secret address: the people ahead, the counter when called."""
    ticket = get_object_or_404(QueueTicket.objects.select_related("centre", "counter"), follow_token=token)
    context = {
        "ticket": ticket,
        "ahead": tickets_ahead(ticket),
        "called": ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING),
    }
    template = "appointments/_ticket_status.html" if request.headers.get("HX-Request") else "appointments/ticket.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# The hall's display
# ---------------------------------------------------------------------------------------------


def _display_state(centre: ServiceCentre) -> dict[str, object]:
    """What the hall's screen shows: ticket numbers and counter numbers only, never a name."""
    today = timezone.localdate()
    called = (
        QueueTicket.objects.filter(centre=centre, day=today, called_at__isnull=False, counter__isnull=False)
        .order_by("-called_at", "-pk")
        .values("display_number", "status", "calls", "counter__number")
    )
    calling: list[dict[str, object]] = []
    recent: list[dict[str, object]] = []
    for row in called[:50]:
        entry = {"number": row["display_number"], "counter": row["counter__number"]}
        if row["status"] in CALLED_STATUSES:
            calling.append(entry | {"call": f"{row['display_number']}-{row['calls']}"})
        elif len(recent) < DISPLAY_RECENT:
            recent.append(entry)
    return {"calling": calling, "recent": recent, "waiting": queue_waiting(centre=centre, day=today).count()}


def display(request: HttpRequest, centre_code: str) -> HttpResponse:
    centre = _centre(centre_code)
    return render(request, "appointments/display.html", {"centre": centre, "state": _display_state(centre)})


@never_cache
def display_feed(request: HttpRequest, centre_code: str) -> JsonResponse:
    return JsonResponse(_display_state(_centre(centre_code)))
