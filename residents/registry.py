"""The shared resident registry (居民信息库): fill once, reuse with a reason, show the resident who looked.

- Facts: `fact_record` writes a new version of one kind of fact (the history is kept);
  `facts_current` and `fact_history` read them without any check, for the resident's own pages and
  for services. Every read by staff or by a department's system goes through the access rule.
- The access rule, in one place (`_grant_for`): a department may read a resident's facts
  (a) for a case of his that it handles, (b) for a statutory duty named in the purpose
  ("statutory: …"), or (c) for the kinds of data he consented to. `facts_readable_by` applies it
  to a staff member, `facts_readable_by_department` to a department's system (an API key).
  Every allowed read is written to the audit trail with its purpose; refused ones too.
- Consent: `consent_grant` and `consent_revoke`, by the resident himself; a revocation holds at
  the next read, nothing is cached.
- The data tracker: `data_accesses_of` lists the reads of a resident's personal data, anywhere in
  the platform, for his privacy page; `data_access_entry` says each in words.
- Department API keys: `api_key_create` (the plain key is returned once and never stored),
  `api_key_revoke`, `api_key_authenticate`.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.models import RESIDENT_DATA_ROLES, Role, User
from audit.models import AuditEvent, Outcome
from audit.services import audit_record
from core.errors import Conflict
from core.models import Department
from residents.models import (
    Assurance,
    Consent,
    DepartmentApiKey,
    EmploymentStatus,
    FactCategory,
    InsuranceStatus,
    Relation,
    Resident,
    ResidentFact,
)

if TYPE_CHECKING:
    from cases.models import Case

# ---------------------------------------------------------------------------------------------
# Values: one small schema per kind of fact
# ---------------------------------------------------------------------------------------------


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _text(field: str, value: Any, *, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, _("“%(field)s” must be some text.") % {"field": field}, "invalid_text")
    value = " ".join(value.split())
    if len(value) > max_length:
        raise _invalid(
            field,
            _("“%(field)s” must be at most %(max)s characters.") % {"field": field, "max": max_length},
            "too_long",
        )
    return value


def _choice(field: str, value: Any, *, choices: Collection[str]) -> str:
    if value not in choices:
        raise _invalid(
            field,
            _("“%(field)s” must be one of: %(choices)s.") % {"field": field, "choices": ", ".join(choices)},
            f"invalid_{field}",
        )
    return str(value)


def _yes_or_no(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _invalid(field, _("“%(field)s” must be true or false.") % {"field": field}, f"invalid_{field}")
    return value


def _grade(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise _invalid(
            field, _("“%(field)s” must be a whole number from 1 to 4.") % {"field": field}, f"invalid_{field}"
        )
    return value


def _past_date_or_null(field: str, value: Any) -> str | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or day > timezone.localdate():
        raise _invalid(
            field,
            _("“%(field)s” must be a date in the past written YYYY-MM-DD, or null.") % {"field": field},
            f"invalid_{field}",
        )
    return day.isoformat()


FACT_SCHEMAS: dict[str, dict[str, Callable[[str, Any], Any]]] = {
    FactCategory.IDENTITY: {"name": partial(_text, max_length=50)},
    FactCategory.HOUSEHOLD: {"relation": partial(_choice, choices=Relation.values)},
    FactCategory.ADDRESS: {"address": _text},
    FactCategory.DISABILITY: {"category": partial(_text, max_length=50), "grade": _grade},
    FactCategory.MINIMUM_ALLOWANCE: {"receiving": _yes_or_no, "since": _past_date_or_null},
    FactCategory.PENSION_INSURANCE: {"status": partial(_choice, choices=InsuranceStatus.values)},
    FactCategory.MEDICAL_INSURANCE: {"status": partial(_choice, choices=InsuranceStatus.values)},
    FactCategory.VETERAN: {"status": _yes_or_no},
    FactCategory.EMPLOYMENT: {"status": partial(_choice, choices=EmploymentStatus.values)},
}


def category_clean(category: str) -> FactCategory:
    if category not in FactCategory.values:
        raise _invalid(
            "category",
            _("“%(category)s” is not a kind of data the registry holds.") % {"category": category},
            "unknown_category",
        )
    return FactCategory(category)


def categories_clean(categories: Iterable[str] | None) -> frozenset[FactCategory] | None:
    """None means every kind of data the reader is allowed."""
    if categories is None:
        return None
    wanted = frozenset(category_clean(c) for c in categories)
    return wanted or None


def fact_value_clean(category: str, value: Any) -> dict[str, Any]:
    """The value checked against its kind's schema; every problem reported, each naming its field."""
    schema = FACT_SCHEMAS[category_clean(category)]
    if not isinstance(value, dict):
        raise _invalid("value", _("The value must be an object with the fields of its kind."), "invalid_value")
    errors: dict[str, list[ValidationError]] = {}
    clean: dict[str, Any] = {}
    for field, check in schema.items():
        if field not in value:
            errors[field] = [ValidationError(_("“%(field)s” is required.") % {"field": field}, code="required")]
            continue
        try:
            clean[field] = check(field, value[field])
        except ValidationError as exc:
            errors.update(exc.error_dict)
    for field in set(value) - set(schema):
        errors[field] = [
            ValidationError(_("“%(field)s” is not a field of this kind.") % {"field": field}, code="unknown_field")
        ]
    if errors:
        raise ValidationError(errors)
    return clean


