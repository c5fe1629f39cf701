"""The live peak-hour plan (应急预案): check a centre's queue against its plan, record and announce
a firing, let managers tune the thresholds and acknowledge firings.

The decision itself is `appointments.simulation.plan_check`, the same one the simulator replays:
this module only feeds it the live numbers (the hall's estimated wait and waiting count) and
acts on its answer. A firing asks the district manager to open reserve counters (and to extend
the hours when the queue would not clear by closing); it tells the residents waiting with a
ticket which items of their queue they can finish online and which nearby centre is less busy.
Each resident is told once per ticket, however often the plan fires.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from appointments import simulation
from appointments.models import QUEUE_LETTERS, PeakPlan, PlanFiring, QueueTicket
from appointments.selectors import GENERAL_QUEUE, centre_periods_on, estimated_wait_minutes, queue_waiting
from audit.services import audit_record
from catalogue.models import Category, OnlineLevel, ServiceItem
from core.models import ServiceCentre
from notifications.services import notify

# Shares of residents taking the advice: they matter to the simulator only; live, the advice is
# given to everyone waiting. Non-zero so that `plan_check` asks for the advice.
ONLINE_SHARE = 0.15
REDIRECT_SHARE = 0.1
NEARBY_CENTRES_SHOWN = 3
ONLINE_ITEMS_SHOWN = 5
PLAN_FIELDS = ("max_wait_minutes", "max_waiting", "extra_counters", "extend_minutes", "cooldown_minutes", "is_active")


@dataclass(frozen=True)
class NearbyCentre:
    centre: ServiceCentre
    wait: int
    same_district: bool


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------


def centres_managed_by(user: User) -> QuerySet[ServiceCentre]:
    """The centres whose plans the user sees and edits: his district's, or the city's for a city
    administrator; none for anyone else."""
    centres = ServiceCentre.objects.select_related("district", "city")
    if not (user.is_authenticated and user.is_active):
        return centres.none()
    if user.role == Role.DISTRICT_MANAGER and user.district_id:
        return centres.filter(district_id=user.district_id)
    if user.role == Role.CITY_ADMIN:
        return centres.filter(city_id=user.city_id) if user.city_id else centres
    return centres.none()


def _require_manager_of(actor: User, centre: ServiceCentre) -> None:
    if not centres_managed_by(actor).filter(pk=centre.pk).exists():
        raise PermissionDenied(_("Only a manager of this service centre's district can do this."))


# ---------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------


def _minute_of_day(moment: dt.datetime) -> int:
    local = timezone.localtime(moment)
    return local.hour * 60 + local.minute


def _letters_of_categories() -> dict[str, list[Category]]:
    """Queue letter → the categories whose tickets take it (the rule of `selectors.queue_letter`)."""
    last = QUEUE_LETTERS.index(GENERAL_QUEUE) - 1
    letters: dict[str, list[Category]] = {}
    for rank, category in enumerate(Category.objects.order_by("position", "code")):
        letters.setdefault(QUEUE_LETTERS[min(rank, last)], []).append(category)
    return letters


def online_items_by_letter(*, centre: ServiceCentre, letters: set[str]) -> dict[str, list[ServiceItem]]:
    """Per waited-for queue letter, the published, fully online items of its categories."""
    by_letter = _letters_of_categories()
    wanted = {letter: by_letter.get(letter, []) for letter in letters}
    category_ids = {category.pk for categories in wanted.values() for category in categories}
    if not category_ids:
        return {}
    candidates = (
        ServiceItem.objects.filter(
            city_id=centre.city_id, pk__in=ServiceItem.objects.filter(categories__in=category_ids)
        )
        .published()
        .with_online_level()
        .prefetch_related("categories")
        .order_by("code")
    )
    items = [item for item in candidates if item.online_level == OnlineLevel.FULLY_ONLINE]
    result: dict[str, list[ServiceItem]] = {}
    for letter, categories in wanted.items():
        ids = {category.pk for category in categories}
        found = [item for item in items if ids & {category.pk for category in item.categories.all()}]
        if found:
            result[letter] = found[:ONLINE_ITEMS_SHOWN]
    return result


def nearby_shorter_waits(*, centre: ServiceCentre, wait: int, now: dt.datetime) -> list[NearbyCentre]:
    """Other centres of the city open now with a shorter estimated wait: the same district's
    first, then by wait."""
    nearby = []
    day = timezone.localdate(now)
    for other in ServiceCentre.objects.filter(city_id=centre.city_id).exclude(pk=centre.pk).select_related("district"):
        if not any(opens <= now < closes for opens, closes in centre_periods_on(other, day)):
            continue
        other_wait = estimated_wait_minutes(centre=other, now=now)
        if other_wait < wait:
            nearby.append(NearbyCentre(other, other_wait, other.district_id == centre.district_id))
    nearby.sort(key=lambda n: (not n.same_district, n.wait, n.centre.code))
    return nearby[:NEARBY_CENTRES_SHOWN]


def _simulation_plan(plan: PeakPlan) -> simulation.PeakPlan:
    return simulation.PeakPlan(
        max_wait_minutes=plan.max_wait_minutes,
        max_waiting=plan.max_waiting,
        extra_counters=plan.extra_counters,
        online_share=ONLINE_SHARE,
        redirect_share=REDIRECT_SHARE,
        cooldown_minutes=plan.cooldown_minutes,
        extend_minutes=plan.extend_minutes,
    )


def _extension_asked_today(plan: PeakPlan, day: dt.date) -> bool:
    return any(
        action.get("action") == simulation.PlanAction.EXTEND_HOURS
        for actions in PlanFiring.objects.filter(plan=plan, fired_at__date=day).values_list("actions", flat=True)
        for action in actions
    )


@transaction.atomic
def peak_plan_check(*, centre: ServiceCentre, now: dt.datetime | None = None) -> PlanFiring | None:
    """Check the centre's queue against its active plan; record, announce and return the firing,
    or None (no active plan, all is well, or within the cooldown)."""
    now = now or timezone.now()
    plan = PeakPlan.objects.select_for_update().filter(centre=centre, is_active=True).first()
    if plan is None:
        return None
    day = timezone.localdate(now)
    waiting_tickets = list(queue_waiting(centre=centre, day=day).select_related("resident__user"))
    waiting = len(waiting_tickets)
    wait = estimated_wait_minutes(centre=centre, now=now)
    last = plan.firings.order_by("-fired_at").first()
    now_minute = _minute_of_day(now)
    last_minute = None if last is None else now_minute - int((now - last.fired_at).total_seconds() // 60)
    periods = centre_periods_on(centre, day)
    closing = None
    if periods and now < periods[-1][1] and not _extension_asked_today(plan, day):
        closing = _minute_of_day(periods[-1][1])
    decision = simulation.plan_check(
        plan=_simulation_plan(plan),
        estimated_wait=wait,
        waiting=waiting,
        now_minute=now_minute,
        last_fired_minute=last_minute,
        closing_minute=closing,
    )
    if decision is None:
        return None

    letters = {ticket.category for ticket in waiting_tickets}
    advise = simulation.PlanAction.ADVISE_ONLINE in decision.actions
    redirect = simulation.PlanAction.REDIRECT in decision.actions
    online = online_items_by_letter(centre=centre, letters=letters) if advise else {}
    nearby = nearby_shorter_waits(centre=centre, wait=wait, now=now) if redirect else []
    actions: list[dict[str, Any]] = []
    for action in decision.actions:
        entry: dict[str, Any] = {"action": action.value}
        if action is simulation.PlanAction.OPEN_COUNTERS:
            entry["counters"] = decision.extra_counters
        elif action is simulation.PlanAction.EXTEND_HOURS:
            entry["minutes"] = decision.extend_minutes
        elif action is simulation.PlanAction.ADVISE_ONLINE:
            codes = {item.code: str(item) for items in online.values() for item in items}
            entry["items"] = [{"code": code, "name": name} for code, name in sorted(codes.items())]
        elif action is simulation.PlanAction.REDIRECT:
            entry["centres"] = [{"id": n.centre.pk, "name": n.centre.name, "wait": n.wait} for n in nearby]
        actions.append(entry)
    firing = PlanFiring.objects.create(
        plan=plan, fired_at=now, cause=decision.cause[:300], estimated_wait=wait, waiting=waiting, actions=actions
    )
    audit_record(
        action="peakplan.fire",
        obj=firing,
        city=centre.city,
        details={"centre": centre.code, "cause": firing.cause, "actions": [a["action"] for a in actions]},
    )
    _notify_managers(firing, centre)
    if advise or redirect:
        _notify_waiting(waiting_tickets, online=online, nearest=nearby[0] if nearby else None, centre=centre)
    return firing


def action_text(action: dict[str, Any]) -> str:
    """One recorded action, for the manager's page and notification."""
    kind = action.get("action")
    if kind == simulation.PlanAction.OPEN_COUNTERS:
        return _("Open %(n)s reserve counters") % {"n": action.get("counters", 0)}
    if kind == simulation.PlanAction.EXTEND_HOURS:
        return _("Extend today's opening hours by %(n)s minutes") % {"n": action.get("minutes", 0)}
    if kind == simulation.PlanAction.ADVISE_ONLINE:
        names = "、".join(item["name"] for item in action.get("items", [])) or _("none")
        return _("Waiting residents told which items can be done online: %(items)s") % {"items": names}
    if kind == simulation.PlanAction.REDIRECT:
        names = "、".join(f"{c['name']} ({c['wait']} min)" for c in action.get("centres", [])) or _("none")
        return _("Waiting residents pointed to centres with shorter waits: %(centres)s") % {"centres": names}
    return str(kind)


