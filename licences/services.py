"""Licence writes: issue, revoke, expire. Each is atomic, checks who may act, follows the transition
table in `licences.models` and writes the audit trail (the licence's history)."""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from audit.services import audit_record
from cases.models import Case, Outcome
from core.models import Department
from licences.models import (
    REPLACED,
    TRANSITIONS,
    Licence,
    LicenceKind,
    LicenceNumberCounter,
    LicenceStatus,
)
from residents.models import Resident

EXPIRY_BATCH_SIZE = 500

NOTICES = {
    "issued": (gettext_lazy("Licence issued"), gettext_lazy("Your %(kind)s %(number)s has been issued.")),
    "revoked": (gettext_lazy("Licence revoked"), gettext_lazy("Your %(kind)s %(number)s was revoked: %(reason)s")),
}


def kind_initials(code: str) -> str:
    """resident_id_card → RIC: the kind's part of a licence number (English initials, never pinyin)."""
    words = [w for w in re.split(r"[_\-]+", code.upper()) if w]
    initials = "".join(w[0] for w in words) if len(words) > 1 else (words[0][:2] if words else "X")
    return initials[:6]


def _next_number(*, city_code: str, kind: LicenceKind, year: int) -> str:
    """610100-DC-2026-000123. Kinds sharing initials share the counter, so numbers stay unique."""
    prefix = f"{city_code}-{kind_initials(kind.code)}-{year}"
    # Create the counter without racing another first issue of the year, then lock it.
    LicenceNumberCounter.objects.bulk_create([LicenceNumberCounter(prefix=prefix)], ignore_conflicts=True)
    counter = LicenceNumberCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:06d}"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _authorise(actor: User | None, department: Department) -> None:
    """An approver of the issuing department or the city administrator; `None` is the system
    itself (an instant decision, the daily job)."""
    if actor is None:
        return
    if actor.is_active and actor.role == Role.CITY_ADMIN and actor.city_id == department.city_id:
        return
    if actor.is_active and actor.role == Role.APPROVER and actor.department_id == department.pk:
        return
    raise PermissionDenied(_("Only an approver of the issuing department can do this."))


def _move(licence: Licence, to: str) -> str:
    if to not in TRANSITIONS[licence.status]:
        raise ValidationError(
            _("This licence is %(status)s; it cannot become %(target)s.")
            % {"status": licence.get_status_display(), "target": LicenceStatus(to).label},
            code="illegal_transition",
        )
    old, licence.status = licence.status, to
    return old


def _record(licence: Licence, action: str, actor: User | None, old: str, *, reason: str = "", **details: str) -> None:
    audit_record(
        action=f"licence.{action}",
        actor=actor,
        obj=licence,
        city=licence.issuing_department.city,
        subject_resident_id=licence.holder_id,
        reason=reason,
        details={"number": licence.number, "kind": licence.kind.code, "from": old, "to": licence.status, **details},
    )


def _notify_holder(licence: Licence, event: str, *, sms: bool = False, **extra: object) -> None:
    """Inside the caller's transaction, like case notices: an inbox row now, any SMS after commit."""
    from notifications.services import notify

    if licence.holder.user is None:
        return
    with translation.override("zh-hans"):
        title, body = NOTICES[event]
        values = {"kind": licence.kind.name, "number": licence.number, **extra}
        notify(
            recipients=[licence.holder.user],
            event_key=f"licence:{licence.number}:{event}",
            title=str(title),
            body=str(body) % values,
            link=reverse("licences:mine"),
            sms=sms,
        )


