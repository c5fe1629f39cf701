import contextlib
import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from audit.services import audit_record
from cases import services
from cases.forms import ApplicationForm, CorrectionForm, ReasonForm, ResidentLookupForm, TransferForm
from cases.intake import (
    case_attach_material,
    case_confirm_proxy,
    case_create_idempotent,
    case_start,
    case_submit,
    may_file_for,
    stand_ins_for,
)
from cases.models import Case, CaseMaterial, CaseStatus
from cases.prefill import prefill_for, prefill_with_sources
from cases.selectors import case_get_for, cases_of_resident, sla_colour_of, work_queue
from cases.uploads import open_stored
from cases.workflow import OPEN_STATUSES
from catalogue.form_definition import field_label
from catalogue.models import ServiceItem
from core.http import digits_or_zero as _digits
from core.http import role_required
from core.identity import mask_citizen_id, mask_mobile
from core.models import Department
from core.tenancy import current_city
from core.workdays import years_without_calendar
from residents.models import Resident
from residents.registry import facts_readable_by


def _actor(request: HttpRequest) -> User:
    """Views behind login: the user is a real account."""
    return cast(User, request.user)


INTAKE_SESSION_KEY = "intake_residents"


def intake_remember(request: HttpRequest, resident_id: int) -> None:
    """The residents this clerk has in front of him (the last 20)."""
    found = [pk for pk in request.session.get(INTAKE_SESSION_KEY, []) if pk != resident_id][-19:]
    request.session[INTAKE_SESSION_KEY] = [*found, resident_id]


def _resident_of_called_ticket(request: HttpRequest, ticket_id: int) -> Resident | None:
    """From the calling desk: the resident of a ticket this clerk's centre is serving."""
    from appointments.models import QueueTicket

    user = _actor(request)
    ticket = (
        QueueTicket.objects.filter(
            pk=ticket_id, centre_id=user.service_centre_id, status__in=["called", "serving"], resident__isnull=False
        )
        .select_related("resident__community__subdistrict__district")
        .first()
    )
    return ticket.resident if ticket else None


QUEUE_ROLES = (Role.COUNTER_CLERK, Role.REVIEWER, Role.APPROVER, Role.DISTRICT_MANAGER, Role.CITY_ADMIN)


def _case_or_404(request: HttpRequest, number: str) -> Case:
    try:
        return case_get_for(viewer=_actor(request), number=number)  # type: ignore[arg-type]
    except Case.DoesNotExist:
        raise Http404


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _attach_files(request: HttpRequest, case: Case) -> list[str]:
    """Attach every uploaded file; a refused file is reported by name and the others are kept."""
    problems = []
    for key in request.FILES:
        slot = key.removeprefix("material_")
        purpose = "authorisation" if key == "authorisation" else ""
        for upload in request.FILES.getlist(key):
            try:
                case_attach_material(
                    actor=_actor(request),
                    case=case,
                    required_material_id=int(slot) if slot.isdigit() else None,
                    name=upload.name or "",
                    stream=upload,
                    purpose=purpose,
                )
            except ValidationError as exc:
                problems.extend(_errors(exc))
    return problems


@login_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """Start an application from an item's guide: for oneself, or (clerks, proxies) for ?resident=."""
    item = get_object_or_404(ServiceItem.objects.published(), city=current_city(request), code=code)
    resident = _applicant_resident(request)
    if request.method == "POST":
        key = request.POST.get("submission_key") or uuid.uuid4().hex
        case, _created = case_create_idempotent(
            actor=_actor(request),
            key=f"web:{key}",
            payload={"item": code, "resident": resident.pk},
            create=lambda: case_start(actor=_actor(request), item=item, resident=resident, request=request),  # type: ignore[arg-type]
        )
        return _save_and_submit(request, case)
    return _render_edit(request, None, item=item, resident=resident)


def _applicant_resident(request: HttpRequest) -> Resident:
    wanted = request.GET.get("resident") or request.POST.get("resident")
    if wanted:
        resident = Resident.objects.filter(pk=_digits(wanted), city=current_city(request)).first()
    else:
        resident = Resident.objects.filter(user=_actor(request)).first()
    if resident is None:
        raise Http404
    if may_file_for(request.user, resident) is None:  # type: ignore[arg-type]
        raise PermissionDenied
    user = _actor(request)
    if user.role == Role.COUNTER_CLERK and resident.pk not in request.session.get(INTAKE_SESSION_KEY, []):
        # A clerk files for the resident in front of him: found at the intake desk by his full ID
        # number (an audited lookup), not by walking through record numbers.
        raise PermissionDenied
    if resident.user_id != user.pk:
        audit_record(
            action="case.prefill_read", actor=user, subject_resident_id=resident.pk,
            reason=_("Application on behalf of the resident"), request=request,
        )  # fmt: skip
    return resident


