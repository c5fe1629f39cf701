"""Intake: starting a case from any channel, filling it, attaching materials, submitting it.

Online (the resident himself), at a counter (a clerk of any centre, for any resident of the city),
by a community worker or a relative as proxy (代办, with the resident's authorisation) — all go
through these same functions. A submission exists completely or not at all.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record
from cases.models import (
    Authorisation,
    Case,
    CaseHistory,
    CaseMaterial,
    CaseNumberCounter,
    CaseStatus,
    Channel,
    IdempotencyKey,
    MaterialSource,
    TrustLevel,
)
from cases.notices import applicants, case_notify
from cases.routing import route_case
from cases.uploads import inspect_upload, store_upload
from cases.workflow import target_status
from catalogue.form_definition import form_data_clean
from catalogue.models import ItemKind, ServiceItem, ServiceItemVersion
from core.errors import Conflict
from licences.selectors import licences_valid_for
from residents.models import Resident
from residents.registry import facts_current

CHANNEL_OF_ROLE = {
    Role.RESIDENT: Channel.ONLINE,
    Role.COUNTER_CLERK: Channel.COUNTER,
    Role.COMMUNITY_WORKER: Channel.COMMUNITY_WORKER,
}


def _next_number(city_id: int, prefix: str, today: dt.date) -> str:
    """XA-20261129-000123: unique in the city and never reused.

    PostgreSQL draws from a sequence (no lock, never rolled back: a failed submission leaves a gap,
    not a duplicate); SQLite, which has one writer at a time anyway, counts per city and day.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('cases_case_number_seq')")
            (value,) = cursor.fetchone()
        return f"{prefix}-{today:%Y%m%d}-{value:06d}"
    counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(city_id=city_id, day=today)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{today:%Y%m%d}-{counter.last:06d}"


def may_file_for(actor: User, resident: Resident) -> Authorisation | None:
    """Whether `actor` may open a case for `resident`, and how the resident's consent is shown.

    Himself: no authorisation needed. A clerk at a counter: the resident is in front of him
    (city-wide). A community worker for residents of his community, and a relative of the same
    household: as proxies, with a signed authorisation or the resident's online confirmation.
    """
    if resident.city_id != actor.city_id:
        return None
    if actor.role == Role.RESIDENT:
        own = Resident.objects.filter(user=actor).first()
        if own is not None and own.pk == resident.pk:
            return Authorisation.SELF
        if own is not None and own.household_id and own.household_id == resident.household_id:
            return Authorisation.ONLINE_GRANT
        return None
    if actor.role == Role.COUNTER_CLERK:
        return Authorisation.SELF
    if actor.role == Role.COMMUNITY_WORKER and resident.community_id == actor.community_id:
        return Authorisation.ONLINE_GRANT
    return None


