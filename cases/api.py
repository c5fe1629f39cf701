"""Cases API: residents file and follow their cases; staff work their queue. Every write is the
same service the pages use; every error is JSON with a stable code."""

import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from ninja.security import django_auth

from accounts.models import User
from audit.services import audit_record
from cases import services
from cases.intake import case_attach_material, case_create_idempotent, case_start, case_submit, may_file_for
from cases.models import Case, CaseMaterial
from cases.prefill import prefill_for
from cases.selectors import case_get_for, cases_of_resident, form_data_masked, sla_colour_of, work_queue
from catalogue.models import ServiceItem
from core.models import Department
from core.schemas import ERRORS_READ, ERRORS_WRITE
from residents.models import Resident


def _actor(request: HttpRequest) -> User:
    """Views behind login: the user is a real account."""
    return cast(User, request.user)


router = Router(tags=["cases"], auth=django_auth)


class CaseIn(Schema):
    item_code: str
    resident_id: int | None = None
    form_data: dict[str, Any] = {}
    submit: bool = False


class MaterialOut(Schema):
    id: int
    required_material_id: int | None
    source: str
    trust_level: str
    original_name: str
    content_type: str
    size: int
    superseded: bool

    @staticmethod
    def of(m: CaseMaterial) -> "MaterialOut":
        return MaterialOut(
            id=m.pk,
            required_material_id=m.required_material_id,
            source=m.source,
            trust_level=m.trust_level,
            original_name=m.original_name,
            content_type=m.content_type,
            size=m.size,
            superseded=m.superseded,
        )


class CaseOut(Schema):
    number: str
    item_code: str
    item_name: str
    item_version: int
    status: str
    outcome: str
    channel: str
    handling_department: str
    submitted_at: dt.datetime | None
    accepted_on: dt.date | None
    due_on: dt.date | None
    sla: str
    correction_request: dict[str, Any]
    form_data: dict[str, Any]

    @staticmethod
    def of(case: Case) -> "CaseOut":
        return CaseOut(
            number=case.number,
            item_code=case.item.code,
            item_name=case.item_version.name,
            item_version=case.item_version.number,
            status=case.status,
            outcome=case.outcome,
            channel=case.channel,
            handling_department=case.handling_department.name,
            submitted_at=case.submitted_at,
            accepted_on=case.accepted_on,
            due_on=case.due_on,
            sla=sla_colour_of(case, timezone.localdate()),
            correction_request=case.correction_request,
            form_data=form_data_masked(case),
        )


class SubmitIn(Schema):
    form_data: dict[str, Any] = {}


class ReasonIn(Schema):
    reason: str = ""


class CorrectionIn(Schema):
    message: str
    material_ids: list[int] = []


class TransferIn(Schema):
    department_id: int
    reason: str


def clamp(offset: int) -> int:
    """Paging offsets stay in a range the database can take (a huge one is a 500 otherwise)."""
    return max(0, min(offset, 1_000_000))


def _case(request: HttpRequest, number: str) -> Case:
    return case_get_for(viewer=_actor(request), number=number)


@router.post("", response={200: CaseOut, 201: CaseOut, **ERRORS_WRITE})
def case_create(request: HttpRequest, payload: CaseIn) -> Status:
    """Start (and with `submit`, submit) an application. Send an `Idempotency-Key` header: the same
    key and body return the original case (200); the same key with another body is 422; a
    concurrent duplicate is 409."""
    user = _actor(request)
    resident = (
        get_object_or_404(Resident, pk=payload.resident_id)
        if payload.resident_id
        else Resident.objects.get(user=_actor(request))
    )
    item = get_object_or_404(ServiceItem.objects.published(), city_id=resident.city_id, code=payload.item_code)

    def create() -> Case:
        case = case_start(actor=user, item=item, resident=resident, request=request)
        if payload.submit:
            prefill = prefill_for(resident, case.item_version.form_definition)
            case = case_submit(actor=user, case=case, form_data=payload.form_data, prefill=prefill, request=request)
        else:
            Case.objects.filter(pk=case.pk).update(form_data=payload.form_data)
        return case

    if may_file_for(user, resident) is None:
        raise Resident.DoesNotExist
    case, created = case_create_idempotent(
        actor=user,
        key=request.headers.get("Idempotency-Key", ""),
        payload=payload.dict(),
        create=create,
    )
    case.refresh_from_db()
    return Status(201 if created else 200, CaseOut.of(case))


@router.post("/{number}/materials", response={201: MaterialOut, **ERRORS_WRITE})
def material_upload(
    request: HttpRequest, number: str, file: File[UploadedFile], required_material_id: Form[int | None] = None
) -> Status:
    """Attach a photo or PDF (checked by content; 422 names the file and the reason)."""
    material = case_attach_material(
        actor=_actor(request),
        case=_case(request, number),
        required_material_id=required_material_id,
        name=file.name or "",
        stream=file,
    )
    return Status(201, MaterialOut.of(material))