def _notify_managers(firing: PlanFiring, centre: ServiceCentre) -> None:
    managers = User.objects.filter(role=Role.DISTRICT_MANAGER, district_id=centre.district_id, is_active=True)
    notify(
        recipients=managers,
        event_key=f"peakplan:{firing.pk}",
        title=_("Peak-hour plan fired at %(centre)s") % {"centre": centre.name},
        body="\n".join([firing.cause, *(action_text(action) for action in firing.actions)]),
        link=reverse("hall:plans"),
    )


def _notify_waiting(
    tickets: list[QueueTicket],
    *,
    online: dict[str, list[ServiceItem]],
    nearest: NearbyCentre | None,
    centre: ServiceCentre,
) -> None:
    for ticket in tickets:
        user = ticket.resident.user if ticket.resident is not None else None
        if user is None:
            continue
        items = online.get(ticket.category, [])
        lines = []
        if items:
            names = "、".join(str(item) for item in items)
            lines.append(_("You can do these online instead of waiting: %(items)s") % {"items": names})
        if nearest is not None:
            lines.append(
                _("%(centre)s nearby has a shorter wait: about %(wait)s minutes.")
                % {"centre": nearest.centre.name, "wait": nearest.wait}
            )
        if not lines:
            continue
        # One event per ticket: a resident is told once, however often the plan fires.
        notify(
            recipients=[user],
            event_key=f"peakplan:ticket:{ticket.pk}",
            title=_("%(centre)s is busy: ticket %(ticket)s") % {"centre": centre.name, "ticket": ticket.display_number},
            body="\n".join(lines),
        )