@transaction.atomic
def case_start(
    *,
    actor: User,
    item: ServiceItem,
    resident: Resident,
    authorisation: str | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """A draft case for the item's published version, routed to its handling department."""
    allowed = may_file_for(actor, resident)
    if allowed is None:
        raise PermissionDenied(_("You may not apply for this resident."))
    if item.current_version is None or item.city_id != resident.city_id:
        raise ValidationError(_("This service cannot be applied for."), code="item_not_published")
    if allowed != Authorisation.SELF:
        allowed = Authorisation(authorisation or allowed)
        if allowed == Authorisation.SELF:
            raise ValidationError(_("A proxy application needs the resident's authorisation."), code="authorisation")
    now = timezone.now()
    case = Case.objects.create(
        city_id=resident.city_id,
        number=_next_number(resident.city_id, resident.city.case_prefix, timezone.localdate(now)),
        item=item,
        item_version=item.current_version,
        resident=resident,
        created_by=actor,
        channel=CHANNEL_OF_ROLE.get(actor.role, Channel.ONLINE),  # type: ignore[call-overload]
        authorisation=allowed,
        handling_department=route_case(item=item, resident=resident),
        receiving_centre=actor.service_centre if actor.role == Role.COUNTER_CLERK else None,
    )
    CaseHistory.objects.create(case=case, action="start", to_status=CaseStatus.DRAFT, actor=actor)
    audit_record(action="case.start", actor=actor, obj=case, subject_resident_id=resident.pk, request=request)
    return case


def _require_applicant(actor: User, case: Case) -> None:
    if actor.pk not in (case.created_by_id, case.resident.user_id):
        raise PermissionDenied(_("Only the applicant can do this."))


@transaction.atomic
def case_attach_material(
    *,
    actor: User,
    case: Case,
    required_material_id: int | None,
    name: str,
    stream: IO[bytes] | bytes,
    purpose: str = "",
) -> CaseMaterial:
    """Check a file by its content and keep it with the case (a draft, or one under correction).

    A refused file raises UploadRejected naming the file and the reason; nothing else changes.
    """
    _require_applicant(actor, case)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.CORRECTION_REQUESTED):
        raise ValidationError(_("Materials can only be added to a draft or a case under correction."), code="locked")
    valid_slots = set(case.item_version.materials.values_list("pk", flat=True))
    if required_material_id is not None and required_material_id not in valid_slots:
        raise ValidationError(_("This material does not belong to the service."), code="unknown_material")
    inspected = inspect_upload(name=name, stream=stream)
    stored = store_upload(inspected)
    material = CaseMaterial.objects.create(
        case=case,
        required_material_id=required_material_id,
        source=MaterialSource.AUTHORISATION if purpose == "authorisation" else MaterialSource.UPLOAD,
        trust_level=TrustLevel.B if actor.role == Role.COUNTER_CLERK else TrustLevel.C,
        original_name=inspected.original_name,
        path=stored.path,
        thumbnail_path=stored.thumbnail_path or "",
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by=actor,
    )
    audit_record(action="case.material_attach", actor=actor, obj=case, subject_resident_id=case.resident_id)
    return material


def stand_ins(case: Case) -> dict[int, tuple[str, str]]:
    return stand_ins_for(case.resident, case.item_version)


def stand_ins_for(resident: Resident, version: ServiceItemVersion) -> dict[int, tuple[str, str]]:
    """Required materials the platform already holds for this resident: slot → (source, label).

    A valid e-licence of the named kind, or a fact of the named category in the shared registry,
    stands in for the paper: no upload, trust level A.
    """
    held = licences_valid_for(resident=resident)
    facts = facts_current(resident=resident)
    found: dict[int, tuple[str, str]] = {}
    for material in version.materials.select_related("licence_kind"):
        if material.licence_kind_id and material.licence_kind.code in held:  # type: ignore[union-attr]
            licence = held[material.licence_kind.code]  # type: ignore[union-attr]
            found[material.pk] = (MaterialSource.E_LICENCE, f"{licence.kind.name} {licence.number}")
        elif material.registry_fact == "identity":
            # The real-name record itself: checked against the ID number at registration.
            found[material.pk] = (MaterialSource.REGISTRY, f"{material.name} · {_('real-name record')}")
        elif material.registry_fact == "household" and resident.household_id:
            found[material.pk] = (MaterialSource.REGISTRY, f"{material.name} · {resident.household.address}")  # type: ignore[union-attr]
        elif material.registry_fact and material.registry_fact.split(".")[0] in facts:
            fact = facts[material.registry_fact.split(".")[0]]
            source = fact.source_department.name if fact.source_department else fact.get_assurance_display()
            found[material.pk] = (MaterialSource.REGISTRY, f"{material.name} · {source}")
    return found


def missing_materials(case: Case, available: dict[int, tuple[str, str]] | None = None) -> list[str]:
    """Names of required materials that still need a file (nothing held stands in for them)."""
    available = stand_ins(case) if available is None else available
    uploaded = set(
        case.materials.filter(superseded=False, source=MaterialSource.UPLOAD).values_list(
            "required_material_id", flat=True
        )
    )
    return [
        m.name
        for m in case.item_version.materials.all()
        if m.required and m.pk not in uploaded and m.pk not in available
    ]


def count_prefilled(case: Case, prefill: dict[str, Any]) -> tuple[int, int]:
    """How many form values came pre-filled and unchanged, and how many the applicant typed."""
    prefilled = sum(1 for k, v in case.form_data.items() if k in prefill and prefill[k] == v)
    return prefilled, len(case.form_data) - prefilled