@router.post("/{number}/submit", response={200: CaseOut, **ERRORS_WRITE})
def submit(request: HttpRequest, number: str, payload: SubmitIn) -> CaseOut:
    """Submit a draft: 422 lists every missing field and material; nothing changes then."""
    case = _case(request, number)
    prefill = prefill_for(case.resident, case.item_version.form_definition)
    case = case_submit(actor=_actor(request), case=case, form_data=payload.form_data, prefill=prefill, request=request)
    return CaseOut.of(case)


@router.get("", response={200: list[CaseOut], **ERRORS_READ})
def my_cases(request: HttpRequest, offset: int = 0, limit: int = 20) -> list[CaseOut]:
    limit = max(1, min(limit, 100))
    cases = cases_of_resident(viewer=_actor(request)).select_related("item")[clamp(offset) : clamp(offset) + limit]
    return [CaseOut.of(c) for c in cases]


@router.get("/queue", response={200: list[CaseOut], **ERRORS_READ})
def queue(request: HttpRequest, status: str = "", colour: str = "", offset: int = 0, limit: int = 25) -> list[CaseOut]:
    """The staff member's work queue, oldest due first."""
    limit = max(1, min(limit, 100))
    cases = work_queue(viewer=_actor(request), status=status, colour=colour, today=timezone.localdate())
    return [CaseOut.of(c) for c in cases.select_related("item")[clamp(offset) : clamp(offset) + limit]]


@router.get("/{number}", response={200: CaseOut, **ERRORS_READ})
def case_detail(request: HttpRequest, number: str) -> CaseOut:
    """One case (form values masked). A staff member's read lands in the audit trail and on the
    resident's data tracker, as on the case page."""
    case = _case(request, number)
    _audit_staff_read(request, case)
    return CaseOut.of(case)


def _audit_staff_read(request: HttpRequest, case: Case) -> None:
    user = _actor(request)
    if user.is_staff_member:
        audit_record(action="case.read", actor=user, obj=case, subject_resident_id=case.resident_id, request=request)


@router.get("/{number}/materials", response={200: list[MaterialOut], **ERRORS_READ})
def materials(request: HttpRequest, number: str) -> list[MaterialOut]:
    case = _case(request, number)
    _audit_staff_read(request, case)
    return [MaterialOut.of(m) for m in case.materials.all()]


@router.post("/{number}/accept", response={200: CaseOut, **ERRORS_WRITE})
def accept(request: HttpRequest, number: str) -> CaseOut:
    return CaseOut.of(services.case_accept(actor=_actor(request), case=_case(request, number), request=request))


@router.post("/{number}/request-correction", response={200: CaseOut, **ERRORS_WRITE})
def request_correction(request: HttpRequest, number: str, payload: CorrectionIn) -> CaseOut:
    case = services.case_request_correction(
        actor=_actor(request),
        case=_case(request, number),
        message=payload.message,
        material_ids=payload.material_ids,
        request=request,
    )
    return CaseOut.of(case)


@router.post("/{number}/resubmit", response={200: CaseOut, **ERRORS_WRITE})
def resubmit(request: HttpRequest, number: str) -> CaseOut:
    return CaseOut.of(services.case_resubmit(actor=_actor(request), case=_case(request, number), request=request))


@router.post("/{number}/start-review", response={200: CaseOut, **ERRORS_WRITE})
def start_review(request: HttpRequest, number: str) -> CaseOut:
    return CaseOut.of(services.case_start_review(actor=_actor(request), case=_case(request, number), request=request))


@router.post("/{number}/approve", response={200: CaseOut, **ERRORS_WRITE})
def approve(request: HttpRequest, number: str, payload: ReasonIn) -> CaseOut:
    case = services.case_approve(
        actor=_actor(request), case=_case(request, number), reason=payload.reason, request=request
    )
    return CaseOut.of(case)


@router.post("/{number}/reject", response={200: CaseOut, **ERRORS_WRITE})
def reject(request: HttpRequest, number: str, payload: ReasonIn) -> CaseOut:
    case = services.case_reject(
        actor=_actor(request), case=_case(request, number), reason=payload.reason, request=request
    )
    return CaseOut.of(case)


@router.post("/{number}/withdraw", response={200: CaseOut, **ERRORS_WRITE})
def withdraw(request: HttpRequest, number: str, payload: ReasonIn) -> CaseOut:
    case = services.case_withdraw(
        actor=_actor(request), case=_case(request, number), reason=payload.reason, request=request
    )
    return CaseOut.of(case)


@router.post("/{number}/transfer", response={200: CaseOut, **ERRORS_WRITE})
def transfer(request: HttpRequest, number: str, payload: TransferIn) -> CaseOut:
    case = _case(request, number)
    department = get_object_or_404(Department, pk=payload.department_id, city_id=case.city_id)
    case = services.case_transfer(
        actor=_actor(request), case=case, department=department, reason=payload.reason, request=request
    )
    return CaseOut.of(case)
