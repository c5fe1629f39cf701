"""What a concluded case establishes, written back to the shared registry so the next case needs
none of it: the licence it issued, and the facts that licence proves.

Which facts an approval proves is data of the licence kind (LICENCE_FACTS); the values come from
the application form where the form has the matching field (e.g. `disability_grade`).
"""

from typing import Any

from django.utils import timezone

from cases.models import Case
from licences.models import Licence
from licences.services import licence_issue
from residents.models import ResidentFact
from residents.registry import fact_record

# licence kind → (registry category, value built from the case)
LICENCE_FACTS: dict[str, tuple[str, Any]] = {
    "disability_certificate": (
        "disability",
        lambda case: (
            {
                "category": str(case.form_data.get("disability_category") or case.form_data.get("disability_type")),
                "grade": int(case.form_data["disability_grade"]),
            }
            # The grade is assessed by a doctor; without it on the case, nothing is invented.
            if case.form_data.get("disability_grade")
            and (case.form_data.get("disability_category") or case.form_data.get("disability_type"))
            else None
        ),
    ),
    "minimum_allowance_certificate": (
        "minimum_allowance",
        lambda case: {"receiving": True, "since": timezone.localdate().isoformat()},
    ),
    "veteran_preferential_card": ("veteran", lambda case: {"status": True}),
}


def case_write_back(case: Case) -> tuple[Licence | None, list[ResidentFact]]:
    """Inside the approving transaction: issue the item's licence and record what it proves."""
    kind = case.item_version.issues_licence_kind
    if kind is None:
        return None, []
    licence = licence_issue(
        actor=None, holder=case.resident, kind=kind, issuing_department=case.handling_department, case=case
    )
    facts = []
    if kind.code in LICENCE_FACTS:
        category, build = LICENCE_FACTS[kind.code]
        value = build(case)
    if kind.code in LICENCE_FACTS and value is not None:
        facts.append(
            fact_record(
                actor=None,
                resident=case.resident,
                category=category,
                value=value,
                assurance="verified",
                source_department=case.handling_department,
                source_case=case,
            )
        )
    return licence, facts