# ---------------------------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------------------------

# What a resident may state about himself online; the rest needs a counter or a department.
RESIDENT_DECLARABLE = frozenset({FactCategory.ADDRESS, FactCategory.HOUSEHOLD, FactCategory.EMPLOYMENT})


def _check_may_record(
    *,
    actor: User | None,
    resident: Resident,
    category: str,
    assurance: str,
    source_department: Department | None,
    source_case: "Case | None",
) -> None:
    if source_case is not None and source_case.resident_id != resident.pk:
        raise _invalid("source_case", _("This case is another resident's."), "case_of_another_resident")
    if source_department is not None and source_department.city_id != resident.city_id:
        raise _invalid("source_department", _("This department belongs to another city."), "department_of_another_city")
    if assurance == Assurance.VERIFIED and source_department is None:
        raise _invalid(
            "source_department",
            _("A verified fact names the department that verified it."),
            "source_department_required",
        )
    if actor is None:  # a department's data exchange, recorded with its source
        return
    if actor.role == Role.RESIDENT:
        if resident.user_id != actor.pk or assurance != Assurance.DECLARED or category not in RESIDENT_DECLARABLE:
            raise PermissionDenied(_("You can only declare your own address, household and employment."))
        return
    from residents.selectors import residents_visible_to

    if actor.role not in RESIDENT_DATA_ROLES or not residents_visible_to(actor).filter(pk=resident.pk).exists():
        raise PermissionDenied(_("You may not record data about this resident."))
    if assurance == Assurance.VERIFIED and actor.department_id != source_department.pk:  # type: ignore[union-attr]
        raise PermissionDenied(_("Only staff of the verifying department can record a verified fact."))
    if assurance == Assurance.COUNTER and actor.role not in (Role.COUNTER_CLERK, Role.COMMUNITY_WORKER):
        raise PermissionDenied(_("Only counter clerks and community workers confirm data at a counter."))