def _render_edit(
    request: HttpRequest,
    case: Case | None,
    *,
    item: ServiceItem,
    resident: Resident,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    version = case.item_version if case else item.current_version
    assert version is not None
    initial = case.form_data if case and case.form_data else prefill_for(resident, version.form_definition)
    form = (
        ApplicationForm(request.POST or None, version=version, initial=initial)
        if case is None or request.method != "POST"
        else ApplicationForm(request.POST, version=version)
    )
    prefilled = prefill_with_sources(resident, version.form_definition, registry=resident.user_id == request.user.pk)
    context = {
        "item": item,
        "version": version,
        "resident": resident,
        "case": case,
        "form": form,
        "prefilled": prefilled,
        "prefill_rows": [
            (field_label(f), prefilled[f["name"]][1]) for f in version.form_definition if f["name"] in prefilled
        ],
        "stand_ins": stand_ins_for(resident, version),
        "materials": version.materials.all(),
        "attached": case.materials.filter(superseded=False) if case else [],
        "problems": problems or [],
        "submission_key": uuid.uuid4().hex,
    }
    return render(request, "cases/edit.html", context, status=status)


def _save_and_submit(request: HttpRequest, case: Case) -> HttpResponse:
    if case.status != CaseStatus.DRAFT:
        return redirect("cases:detail", number=case.number)
    problems = _attach_files(request, case)
    version = case.item_version
    form = ApplicationForm(request.POST, version=version)
    prefill = prefill_for(case.resident, version.form_definition)
    try:
        if problems:
            raise ValidationError(problems)
        case_submit(actor=_actor(request), case=case, form_data=form.values(), prefill=prefill, request=request)  # type: ignore[arg-type]
    except ValidationError as exc:
        with transaction.atomic():
            Case.objects.filter(pk=case.pk, status=CaseStatus.DRAFT).update(form_data=form.values())
        case.refresh_from_db()
        return _render_edit(
            request, case, item=case.item, resident=case.resident, problems=problems or _errors(exc), status=400
        )
    messages.success(request, _("Your application %(number)s has been submitted.") % {"number": case.number})
    return redirect("cases:detail", number=case.number)


@login_required
def edit(request: HttpRequest, number: str) -> HttpResponse:
    """Finish a draft: nothing uploaded is lost when a submission is refused."""
    case = _case_or_404(request, number)
    if case.status != CaseStatus.DRAFT:
        return redirect("cases:detail", number=case.number)
    if request.method == "POST":
        return _save_and_submit(request, case)
    return _render_edit(request, case, item=case.item, resident=case.resident)


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    page = Paginator(cases_of_resident(viewer=_actor(request)), 20).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    return render(request, "cases/my_cases.html", {"page": page, "today": timezone.localdate()})


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    user = request.user
    today = timezone.localdate()
    if user.is_staff_member:  # type: ignore[union-attr]
        audit_record(action="case.read", actor=user, obj=case, subject_resident_id=case.resident_id, request=request)  # type: ignore[arg-type]
    correction_form = CorrectionForm()
    correction_form.fields["materials"].choices = [(m.pk, m.name) for m in case.item_version.materials.all()]  # type: ignore[attr-defined]
    transfer_form = TransferForm()
    other_departments = Department.objects.filter(city_id=case.city_id).exclude(pk=case.handling_department_id)
    transfer_form.fields["department"].queryset = other_departments  # type: ignore[attr-defined]
    facts = {}
    if user.is_staff_member and user.department_id == case.handling_department_id:  # type: ignore[union-attr]
        # The handling department reads the registry for this case; the read shows on the resident's tracker.
        with contextlib.suppress(PermissionDenied):
            facts = facts_readable_by(
                viewer=_actor(request), resident=case.resident, purpose=_("Case %(number)s") % {"number": case.number},
                case=case, request=request,
            )  # fmt: skip
    context = {
        "facts": facts,
        "case": case,
        "history": case.history.select_related("actor"),
        "materials": case.materials.select_related("required_material").order_by("superseded", "id"),
        "colour": sla_colour_of(case, today),
        "is_applicant": user.pk in (case.created_by_id, case.resident.user_id),
        "can_withdraw": case.status in OPEN_STATUSES or case.status == CaseStatus.DRAFT,
        "correction_form": correction_form,
        "reason_form": ReasonForm(),
        "transfer_form": transfer_form,
        "calendar_warning": years_without_calendar(today, case.due_on) if case.due_on else [],
        "wanted": case.correction_request.get("materials", []),
        "form_rows": form_rows(case),
    }
    return render(request, "cases/detail.html", context)


def form_rows(case: Case) -> list[tuple[str, object]]:
    """The form as (label, value), with ID numbers and mobiles masked like everywhere else."""
    rows = []
    for field in case.item_version.form_definition:
        if field["name"] not in case.form_data:
            continue
        value = case.form_data[field["name"]]
        if field["type"] == "id_number":
            value = mask_citizen_id(str(value))
        elif field.get("registry_fact") == "mobile":
            value = mask_mobile(str(value))
        rows.append((field_label(field), value))
    return rows


ACTIONS = {
    "accept": lambda r, c: services.case_accept(actor=r.user, case=c, request=r),
    "start_review": lambda r, c: services.case_start_review(actor=r.user, case=c, request=r),
    "approve": lambda r, c: services.case_approve(actor=r.user, case=c, reason=r.POST.get("reason", ""), request=r),
    "reject": lambda r, c: services.case_reject(actor=r.user, case=c, reason=r.POST.get("reason", ""), request=r),
    "withdraw": lambda r, c: services.case_withdraw(actor=r.user, case=c, reason=r.POST.get("reason", ""), request=r),
    "request_correction": lambda r, c: services.case_request_correction(
        actor=r.user, case=c, message=r.POST.get("message", ""),
        material_ids=[int(m) for m in r.POST.getlist("materials") if m.isdigit()], request=r,
    ),
    "transfer": lambda r, c: services.case_transfer(
        actor=r.user, case=c, reason=r.POST.get("reason", ""), request=r,
        department=get_object_or_404(Department, pk=_digits(r.POST.get("department")), city_id=c.city_id),
    ),
    "resubmit": lambda r, c: _resubmit(r, c),
    "confirm_proxy": lambda r, c: case_confirm_proxy(actor=r.user, case=c),
}  # fmt: skip


def _resubmit(request: HttpRequest, case: Case) -> Case:
    problems = _attach_files(request, case)
    if problems:
        raise ValidationError(problems)
    return services.case_resubmit(actor=_actor(request), case=case, request=request)  # type: ignore[arg-type]


@require_POST
@login_required
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One transition of one case; refusals come back as a message on the case page."""
    if action not in ACTIONS:
        raise Http404
    case = _case_or_404(request, number)
    try:
        ACTIONS[action](request, case)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You are not allowed to do this."))
    else:
        messages.success(request, _("Done."))
    return redirect("cases:detail", number=case.number)


@login_required
def material_file(request: HttpRequest, number: str, material_id: int, thumbnail: bool = False) -> FileResponse:
    """Materials are served only to who may see the case, never from the web root."""
    case = _case_or_404(request, number)
    material = get_object_or_404(CaseMaterial, pk=material_id, case=case)
    path = material.thumbnail_path if thumbnail and material.thumbnail_path else material.path
    if not path:
        raise Http404
    if request.user.is_staff_member:  # type: ignore[union-attr]
        audit_record(
            action="case.material_read",
            actor=_actor(request),
            obj=case,
            subject_resident_id=case.resident_id,
            request=request,
        )  # type: ignore[arg-type]
    response = FileResponse(open_stored(path), content_type="image/jpeg" if thumbnail else material.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*QUEUE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    status, colour = request.GET.get("status", ""), request.GET.get("colour", "")
    cases = work_queue(viewer=_actor(request), status=status, colour=colour, today=today)  # type: ignore[arg-type]
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    rows = [(case, sla_colour_of(case, today)) for case in page]
    context = {"page": page, "rows": rows, "status": status, "colour": colour, "statuses": CaseStatus.choices}
    return render(request, "cases/queue.html", context)


@role_required(Role.COUNTER_CLERK, Role.COMMUNITY_WORKER)
def intake(request: HttpRequest) -> HttpResponse:
    """The one-window workbench: find the walk-in resident by ID number, whatever his district.

    The ID number is posted, never put in a URL (access logs, history); a resident found (or just
    registered, or called from the queue) is remembered in the clerk's session, and only those can
    be opened by record number (`?resident=`).
    """
    form = ResidentLookupForm(request.POST or None)
    resident = None
    city = current_city(request)
    residents = Resident.objects.filter(city=city).select_related("community__subdistrict__district")
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["id_number"].strip().upper()
        resident = residents.filter(id_number=number).first()
        audit_record(
            action="resident.lookup",
            actor=_actor(request),
            subject_resident_id=resident.pk if resident else None,
            reason=_("Counter intake"),
            request=request,
        )
        if resident is None:
            form.add_error("id_number", _("No resident with this ID number. Register him first."))
    elif request.GET.get("ticket"):
        resident = _resident_of_called_ticket(request, _digits(request.GET["ticket"]))
    elif request.GET.get("resident"):
        wanted = _digits(request.GET["resident"])
        if wanted in request.session.get(INTAKE_SESSION_KEY, []):
            resident = residents.filter(pk=wanted).first()
    if resident is not None:
        intake_remember(request, resident.pk)
    items = ServiceItem.objects.filter(city=current_city(request)).published().order_by("code") if resident else []
    return render(request, "cases/intake.html", {"form": form, "resident": resident, "items": items})
