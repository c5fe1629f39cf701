"""Escalation of overdue cases: red cases go up to the department's approvers and the district's
managers, once per case, with a notification and a history row."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from audit.services import audit_record
from cases.models import Case, CaseHistory, CaseStatus
from cases.notices import case_notify, department_staff

RUNNING = (CaseStatus.ACCEPTED, CaseStatus.RESUBMITTED, CaseStatus.UNDER_REVIEW)


def cases_escalate_overdue(*, today: dt.date | None = None, limit: int = 1000) -> int:
    """Escalate every overdue case not yet escalated; returns how many. Safe to run often and in
    several workers at once (rows are locked and skipped when another worker has them)."""
    today = today or timezone.localdate()
    escalated = 0
    with transaction.atomic():
        overdue = (
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("item_version", "handling_department", "resident__user", "created_by")
            .filter(status__in=RUNNING, due_on__lt=today, escalated_at__isnull=True)
            .order_by("due_on")[:limit]
        )
        for case in overdue:
            case.escalated_at = timezone.now()
            case.save(update_fields=["escalated_at", "updated_at"])
            CaseHistory.objects.create(
                case=case,
                action="escalate",
                from_status=case.status,
                to_status=case.status,
                details={"due_on": str(case.due_on)},
            )
            audit_record(action="case.escalate", obj=case, city=case.city, subject_resident_id=case.resident_id)
            managers = User.objects.filter(
                role=Role.DISTRICT_MANAGER, district=case.handling_department.district, is_active=True
            )
            case_notify(case, "escalated", [*department_staff(case, Role.APPROVER), *managers], sms=True)
            escalated += 1
    return escalated