@transaction.atomic
def fact_record(
    *,
    actor: User | None,
    resident: Resident,
    category: str,
    value: dict[str, Any],
    assurance: str,
    source_department: Department | None = None,
    source_case: "Case | None" = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> ResidentFact:
    """Record a new version of one kind of fact about a resident; the previous one stays as history.

    `expected_version` is the version the editor started from (0 for none yet): when someone else
    recorded a newer one meanwhile, the edit is refused with Conflict "stale_fact" instead of
    silently overwriting it. `actor=None` is a department's data exchange, which names its source.
    """
    category = category_clean(category)
    if assurance not in Assurance.values:
        raise _invalid("assurance", _("Unknown assurance."), "invalid_assurance")
    clean_value = fact_value_clean(category, value)
    _check_may_record(
        actor=actor,
        resident=resident,
        category=category,
        assurance=assurance,
        source_department=source_department,
        source_case=source_case,
    )
    # Writers of one resident's facts queue on his row, so each reads the version the last one wrote.
    Resident.objects.select_for_update().filter(pk=resident.pk).values_list("pk").get()
    current = (
        ResidentFact.objects.filter(resident=resident, category=category, is_current=True).only("pk", "version").first()
    )
    current_version = current.version if current is not None else 0
    if expected_version is not None and expected_version != current_version:
        raise _stale(current_version)
    if current is not None:
        ResidentFact.objects.filter(pk=current.pk).update(is_current=False)
    try:
        with transaction.atomic():
            fact = ResidentFact.objects.create(
                resident=resident,
                category=category,
                value=clean_value,
                assurance=assurance,
                source_department=source_department,
                source_case=source_case,
                recorded_by=actor,
                version=current_version + 1,
            )
    except IntegrityError:
        # A concurrent edit recorded the same version first (SQLite has no row locks to wait on).
        raise _stale(current_version + 1)
    audit_record(
        action="registry.fact_record",
        actor=actor,
        obj=fact,
        city=resident.city,
        subject_resident_id=resident.pk,
        request=request,
        details={"category": category, "version": fact.version, "assurance": assurance},
    )
    return fact


def _stale(version: int) -> Conflict:
    return Conflict(
        _("This data was changed meanwhile (it is now at version %(version)s). Reload it and try again.")
        % {"version": version},
        code="stale_fact",
    )


def facts_current(*, resident: Resident) -> dict[str, ResidentFact]:
    """The resident's current facts by kind, in the order of FactCategory. Unchecked: for the
    resident's own pages and for services; staff and departments read through the access rule."""
    facts = ResidentFact.objects.filter(resident=resident, is_current=True).select_related(
        "source_department", "source_case"
    )
    by_category = {fact.category: fact for fact in facts}
    return {c: by_category[c] for c in FactCategory.values if c in by_category}


def fact_history(*, resident: Resident, category: str) -> QuerySet[ResidentFact]:
    """Every version of one kind of fact, newest first. Unchecked, like facts_current."""
    return (
        ResidentFact.objects.filter(resident=resident, category=category_clean(category))
        .select_related("source_department", "source_case", "recorded_by")
        .order_by("-version")
    )


# ---------------------------------------------------------------------------------------------
# The access rule
# ---------------------------------------------------------------------------------------------

PURPOSE_MIN_LENGTH = 4
STATUTORY = "statutory"


class Basis(StrEnum):
    CASE = "case"
    STATUTORY = "statutory"
    CONSENT = "consent"


@dataclass(frozen=True)
class _Grant:
    basis: Basis
    categories: frozenset[FactCategory] | None  # None: every kind


def purpose_clean(purpose: str | None) -> str:
    purpose = " ".join((purpose or "").split())
    if len(purpose) < PURPOSE_MIN_LENGTH:
        raise _invalid(
            "purpose",
            _("Say why you need this resident's data: it is recorded and shown to him."),
            "purpose_required",
        )
    return purpose[:200]


def _statutory_duty(purpose: str) -> str | None:
    """The duty named after "statutory:", or None when the purpose claims none.

    A few words at least (Chinese counts characters, having no spaces): the law and the task, so
    that the resident and the auditor can tell what the duty was.
    """
    head, colon, duty = purpose.replace("：", ":", 1).partition(":")
    if not colon or head.strip().lower() != STATUTORY:
        return None
    duty = duty.strip()
    cjk = sum(1 for ch in duty if "\u4e00" <= ch <= "\u9fff")
    if len(duty.split()) < 3 and cjk < 6:
        raise _invalid(
            "purpose",
            _(
                "Name the statutory duty: the law or regulation and the task, e.g. “statutory: Social Assistance "
                "Measures art. 11, annual review of the minimum allowance”."
            ),
            "purpose_required",
        )
    return duty


def _grant_for(
    *,
    department: Department,
    resident: Resident,
    purpose: str,
    case: "Case | None",
    wanted: frozenset[FactCategory] | None,
    case_is_visible: Callable[["Case"], bool],
) -> _Grant | None:
    """The one access rule. Any one basis is enough; None when none holds."""
    from cases.models import CaseStatus

    if department.city_id != resident.city_id:
        return None
    if (
        case is not None
        and case.resident_id == resident.pk
        and case.handling_department_id == department.pk
        and case.status not in (CaseStatus.DRAFT, CaseStatus.WITHDRAWN)
        and case_is_visible(case)
    ):
        return _Grant(Basis.CASE, wanted)
    # A district department's statutory duties cover the residents of its district.
    if _statutory_duty(purpose) is not None and (
        department.district_id is None or department.district_id == resident.community.subdistrict.district_id
    ):
        return _Grant(Basis.STATUTORY, wanted)
    consented = frozenset(
        FactCategory(c)
        for c in Consent.objects.filter(resident=resident, department=department, revoked_at__isnull=True).values_list(
            "category", flat=True
        )
    )
    if consented and (wanted is None or wanted <= consented):
        return _Grant(Basis.CONSENT, wanted or consented)
    return None


def _pick(facts: dict[str, ResidentFact], categories: frozenset[FactCategory] | None) -> dict[str, ResidentFact]:
    return facts if categories is None else {c: f for c, f in facts.items() if c in categories}


def _log_read(
    *,
    action: str,
    actor: User | None,
    department: Department,
    resident: Resident,
    purpose: str,
    outcome: str,
    categories: Iterable[str],
    request: HttpRequest | None,
    extra: dict[str, Any],
) -> None:
    audit_record(
        action=action,
        actor=actor,
        obj=resident,
        city=department.city,
        subject_resident_id=resident.pk,
        outcome=outcome,
        reason=purpose,
        request=request,
        details={"categories": sorted(categories), "department": department.name, **extra},
    )


def _read(
    *,
    action: str,
    actor: User | None,
    department: Department | None,
    resident: Resident,
    purpose: str,
    case: "Case | None",
    categories: Iterable[str] | None,
    case_is_visible: Callable[["Case"], bool],
    request: HttpRequest | None,
    extra: dict[str, Any],
) -> dict[str, ResidentFact]:
    purpose = purpose_clean(purpose)
    wanted = categories_clean(categories)
    refused = PermissionDenied(
        _("Your department has no case, statutory duty or consent that allows it to read this data.")
    )
    if department is None:
        raise refused
    grant = _grant_for(
        department=department,
        resident=resident,
        purpose=purpose,
        case=case,
        wanted=wanted,
        case_is_visible=case_is_visible,
    )
    log = partial(
        _log_read,
        action=action,
        actor=actor,
        department=department,
        resident=resident,
        purpose=purpose,
        request=request,
    )
    if grant is None:
        log(outcome=Outcome.DENIED, categories=wanted or (), extra=extra)
        raise refused
    facts = _pick(facts_current(resident=resident), grant.categories)
    case_number = {"case": case.number} if grant.basis == Basis.CASE and case is not None else {}
    log(outcome=Outcome.SUCCESS, categories=facts, extra={**extra, **case_number, "basis": grant.basis.value})
    return facts


def facts_readable_by(
    *,
    viewer: User,
    resident: Resident,
    purpose: str,
    case: "Case | None" = None,
    categories: Iterable[str] | None = None,
    request: HttpRequest | None = None,
) -> dict[str, ResidentFact]:
    """The facts a viewer may read about a resident, for a purpose; PermissionDenied otherwise.

    The resident reads his own facts freely and unrecorded. A staff member reads as his department
    (see `_grant_for`); a case counts only if he may see it himself. Every read, allowed or refused,
    is written to the audit trail as "registry.fact_read" with the purpose and the kinds of data.
    """
    if viewer.is_authenticated and viewer.is_active and viewer.role == Role.RESIDENT:
        if resident.user_id != viewer.pk:
            raise PermissionDenied(_("You can only read your own data."))
        return _pick(facts_current(resident=resident), categories_clean(categories))
    may_read = viewer.is_authenticated and viewer.is_active and viewer.role in RESIDENT_DATA_ROLES

    def case_is_visible(case: "Case") -> bool:
        from cases.selectors import cases_visible_to

        return cases_visible_to(viewer).filter(pk=case.pk).exists()

    return _read(
        action="registry.fact_read",
        actor=viewer,
        department=viewer.department if may_read else None,
        resident=resident,
        purpose=purpose,
        case=case,
        categories=categories,
        case_is_visible=case_is_visible,
        request=request,
        extra={},
    )


def facts_readable_by_department(
    *,
    department: Department,
    resident: Resident,
    purpose: str,
    case: "Case | None" = None,
    categories: Iterable[str] | None = None,
    api_key: DepartmentApiKey | None = None,
    request: HttpRequest | None = None,
) -> dict[str, ResidentFact]:
    """The same rule for a department's system (an API key): the department is the reader, and a
    case counts when it handles it. Logged as "registry.api_read" with the department and the key."""
    extra: dict[str, Any] = {"department_id": department.pk}
    if api_key is not None:
        extra |= {"api_key": api_key.prefix, "client": api_key.name}
    return _read(
        action="registry.api_read",
        actor=None,
        department=department,
        resident=resident,
        purpose=purpose,
        case=case,
        categories=categories,
        case_is_visible=lambda case: case.city_id == department.city_id,
        request=request,
        extra=extra,
    )


# ---------------------------------------------------------------------------------------------
# Consent
# ---------------------------------------------------------------------------------------------


def _own_record(resident_user: User) -> Resident:
    resident = Resident.objects.filter(user=resident_user).first() if resident_user.is_authenticated else None
    if resident is None or resident_user.role != Role.RESIDENT:
        raise PermissionDenied(_("Only a resident gives or withdraws consent for his own data."))
    return resident


@transaction.atomic
def consent_grant(
    *, resident_user: User, department: Department, category: str, request: HttpRequest | None = None
) -> Consent:
    """The resident lets a department read one kind of his data. Granting it again changes nothing."""
    resident = _own_record(resident_user)
    category = category_clean(category)
    if department.city_id != resident.city_id:
        raise _invalid("department", _("This department belongs to another city."), "department_of_another_city")
    active = Consent.objects.filter(resident=resident, department=department, category=category, revoked_at=None)
    existing = active.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            consent = Consent.objects.create(resident=resident, department=department, category=category)
    except IntegrityError:  # the same consent given twice at once
        return active.get()
    audit_record(
        action="registry.consent_grant",
        actor=resident_user,
        obj=consent,
        subject_resident_id=resident.pk,
        request=request,
        details={"department": department.name, "category": category},
    )
    return consent


@transaction.atomic
def consent_revoke(*, resident_user: User, consent_id: int, request: HttpRequest | None = None) -> Consent:
    """Withdraw a consent. It holds at once: the department's next read is refused.
    Consent.DoesNotExist when it is not the resident's."""
    resident = _own_record(resident_user)
    consent = Consent.objects.select_for_update().get(pk=consent_id, resident=resident)
    if consent.revoked_at is None:
        consent.revoked_at = timezone.now()
        consent.save(update_fields=["revoked_at"])
        audit_record(
            action="registry.consent_revoke",
            actor=resident_user,
            obj=consent,
            subject_resident_id=resident.pk,
            request=request,
            details={"department": consent.department.name, "category": consent.category},
        )
    return consent


def consents_of(*, resident: Resident) -> QuerySet[Consent]:
    """The resident's consents in force, newest first."""
    return Consent.objects.filter(resident=resident, revoked_at=None).select_related("department")


# ---------------------------------------------------------------------------------------------
# The data tracker: who looked at the resident's data, and why
# ---------------------------------------------------------------------------------------------

DATA_READ_ACTIONS = {
    "resident.read": gettext_lazy("Opened your resident record"),
    "resident.reveal": gettext_lazy("Viewed the full value of a masked field"),
    "resident.lookup": gettext_lazy("Looked you up by your ID number"),
    "registry.fact_read": gettext_lazy("Read your shared data"),
    "registry.api_read": gettext_lazy("Read your shared data through the data-sharing interface"),
    "case.read": gettext_lazy("Opened your application"),
    "case.material_read": gettext_lazy("Opened a document of your application"),
}
# Reads that record no reason of their own happen while handling an application.
_IMPLIED_REASONS = {
    "case.read": gettext_lazy("Handling your application"),
    "case.material_read": gettext_lazy("Handling your application"),
}
_FIELD_LABELS = {"id_number": gettext_lazy("ID number"), "mobile": gettext_lazy("Mobile number")}


@dataclass(frozen=True)
class DataAccess:
    at: dt.datetime
    who: str
    role: str
    department: str
    what: str
    data: str
    why: str
    by_system: bool


def data_accesses_of(*, resident: Resident) -> QuerySet[AuditEvent]:
    """Every successful read of the resident's personal data, newest first: one query a page."""
    return (
        AuditEvent.objects.filter(
            subject_resident_id=resident.pk, action__in=list(DATA_READ_ACTIONS), outcome=Outcome.SUCCESS
        )
        .select_related("actor__department")
        .order_by("-occurred_at", "-id")
    )


def data_access_entry(event: AuditEvent) -> DataAccess:
    """One read said in words; uses only the event and its select_related actor and department."""
    details = event.details if isinstance(event.details, dict) else {}
    by_system = event.action == "registry.api_read"
    actor_department = event.actor.department if event.actor is not None else None
    if "categories" in details:
        labels = [str(FactCategory(c).label) for c in details["categories"] if c in FactCategory.values]
        data = pgettext("list separator", ", ").join(labels) or _("nothing on record")
    else:
        data = str(_FIELD_LABELS.get(details.get("field", ""), ""))
    if by_system:
        role = _("Department system")
    else:
        role = str(Role(event.actor_role).label) if event.actor_role in Role.values else ""
    return DataAccess(
        at=event.occurred_at,
        who=details.get("client", "") if by_system else event.actor_label,
        role=role,
        department=details.get("department") or (actor_department.name if actor_department else ""),
        what=str(DATA_READ_ACTIONS[event.action]),
        data=data,
        why=event.reason or str(_IMPLIED_REASONS.get(event.action, "")),
        by_system=by_system,
    )


# ---------------------------------------------------------------------------------------------
# Department API keys
# ---------------------------------------------------------------------------------------------

API_KEY_FORMAT = "ow_{prefix}_{secret}"


def _key_hash(key: str) -> str:
    # The key is 256 random bits: a plain SHA-256 cannot be reversed or guessed, no salt needed.
    return hashlib.sha256(key.encode()).hexdigest()


def _check_key_admin(actor: User, department: Department) -> None:
    if not (actor.is_superuser or (actor.role == Role.CITY_ADMIN and actor.city_id == department.city_id)):
        raise PermissionDenied(_("Only the city administrator manages the departments' API keys."))


@transaction.atomic
def api_key_create(
    *, actor: User, department: Department, name: str, request: HttpRequest | None = None
) -> tuple[DepartmentApiKey, str]:
    """A new key for a department's system. The plain key is returned here, once; only its hash is kept."""
    _check_key_admin(actor, department)
    name = " ".join(name.split())
    if not name:
        raise _invalid("name", _("Name the system that will use this key."), "name_required")
    prefix = secrets.token_hex(4)
    while DepartmentApiKey.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    plain = API_KEY_FORMAT.format(prefix=prefix, secret=secrets.token_urlsafe(32))
    key = DepartmentApiKey.objects.create(
        department=department, name=name, prefix=prefix, key_hash=_key_hash(plain), created_by=actor
    )
    audit_record(
        action="registry.api_key_create",
        actor=actor,
        obj=key,
        city=department.city,
        request=request,
        details={"department": department.name, "prefix": prefix, "name": name},
    )
    return key, plain


@transaction.atomic
def api_key_revoke(*, actor: User, api_key: DepartmentApiKey, request: HttpRequest | None = None) -> DepartmentApiKey:
    """Revoke a key: its next request is refused (401)."""
    _check_key_admin(actor, api_key.department)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(
            action="registry.api_key_revoke",
            actor=actor,
            obj=api_key,
            city=api_key.department.city,
            request=request,
            details={"department": api_key.department.name, "prefix": api_key.prefix},
        )
    return api_key


def api_key_authenticate(key: str) -> DepartmentApiKey | None:
    """The active key matching a presented one (with its department), or None."""
    if not (key.startswith("ow_") and key[11:12] == "_"):
        return None
    found = DepartmentApiKey.objects.select_related("department__city").filter(prefix=key[3:11]).first()
    if found is None or found.revoked_at is not None or not hmac.compare_digest(found.key_hash, _key_hash(key)):
        return None
    found.last_used_at = timezone.now()
    DepartmentApiKey.objects.filter(pk=found.pk).update(last_used_at=found.last_used_at)
    return found
