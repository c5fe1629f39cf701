"""Reading the audit trail: auditors only, within their city."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts.models import Role, User
from audit.models import AuditEvent


def audit_events_for(
    *,
    viewer: User,
    action: str = "",
    actor: str = "",
    outcome: str = "",
    subject_resident_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    if not viewer.is_authenticated or viewer.role != Role.AUDITOR:
        raise PermissionDenied
    # Events without a city (failed sign-ins of unknown accounts) are visible to every auditor.
    events = AuditEvent.objects.filter(Q(city=viewer.city) | Q(city__isnull=True))
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if outcome:
        events = events.filter(outcome=outcome)
    if subject_resident_id is not None:
        events = events.filter(subject_resident_id=subject_resident_id)
    if date_from:
        events = events.filter(occurred_at__date__gte=date_from)
    if date_to:
        events = events.filter(occurred_at__date__lte=date_to)
    return events.order_by("-occurred_at", "-id")
