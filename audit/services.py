"""Writing to the audit trail. Every service that changes or reveals something calls `audit_record`."""

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from audit.models import AuditEvent, Outcome
from core.models import City

# Keys that must never reach the trail, whatever a caller passes in `details`.
_SECRET_KEYS = frozenset({"password", "password1", "password2", "code", "token", "secret", "id_number", "mobile"})


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    city: City | None = None,
    subject_resident_id: int | None = None,
    outcome: str = Outcome.SUCCESS,
    reason: str = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    authenticated = actor is not None and actor.is_authenticated
    if city is None and authenticated:
        city = actor.city  # type: ignore[union-attr]
    clean_details = {k: v for k, v in (details or {}).items() if k not in _SECRET_KEYS}
    return AuditEvent.objects.create(
        city=city,
        actor=actor if authenticated else None,
        actor_label=str(actor) if authenticated else "",
        actor_role=actor.role if authenticated else "",  # type: ignore[union-attr]
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        subject_resident_id=subject_resident_id,
        outcome=outcome,
        reason=reason[:200],
        ip_address=client_ip(request),
        details=clean_details,
    )
