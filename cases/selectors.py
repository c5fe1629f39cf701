"""Who sees which cases. The one place that decides it; pages, the API and the resident
selector (a clerk may read a resident whose case is routed to him) all use it.

- a resident: his own cases, and those he filed for somebody else (proxy);
- a community worker: cases he filed and cases of residents of his community;
- a counter clerk: cases received at his centre, and the city-wide intake queue (cases waiting
  to be accepted, whichever district the resident lives in: 全市通办);
- a reviewer or approver: cases routed to his department;
- a district manager: cases routed to a department of his district or received in it;
- a city administrator: every case of the city; auditors and catalogue editors: none.
"""

import datetime as dt

from django.db.models import Q, QuerySet

from accounts.models import Role, User
from cases.models import Case, CaseStatus

AWAITING_INTAKE = (CaseStatus.SUBMITTED, CaseStatus.RESUBMITTED)


def cases_visible_to(viewer: User) -> QuerySet[Case]:
    base = Case.objects.select_related(
        "item_version", "resident__community__subdistrict__district", "handling_department", "receiving_centre"
    )
    if not viewer.is_authenticated or not viewer.is_active:
        return base.none()
    if viewer.role == Role.RESIDENT:
        return base.filter(Q(resident__user=viewer) | Q(created_by=viewer))
    if viewer.city_id is None:
        return base.none()
    in_city = base.filter(city_id=viewer.city_id)
    match viewer.role:
        case Role.CITY_ADMIN:
            return in_city
        case Role.COMMUNITY_WORKER:
            return in_city.filter(Q(created_by=viewer) | Q(resident__community_id=viewer.community_id))
        case Role.COUNTER_CLERK:
            intake = Q(status__in=AWAITING_INTAKE, accepted_at__isnull=True)
            return in_city.filter(Q(receiving_centre_id=viewer.service_centre_id) | Q(created_by=viewer) | intake)
        case Role.REVIEWER | Role.APPROVER:
            return in_city.filter(handling_department_id=viewer.department_id)
        case Role.DISTRICT_MANAGER:
            return in_city.filter(
                Q(handling_department__district_id=viewer.district_id)
                | Q(receiving_centre__district_id=viewer.district_id)
            )
    return base.none()


def case_get_for(*, viewer: User, number: str) -> Case:
    """One case by its number, or Case.DoesNotExist when the viewer may not see it."""
    return cases_visible_to(viewer).select_related("item", "created_by").get(number=number)


def cases_of_resident(*, viewer: User) -> QuerySet[Case]:
    return (
        cases_visible_to(viewer)
        .exclude(status=CaseStatus.DRAFT, created_by__isnull=True)
        .order_by("-created_at", "-id")
    )


def work_queue(*, viewer: User, status: str = "", colour: str = "", today: dt.date) -> QuerySet[Case]:
    """A staff member's queue, oldest due first. Colour is computed in the database from the
    stored due and warning dates, so the queue pages stay one query however large it grows."""
    cases = cases_visible_to(viewer).exclude(status__in=[CaseStatus.DRAFT, CaseStatus.CONCLUDED, CaseStatus.WITHDRAWN])
    if viewer.role == Role.COUNTER_CLERK:
        cases = cases.filter(status__in=[*AWAITING_INTAKE, CaseStatus.CORRECTION_REQUESTED])
    if status:
        cases = cases.filter(status=status)
    if colour == "red":
        cases = cases.filter(due_on__lt=today).exclude(status=CaseStatus.CORRECTION_REQUESTED)
    elif colour == "yellow":
        cases = cases.filter(warn_on__lte=today, due_on__gte=today).exclude(status=CaseStatus.CORRECTION_REQUESTED)
    elif colour == "green":
        cases = cases.filter(Q(warn_on__gt=today) | Q(warn_on__isnull=True)).exclude(
            status=CaseStatus.CORRECTION_REQUESTED
        )
    return cases.order_by("due_on", "submitted_at", "id")


def sla_colour_of(case: Case, today: dt.date) -> str:
    """green / yellow / red for a running clock; "paused" while the resident corrects; "" before acceptance."""
    if case.status == CaseStatus.CORRECTION_REQUESTED and case.accepted_on:
        return "paused"
    if case.due_on is None or case.status in (CaseStatus.CONCLUDED, CaseStatus.WITHDRAWN):
        return ""
    if today > case.due_on:
        return "red"
    if case.warn_on and today >= case.warn_on:
        return "yellow"
    return "green"


def form_data_masked(case: Case) -> dict[str, object]:
    """The case's form with ID numbers and mobiles masked, as every page and API answer shows it."""
    from core.identity import mask_citizen_id, mask_mobile

    masked: dict[str, object] = dict(case.form_data)
    for field in case.item_version.form_definition:
        name = field["name"]
        if name not in masked:
            continue
        if field["type"] == "id_number":
            masked[name] = mask_citizen_id(str(masked[name]))
        elif field.get("registry_fact") == "mobile":
            masked[name] = mask_mobile(str(masked[name]))
    return masked