def centres_with_active_plans() -> QuerySet[ServiceCentre]:
    return ServiceCentre.objects.filter(peak_plan__is_active=True).select_related("city", "district").order_by("code")


# ---------------------------------------------------------------------------------------------
# Managers
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def peak_plan_save(*, actor: User, centre: ServiceCentre, **values: Any) -> PeakPlan:
    """Create or change the centre's plan (fields of `PLAN_FIELDS`, already validated)."""
    _require_manager_of(actor, centre)
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"not plan fields: {sorted(unknown)}")
    plan, created = PeakPlan.objects.select_for_update().get_or_create(centre=centre, defaults=values)
    if not created:
        for name, value in values.items():
            setattr(plan, name, value)
        plan.save(update_fields=list(values))
    audit_record(action="peakplan.save", actor=actor, obj=plan, city=centre.city, details=dict(values))
    return plan


@transaction.atomic
def plan_firing_acknowledge(*, actor: User, firing: PlanFiring) -> PlanFiring:
    """The manager has seen the firing; the first acknowledgement stands."""
    firing = PlanFiring.objects.select_for_update().select_related("plan__centre__city").get(pk=firing.pk)
    _require_manager_of(actor, firing.plan.centre)
    if firing.acknowledged_at is None:
        firing.acknowledged_at, firing.acknowledged_by = timezone.now(), actor
        firing.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_record(action="peakplan.acknowledge", actor=actor, obj=firing, city=firing.plan.centre.city)
    return firing
