"""Demo registry for the demo city: a resident who once obtained a disability certificate and
receives the minimum allowance, so the "fill once" journey has something to reuse. Idempotent."""

import datetime as dt

from django.db import transaction

from core.models import Department
from licences.models import LicenceKind
from licences.selectors import licences_valid_for
from licences.services import licence_issue
from residents.models import Resident
from residents.registry import fact_record, facts_current

DEMO_MOBILE = "13900000001"


@transaction.atomic
def demo_registry_load(*, mobile: str = DEMO_MOBILE) -> list[str]:
    """Returns what was created (empty on a re-run)."""
    resident = Resident.objects.select_related("community__subdistrict__district").get(mobile=mobile)
    district_code = resident.community.subdistrict.district.code
    disabled_persons = Department.objects.get(code=f"{district_code}-disabled_persons")
    civil_affairs = Department.objects.get(code=f"{district_code}-civil_affairs")
    created = []
    if "disability_certificate" not in licences_valid_for(resident=resident):
        kind = LicenceKind.objects.get(code="disability_certificate")
        licence = licence_issue(
            actor=None, holder=resident, kind=kind, issuing_department=disabled_persons, valid_years=10,
            today=dt.date(2024, 5, 20),
        )  # fmt: skip
        created.append(f"licence {licence.number}")
    facts = facts_current(resident=resident)
    if "disability" not in facts:
        fact_record(
            actor=None, resident=resident, category="disability", value={"category": "肢体残疾", "grade": 2},
            assurance="verified", source_department=disabled_persons,
        )  # fmt: skip
        created.append("fact disability")
    if "minimum_allowance" not in facts:
        fact_record(
            actor=None, resident=resident, category="minimum_allowance",
            value={"receiving": True, "since": "2025-06-01"}, assurance="verified", source_department=civil_affairs,
        )  # fmt: skip
        created.append("fact minimum_allowance")
    return created
