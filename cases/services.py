"""Case decisions: each transition of the workflow table is one atomic, permission-checked
service that writes a history row and the audit trail and notifies after commit."""

import math
import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record
from cases.decisions import decision_facts
from cases.models import Authorisation, Case, CaseHistory, CaseMaterial, Outcome
from cases.notices import applicants, case_notify, department_staff
from cases.selectors import cases_visible_to
from cases.workflow import roles_for, target_status
from cases.writeback import case_write_back
from catalogue.rules import rules_evaluate
from core.models import Department
from core.workdays import add_working_days, sla_due_date, working_days_between

WARN_SHARE = 0.8


def _lock(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("item_version", "resident__user", "handling_department")
        .get(pk=case.pk)
    )


def _authorise(actor: User, case: Case, action: str) -> None:
    """Role from the workflow table, scope from the selector, department for department roles."""
    roles = roles_for(action)
    if "applicant" in roles and actor.pk in (case.created_by_id, case.resident.user_id):
        return
    if actor.role not in roles:
        raise PermissionDenied(_("Your role cannot do this."))
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("This case is outside your scope."))
    if actor.role in (Role.REVIEWER, Role.APPROVER) and actor.department_id != case.handling_department_id:
        raise PermissionDenied(_("This case belongs to another department."))


def _record(
    case: Case,
    action: str,
    actor: User | None,
    old: str,
    *,
    reason: str = "",
    request: HttpRequest | None = None,
    **details: Any,
) -> None:
    CaseHistory.objects.create(
        case=case, action=action, from_status=old, to_status=case.status, actor=actor, reason=reason, details=details
    )
    audit_record(
        action=f"case.{action}",
        actor=actor,
        obj=case,
        city=case.city,
        subject_resident_id=case.resident_id,
        reason=reason[:200],
        request=request,
    )


def _set_clock(case: Case) -> None:
    promised = case.item_version.promised_days
    assert case.accepted_on is not None
    case.due_on = sla_due_date(
        accepted_on=case.accepted_on, promised_days=promised, paused_working_days=case.paused_working_days
    )
    case.warn_on = add_working_days(case.accepted_on, math.ceil(WARN_SHARE * promised) + case.paused_working_days)


@transaction.atomic
def case_accept(*, actor: User, case: Case, request: HttpRequest | None = None) -> Case:
    """受理: the case is complete enough to start; the SLA clock starts today."""
    case = _lock(case)
    _authorise(actor, case, "accept")
    old, case.status = case.status, target_status("accept", case.status)
    if case.authorisation == Authorisation.ONLINE_GRANT and case.proxy_confirmed_at is None:
        raise ValidationError(_("The resident has not yet confirmed this proxy application."), code="proxy_unconfirmed")
    if case.accepted_on is None:
        case.accepted_at, case.accepted_on = timezone.now(), timezone.localdate()
        _set_clock(case)
    if case.receiving_centre_id is None and actor.service_centre_id:
        case.receiving_centre_id = actor.service_centre_id
    case.save()
    _record(case, "accept", actor, old, request=request)
    case_notify(case, "accepted", applicants(case), sms=True)
    return case


@transaction.atomic
def case_request_correction(
    *, actor: User, case: Case, message: str, material_ids: list[int] | None = None, request: HttpRequest | None = None
) -> Case:
    """补正: tell the applicant what is missing or wrong; the clock pauses until he answers."""
    case = _lock(case)
    _authorise(actor, case, "request_correction")
    message = message.strip()
    if len(message) < 2:
        raise ValidationError({"message": ValidationError(_("Say what needs correcting."), code="message_required")})
    slots = set(case.item_version.materials.values_list("pk", flat=True))
    wanted = [m for m in (material_ids or []) if m in slots]
    old, case.status = case.status, target_status("request_correction", case.status)
    case.correction_request = {"message": message, "materials": wanted, "previous_status": old}
    if case.accepted_on is not None:
        case.paused_since = timezone.localdate()
    case.save()
    _record(case, "request_correction", actor, old, reason=message, request=request, materials=wanted)
    case_notify(case, "correction_requested", applicants(case), sms=True, message=message)
    return case


@transaction.atomic
def case_resubmit(*, actor: User, case: Case, request: HttpRequest | None = None) -> Case:
    """The applicant answered the correction request; a paused clock runs again, extended.

    Every material named in the request needs a file uploaded since the request; the files it
    replaces are kept, marked superseded, so reviewers can compare.
    """
    case = _lock(case)
    _authorise(actor, case, "resubmit")
    new_status = target_status("resubmit", case.status)
    requested_at = case.history.filter(action="request_correction").latest("at").at
    wanted = case.correction_request.get("materials", [])
    fresh = case.materials.filter(superseded=False, uploaded_at__gte=requested_at)
    answered = set(fresh.values_list("required_material_id", flat=True))
    still_missing = [m.name for m in case.item_version.materials.filter(pk__in=wanted) if m.pk not in answered]
    if still_missing:
        message = _("Please add: %(names)s.") % {"names": "、".join(still_missing)}
        raise ValidationError({"materials": ValidationError(message, code="materials_missing")})
    replaced = case.materials.filter(required_material_id__in=answered, uploaded_at__lt=requested_at)
    replaced.update(superseded=True)
    old, case.status = case.status, new_status
    if case.paused_since is not None:
        case.paused_working_days += working_days_between(case.paused_since, timezone.localdate())
        case.paused_since = None
        _set_clock(case)
    case.save()
    _record(case, "resubmit", actor, old, request=request)
    case_notify(case, "resubmitted", department_staff(case, Role.REVIEWER) if case.accepted_on else [])
    return case


