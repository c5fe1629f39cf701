"""The registry's data-sharing interface for departments' systems (部门数据共享接口).

A department's system sends its key in `X-Api-Key` and reads a resident's facts by ID number, for
a stated purpose, under the same access rule as staff (residents.registry). Every answer is in
the resident's data tracker.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import APIKeyHeader

from core.schemas import ErrorOut
from residents.models import DepartmentApiKey, Resident, ResidentFact
from residents.registry import api_key_authenticate, facts_readable_by_department, purpose_clean


class DepartmentKeyAuth(APIKeyHeader):
    """A department's key: `X-Api-Key: ow_<prefix>_<secret>`. Unknown or revoked keys get 401."""

    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> DepartmentApiKey | None:
        return api_key_authenticate(key or "")


router = Router(tags=["registry"], auth=DepartmentKeyAuth())


class FactOut(Schema):
    category: str
    value: dict[str, Any]
    assurance: str
    source_department: str | None
    source_case: str | None
    version: int
    recorded_at: dt.datetime

    @staticmethod
    def from_fact(fact: ResidentFact) -> "FactOut":
        return FactOut(
            category=fact.category,
            value=fact.value,
            assurance=fact.assurance,
            source_department=fact.source_department.name if fact.source_department else None,
            source_case=fact.source_case.number if fact.source_case else None,
            version=fact.version,
            recorded_at=fact.recorded_at,
        )


class ResidentFactsOut(Schema):
    id_number_masked: str
    facts: list[FactOut]


@router.get(
    "/residents/{id_number}/facts",
    response={200: ResidentFactsOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def resident_facts(
    request: HttpRequest, id_number: str, purpose: str = "", categories: str = "", case: str = ""
) -> ResidentFactsOut:
    """A resident's current facts, for the key's department.

    `purpose` is required and shown to the resident; start it with "statutory:" and name the law and
    the task to read under a statutory duty. `categories` is a comma-separated list (all allowed
    when empty); `case` a case number your department handles. 403 when no case, statutory duty or
    consent allows the read; 404 when no resident of your city has this ID number.
    """
    api_key: DepartmentApiKey = request.auth  # type: ignore[attr-defined]
    department = api_key.department
    purpose = purpose_clean(purpose)
    resident = Resident.objects.select_related("community__subdistrict").get(
        city_id=department.city_id, id_number=id_number.strip().upper()
    )
    from cases.models import Case

    handled_case = Case.objects.filter(number=case.strip(), city_id=department.city_id).first() if case else None
    facts = facts_readable_by_department(
        department=department,
        resident=resident,
        purpose=purpose,
        case=handled_case,
        categories=[c.strip() for c in categories.split(",") if c.strip()] or None,
        api_key=api_key,
        request=request,
    )
    return ResidentFactsOut(
        id_number_masked=resident.id_number_masked, facts=[FactOut.from_fact(fact) for fact in facts.values()]
    )
