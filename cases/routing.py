"""Routing, in one function: which department handles a case.

The item names the kind of department and the level: a city-level item goes to the city's
department of that kind; a district-level item to that of the resident's home district. Where a
case was received (any centre of the city) plays no part: that is city-wide handling (全市通办).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalogue.models import ServiceItem
from core.models import Department
from residents.models import Resident


def route_case(*, item: ServiceItem, resident: Resident) -> Department:
    departments = Department.objects.filter(city_id=item.city_id, kind=item.department_kind)
    if item.handling_level == Department.Level.DISTRICT:
        department = departments.filter(district_id=resident.community.subdistrict.district_id).first()
    else:
        department = departments.filter(district__isnull=True).first()
    if department is None:
        raise ValidationError(
            _("No department handles this service for the resident's district yet; please call 12345."),
            code="no_handling_department",
        )
    return department