@transaction.atomic
def case_start_review(*, actor: User, case: Case, request: HttpRequest | None = None) -> Case:
    case = _lock(case)
    _authorise(actor, case, "start_review")
    if case.accepted_on is None:
        raise ValidationError(_("Accept the case before reviewing it."), code="not_accepted")
    old, case.status = case.status, target_status("start_review", case.status)
    case.save()
    _record(case, "start_review", actor, old, request=request)
    return case


def _decide(actor: User, case: Case, action: str, outcome: str, reason: str, request: HttpRequest | None) -> Case:
    case = _lock(case)
    _authorise(actor, case, action)
    old, case.status = case.status, target_status(action, case.status)
    case.outcome, case.decided_at = outcome, timezone.now()
    case.save()
    _record(case, action, actor, old, reason=reason, request=request)
    if outcome == Outcome.APPROVED:
        case_write_back(case)
    # 办结: the decision is delivered electronically, so the case concludes at once.
    old, case.status, case.concluded_at = case.status, target_status("conclude", case.status), timezone.now()
    case.save(update_fields=["status", "concluded_at", "updated_at"])
    _record(case, "conclude", actor, old)
    case_notify(case, action + "d" if action == "approve" else "rejected", applicants(case), sms=True, reason=reason)
    return case


@transaction.atomic
def case_approve(*, actor: User, case: Case, reason: str = "", request: HttpRequest | None = None) -> Case:
    return _decide(actor, case, "approve", Outcome.APPROVED, reason.strip(), request)


@transaction.atomic
def case_reject(*, actor: User, case: Case, reason: str, request: HttpRequest | None = None) -> Case:
    """A rejection always says why, in words the resident understands."""
    if len(reason.strip()) < 4:
        raise ValidationError({"reason": ValidationError(_("A rejection needs a reason."), code="reason_required")})
    return _decide(actor, case, "reject", Outcome.REJECTED, reason.strip(), request)


@transaction.atomic
def case_withdraw(*, actor: User, case: Case, reason: str = "", request: HttpRequest | None = None) -> Case:
    case = _lock(case)
    _authorise(actor, case, "withdraw")
    old, case.status = case.status, target_status("withdraw", case.status)
    case.paused_since = None
    case.save()
    _record(case, "withdraw", actor, old, reason=reason.strip(), request=request)
    case_notify(case, "withdrawn", [*applicants(case), *department_staff(case, Role.REVIEWER)])
    return case


@transaction.atomic
def case_transfer(
    *, actor: User, case: Case, department: Department, reason: str, request: HttpRequest | None = None
) -> Case:
    """Routing mistakes happen: move an open case to the right department, saying why."""
    case = _lock(case)
    _authorise(actor, case, "transfer")
    target_status("transfer", case.status)
    if len(reason.strip()) < 4:
        raise ValidationError({"reason": ValidationError(_("A transfer needs a reason."), code="reason_required")})
    if department.city_id != case.city_id or department.pk == case.handling_department_id:
        raise ValidationError(_("Choose another department of this city."), code="bad_department")
    previous = case.handling_department
    case.handling_department = department
    case.save(update_fields=["handling_department", "updated_at"])
    _record(
        case,
        "transfer",
        actor,
        case.status,
        reason=reason.strip(),
        request=request,
        from_department=previous.name,
        to_department=department.name,
    )
    case_notify(
        case, "transferred", [*applicants(case), *department_staff(case, Role.REVIEWER)], department=department.name
    )
    return case


@transaction.atomic
def case_decide_instantly(*, case: Case, request: HttpRequest | None = None) -> Case:
    """即办: evaluate the item's rules over what the platform knows; approve on the spot, or refer
    the case to the normal review queue with the reasons. The explanation is kept either way."""
    case = _lock(case)
    started = time.perf_counter()
    decision = rules_evaluate(case.item_version.decision_rules, decision_facts(case))
    case.decision = {
        "outcome": decision.outcome,
        "checks": decision.explanation(),
        "decided_in_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    if decision.outcome != "approve":
        case.save(update_fields=["decision", "updated_at"])
        reasons = "；".join(decision.reasons())
        CaseHistory.objects.create(
            case=case, action="refer", from_status=case.status, to_status=case.status, reason=reasons
        )
        audit_record(
            action="case.refer", obj=case, city=case.city, subject_resident_id=case.resident_id, reason=reasons
        )
        return case
    now, today = timezone.now(), timezone.localdate()
    case.accepted_at, case.accepted_on = now, today
    _set_clock(case)
    for action in ("accept", "start_review", "approve"):
        old, case.status = case.status, target_status(action, case.status)
        case.save()
        _record(
            case,
            action,
            None,
            old,
            reason=_("Decided on the spot by the service's rules") if action == "approve" else "",
        )
    case.outcome, case.decided_at = Outcome.APPROVED, now
    case.save()
    case_write_back(case)
    old, case.status, case.concluded_at = case.status, target_status("conclude", case.status), now
    case.save(update_fields=["status", "concluded_at", "updated_at"])
    _record(case, "conclude", None, old)
    case_notify(case, "approved", applicants(case), sms=True)
    return case


def case_materials_for(case: Case) -> list[CaseMaterial]:
    return list(
        case.materials.select_related("required_material").order_by("superseded", "required_material__position", "id")
    )