@transaction.atomic
def licence_issue(
    *,
    actor: User | None,
    holder: Resident,
    kind: LicenceKind,
    issuing_department: Department,
    case: Case | None = None,
    valid_years: int | None = None,
    today: dt.date | None = None,
) -> Licence:
    """Issue a licence of `kind` to `holder`, valid from today for `valid_years` (None: no expiry;
    the last valid day is the day before the anniversary). A valid licence of the same kind that
    the holder already has is revoked as "replaced": he holds at most one valid licence a kind.

    With a `case`, it must be the holder's, approved, and decided by the issuing department.
    """
    _authorise(actor, issuing_department)
    today = today or timezone.localdate()
    if holder.city_id != issuing_department.city_id:
        raise ValidationError(_("The department and the holder belong to different cities."), code="other_city")
    if valid_years is not None and valid_years < 1:
        raise ValidationError({"valid_years": ValidationError(_("At least one year."), code="valid_years")})
    if case is not None and (
        case.resident_id != holder.pk
        or case.outcome != Outcome.APPROVED
        or case.handling_department_id != issuing_department.pk
    ):
        raise ValidationError(
            _("A licence is issued only by the approved case of its holder, by the deciding department."),
            code="case_mismatch",
        )
    # One issue per holder at a time, so that replacing the previous licence cannot race.
    holder = Resident.objects.select_for_update(of=("self",)).select_related("user").get(pk=holder.pk)
    now = timezone.now()
    previous_valid = (
        Licence.objects.select_for_update(of=("self",))
        .select_related("kind", "issuing_department__city")
        .filter(holder=holder, kind=kind, status=LicenceStatus.VALID)
    )
    for previous in previous_valid:
        if previous.status_on(today) == LicenceStatus.EXPIRED:
            old = _move(previous, LicenceStatus.EXPIRED)
            previous.save(update_fields=["status"])
            _record(previous, "expire", actor, old)
        else:
            old = _move(previous, LicenceStatus.REVOKED)
            previous.revoked_at, previous.revocation_reason = now, REPLACED
            previous.save(update_fields=["status", "revoked_at", "revocation_reason"])
            _record(previous, "revoke", actor, old, reason=REPLACED)
    city_code = issuing_department.city.code
    licence = Licence(
        number=_next_number(city_code=city_code, kind=kind, year=today.year),
        kind=kind,
        holder=holder,
        issuing_department=issuing_department,
        case=case,
        valid_from=today,
        valid_until=_add_years(today, valid_years) - dt.timedelta(days=1) if valid_years else None,
        issued_at=now,
    )
    licence.full_clean()
    licence.save()
    _record(licence, "issue", actor, "", case=case.number if case else "")
    _notify_holder(licence, "issued")
    return licence


@transaction.atomic
def licence_revoke(*, actor: User | None, licence: Licence, reason: str) -> Licence:
    """Revoke a licence, saying why; its verification page says "revoked" from now on."""
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationError({"reason": ValidationError(_("A revocation needs a reason."), code="reason_required")})
    licence = (
        Licence.objects.select_for_update(of=("self",))
        .select_related("kind", "holder__user", "issuing_department__city")
        .get(pk=licence.pk)
    )
    _authorise(actor, licence.issuing_department)
    old = _move(licence, LicenceStatus.REVOKED)
    licence.revoked_at, licence.revocation_reason = timezone.now(), reason[:200]
    licence.full_clean()
    licence.save(update_fields=["status", "revoked_at", "revocation_reason"])
    _record(licence, "revoke", actor, old, reason=reason)
    _notify_holder(licence, "revoked", sms=True, reason=reason)
    return licence


def licences_expire(*, today: dt.date | None = None) -> int:
    """Mark valid licences past their last valid day expired; returns how many. Daily job.

    Batches of EXPIRY_BATCH_SIZE, each its own transaction, so a large backlog holds no long locks.
    """
    today = today or timezone.localdate()
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                Licence.objects.select_for_update(of=("self",))
                .filter(status=LicenceStatus.VALID, valid_until__lt=today)
                .select_related("kind", "issuing_department__city")
                .order_by("valid_until", "id")[:EXPIRY_BATCH_SIZE]
            )
            for licence in batch:
                old = _move(licence, LicenceStatus.EXPIRED)
                _record(licence, "expire", None, old)
            Licence.objects.filter(pk__in=[licence.pk for licence in batch]).update(status=LicenceStatus.EXPIRED)
        total += len(batch)
        if len(batch) < EXPIRY_BATCH_SIZE:
            return total
