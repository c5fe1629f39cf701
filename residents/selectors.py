"""Reads of resident data, bounded by the viewer's role and scope.

Scope rules (tested negatively in residents/tests/test_selectors.py):
- a resident sees only himself;
- a community worker sees the residents of his community;
- a counter clerk sees residents of his centre's district; a reviewer or approver those of his
  department's district (all of the city for a city-level department); a district manager those
  of his district; a city administrator the whole city;
- an auditor sees no resident record, only the audit trail.
Cases widen a staff member's scope to the residents whose cases he may see (a case filed at his
counter, or routed to his department): that union is made here, in `residents_visible_to`.
"""

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.models import Role, User
from audit.services import audit_record
from residents.models import Resident


def residents_visible_to(viewer: User) -> QuerySet[Resident]:
    base = Resident.objects.select_related("community__subdistrict__district", "household")
    if not viewer.is_authenticated or not viewer.is_active:
        return base.none()
    if viewer.role == Role.RESIDENT:
        return base.filter(user=viewer)
    if viewer.role == Role.AUDITOR or viewer.city_id is None:
        return base.none()
    in_city = base.filter(city_id=viewer.city_id)
    if viewer.role == Role.CITY_ADMIN:
        return in_city
    if viewer.role == Role.COMMUNITY_WORKER:
        return in_city.filter(community_id=viewer.community_id) if viewer.community_id else base.none()
    city_level_department = viewer.department_id and viewer.department.district_id is None  # type: ignore[union-attr]
    if viewer.role in (Role.REVIEWER, Role.APPROVER) and city_level_department:
        return in_city
    district = viewer.scope_district
    by_place = Q(community__subdistrict__district=district) if district is not None else Q(pk__in=[])
    return in_city.filter(by_place | Q(pk__in=_residents_with_cases_for(viewer)))


def _residents_with_cases_for(viewer: User) -> QuerySet[Resident]:
    from cases.selectors import cases_visible_to

    return Resident.objects.filter(cases__in=cases_visible_to(viewer).values("pk")).values("pk")  # type: ignore[return-value]


def resident_get_for(*, viewer: User, resident_id: int, purpose: str, request: HttpRequest | None = None) -> Resident:
    """One resident's record for a viewer, or Resident.DoesNotExist when outside his scope.

    A staff member's read is written to the audit trail with its purpose, so the resident can
    later see who looked at his data and why.
    """
    resident = residents_visible_to(viewer).get(pk=resident_id)
    if viewer.is_staff_member:
        audit_record(
            action="resident.read",
            actor=viewer,
            obj=resident,
            subject_resident_id=resident.pk,
            reason=purpose,
            request=request,
        )
    return resident
