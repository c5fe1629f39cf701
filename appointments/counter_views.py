"""Staff pages of the hall: the clerk's calling workbench and the managers' peak-hour plans.

Thin views: the rules are in `appointments.services` and `appointments.plan`. A clerk of another
centre is refused by the services (403); a refused step (busy counter, wrong status) is a message.
"""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from appointments import services
from appointments.models import PeakPlan, PlanFiring, QueueTicket, TicketStatus
from appointments.plan import PLAN_FIELDS, action_text, centres_managed_by, peak_plan_save, plan_firing_acknowledge
from appointments.selectors import estimated_wait_minutes, queue_waiting
from core.http import digits_or_zero as _digits
from core.http import role_required
from core.models import Counter, ServiceCentre

SESSION_COUNTER = "hall_counter_id"
RECENT_FIRINGS = 10
MANAGER_ROLES = (Role.DISTRICT_MANAGER, Role.CITY_ADMIN)

TICKET_ACTIONS: dict[str, Callable[..., QueueTicket]] = {
    "recall": services.ticket_recall,
    "no_show": services.ticket_no_show,
    "start_serving": services.ticket_start_serving,
    "done": services.ticket_done,
}


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _centre_of(request: HttpRequest) -> ServiceCentre:
    centre = _actor(request).service_centre
    if centre is None:
        raise PermissionDenied(_("Your account belongs to no service centre."))
    return centre


# ---------------------------------------------------------------------------------------------
# The clerk's workbench
# ---------------------------------------------------------------------------------------------


@role_required(Role.COUNTER_CLERK)
def counter(request: HttpRequest) -> HttpResponse:
    centre = _centre_of(request)
    now = timezone.now()
    day = timezone.localdate(now)
    counters = list(Counter.objects.filter(centre=centre, is_open=True).order_by("number"))
    chosen = next((c for c in counters if c.pk == request.session.get(SESSION_COUNTER)), None)
    current = None
    if chosen is not None:
        current = (
            QueueTicket.objects.filter(counter=chosen, status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
            .select_related("resident", "item__current_version")
            .first()
        )
    per_letter = (
        queue_waiting(centre=centre, day=day).order_by().values("category").annotate(n=Count("pk")).order_by("category")
    )
    queues = []
    for row in per_letter:
        wait = estimated_wait_minutes(centre=centre, category=row["category"], now=now)
        queues.append({"letter": row["category"], "waiting": row["n"], "wait": wait})
    return render(
        request,
        "appointments/counter/workbench.html",
        {
            "centre": centre,
            "counters": counters,
            "chosen": chosen,
            "current": current,
            "queues": queues,
            "waiting_total": sum(q["waiting"] for q in queues),
            "wait_total": estimated_wait_minutes(centre=centre, now=now),
        },
    )


@require_POST
@role_required(Role.COUNTER_CLERK)
def counter_choose(request: HttpRequest) -> HttpResponse:
    centre = _centre_of(request)
    chosen = Counter.objects.filter(centre=centre, is_open=True, pk=_digits(request.POST.get("counter"))).first()
    if chosen is None:
        messages.error(request, _("Choose one of your centre's open counters."))
    else:
        request.session[SESSION_COUNTER] = chosen.pk
        messages.success(request, _("You are at counter %(number)s.") % {"number": chosen.number})
    return redirect("hall:counter")


@require_POST
@role_required(Role.COUNTER_CLERK)
def counter_call(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("counter") or request.session.get(SESSION_COUNTER)
    if not str(wanted or "").isdigit():
        messages.error(request, _("Choose your counter first."))
        return redirect("hall:counter")
    # Not filtered by the clerk's centre: the service refuses another centre's counter (403).
    chosen = get_object_or_404(Counter, pk=int(wanted))  # type: ignore[arg-type]
    try:
        ticket = services.ticket_call_next(actor=_actor(request), counter=chosen)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("hall:counter")
    if ticket is None:
        messages.info(request, _("Nobody is waiting."))
    else:
        messages.success(
            request,
            _("Ticket %(ticket)s called to counter %(number)s.")
            % {"ticket": ticket.display_number, "number": chosen.number},
        )
    return redirect("hall:counter")


@require_POST
@role_required(Role.COUNTER_CLERK)
def ticket_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    step = TICKET_ACTIONS.get(action)
    ticket = get_object_or_404(QueueTicket, pk=pk)
    if step is None:
        messages.error(request, _("Unknown action."))
        return redirect("hall:counter")
    try:
        ticket = step(actor=_actor(request), ticket=ticket)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Ticket %(ticket)s: %(status)s.")
            % {"ticket": ticket.display_number, "status": ticket.get_status_display()},
        )
    return redirect("hall:counter")


# ---------------------------------------------------------------------------------------------
# Peak-hour plans
# ---------------------------------------------------------------------------------------------


class PeakPlanForm(forms.ModelForm):
    class Meta:
        model = PeakPlan
        fields = PLAN_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("max_wait_minutes", "max_waiting", "cooldown_minutes"):
            value = cleaned.get(name)
            if value is not None and value < 1:
                self.add_error(name, gettext_lazy("Give a positive number."))
        return cleaned


def _plan_rows(user: User, forms_by_centre: dict[int, PeakPlanForm] | None = None) -> list[dict[str, Any]]:
    rows = []
    for centre in centres_managed_by(user).order_by("district__code", "code"):
        plan = PeakPlan.objects.filter(centre=centre).first()
        form = (forms_by_centre or {}).get(centre.pk) or PeakPlanForm(instance=plan, prefix=f"c{centre.pk}")
        firings = list(plan.firings.select_related("acknowledged_by")[:RECENT_FIRINGS]) if plan else []
        for firing in firings:
            firing.action_texts = [action_text(action) for action in firing.actions]  # type: ignore[attr-defined]
        rows.append({"centre": centre, "plan": plan, "form": form, "firings": firings})
    return rows


@role_required(*MANAGER_ROLES)
def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/plan/list.html", {"rows": _plan_rows(_actor(request))})


@require_POST
@role_required(*MANAGER_ROLES)
def plan_edit(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = get_object_or_404(centres_managed_by(_actor(request)), pk=centre_id)
    plan = PeakPlan.objects.filter(centre=centre).first()
    form = PeakPlanForm(request.POST, instance=plan, prefix=f"c{centre.pk}")
    if not form.is_valid():
        messages.error(request, _("The plan of %(centre)s was not saved: correct the figures.") % {"centre": centre})
        rows = _plan_rows(_actor(request), {centre.pk: form})
        return render(request, "appointments/plan/list.html", {"rows": rows}, status=400)
    peak_plan_save(actor=_actor(request), centre=centre, **{name: form.cleaned_data[name] for name in PLAN_FIELDS})
    messages.success(request, _("The plan of %(centre)s is saved.") % {"centre": centre})
    return redirect("hall:plans")


@require_POST
@role_required(*MANAGER_ROLES)
def firing_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    firing = get_object_or_404(PlanFiring, pk=pk)
    plan_firing_acknowledge(actor=_actor(request), firing=firing)  # 403 outside the manager's scope
    messages.success(request, _("Acknowledged."))
    return redirect("hall:plans")