@transaction.atomic
def case_submit(
    *,
    actor: User,
    case: Case,
    form_data: dict[str, Any],
    prefill: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Validate everything, then submit: the case is complete or nothing changes."""
    case = Case.objects.select_for_update(of=("self",)).select_related("item_version", "resident__user").get(pk=case.pk)
    _require_applicant(actor, case)
    new_status = target_status("submit", case.status)
    errors: dict[str, Any] = {}
    try:
        cleaned = form_data_clean(case.item_version.form_definition, form_data)
    except ValidationError as exc:
        errors.update(exc.error_dict)
        cleaned = {}
    available = stand_ins(case)
    missing = missing_materials(case, available)
    if missing:
        errors["materials"] = [
            ValidationError(_("Please add: %(names)s.") % {"names": "、".join(missing)}, code="materials_missing")
        ]
    if (
        case.authorisation == Authorisation.SIGNED_DOCUMENT
        and not case.materials.filter(source=MaterialSource.AUTHORISATION).exists()
    ):
        errors["authorisation"] = [
            ValidationError(_("Please upload the resident's signed authorisation."), code="authorisation_missing")
        ]
    if errors:
        raise ValidationError(errors)
    case.form_data = cleaned
    case.fields_prefilled, case.fields_typed = count_prefilled(case, prefill or {})
    for slot, (source, label) in available.items():
        CaseMaterial.objects.get_or_create(
            case=case,
            required_material_id=slot,
            source=source,
            defaults={"trust_level": TrustLevel.A, "uploaded_by": actor, "original_name": label[:120]},
        )
    case.status, case.submitted_at = new_status, timezone.now()
    case.save(update_fields=["form_data", "fields_prefilled", "fields_typed", "status", "submitted_at", "updated_at"])
    CaseHistory.objects.create(
        case=case, action="submit", from_status=CaseStatus.DRAFT, to_status=new_status, actor=actor
    )
    audit_record(action="case.submit", actor=actor, obj=case, subject_resident_id=case.resident_id, request=request)
    case_notify(case, "submitted", applicants(case))
    if case.authorisation == Authorisation.ONLINE_GRANT and case.resident.user_id:
        case_notify(case, "proxy_confirm", [case.resident.user], sms=True)  # type: ignore[list-item]
    if case.item_version.kind == ItemKind.INSTANT and case.item_version.decision_rules:
        from cases.services import case_decide_instantly

        case = case_decide_instantly(case=case)
    return case


@transaction.atomic
def case_confirm_proxy(*, actor: User, case: Case) -> Case:
    """The resident confirms online that the proxy may apply for him."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if case.resident.user_id != actor.pk:
        raise PermissionDenied(_("Only the resident concerned can confirm."))
    if case.authorisation != Authorisation.ONLINE_GRANT:
        raise ValidationError(_("This case needs no confirmation."), code="no_confirmation_needed")
    if case.proxy_confirmed_at is None:
        case.proxy_confirmed_at = timezone.now()
        case.save(update_fields=["proxy_confirmed_at", "updated_at"])
        CaseHistory.objects.create(
            case=case, action="confirm_proxy", from_status=case.status, to_status=case.status, actor=actor
        )
        audit_record(action="case.confirm_proxy", actor=actor, obj=case, subject_resident_id=case.resident_id)
    return case


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def case_create_idempotent(
    *, actor: User, key: str, payload: dict[str, Any], create: Callable[[], Case]
) -> tuple[Case, bool]:
    """Run `create` once per (user, key). The same key and body return the original case; the
    same key with another body is refused (422); a concurrent duplicate gets a conflict (409)."""
    key = key.strip()[:80]
    if not key:
        raise ValidationError(_("An Idempotency-Key is required."), code="idempotency_key_missing")
    digest = request_hash(payload)
    existing = IdempotencyKey.objects.filter(user=actor, key=key).select_related("case").first()
    if existing is not None:
        if existing.request_hash != digest:
            raise ValidationError(
                _("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused"
            )
        return existing.case, False
    try:
        with transaction.atomic():
            case = create()
            IdempotencyKey.objects.create(user=actor, key=key, request_hash=digest, case=case)
    except IntegrityError:
        raise Conflict(_("The same request is already being processed; retry shortly."), code="idempotency_conflict")
    return case, True
