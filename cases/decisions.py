"""Instant decisions (即办, 不见面马上办): the facts a rule may use, gathered with their sources.

Facts come from the resident's record (age and sex from the ID number), the shared registry, his
valid e-licences, his earlier cases and the application form. `catalogue.rules` evaluates the
item's rules over them; nothing here decides anything.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseStatus, Outcome
from catalogue.rules import FactValue
from licences.models import LicenceKind
from licences.selectors import licences_valid_for
from residents.registry import facts_current


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def decision_facts(case: Case, *, today: dt.date | None = None) -> dict[str, FactValue]:
    today = today or timezone.localdate()
    resident = case.resident
    from_id = _("citizen ID number")
    facts: dict[str, FactValue] = {
        "resident.age": FactValue(_age(resident.birth_date, today), from_id),
        "resident.sex": FactValue(resident.sex, from_id),
        "resident.in_city": FactValue(
            resident.community.subdistrict.district.city_id == case.city_id, _("home community on record")
        ),
    }
    for category, fact in facts_current(resident=resident).items():
        source = fact.source_department.name if fact.source_department else fact.get_assurance_display()
        label = f"{source} · {fact.recorded_at:%Y-%m-%d}"
        for key, value in (fact.value or {}).items():
            name = {"receiving": "receiving", "status": "status", "grade": "grade", "category": "category"}.get(key)
            if name:
                facts[f"{category}.{name}"] = FactValue(value, label)
    held = licences_valid_for(resident=resident, today=today)
    for code in LicenceKind.objects.values_list("code", flat=True):
        licence = held.get(code)
        facts[f"licence.{code}"] = (
            FactValue(True, f"{licence.kind.name} {licence.number}")
            if licence
            else FactValue(False, _("no valid e-licence on record"))
        )
    earlier = Case.objects.filter(
        resident=resident, item=case.item, outcome=Outcome.APPROVED, status=CaseStatus.CONCLUDED
    ).exclude(pk=case.pk)
    facts["case.already_approved"] = FactValue(earlier.exists(), _("earlier applications"))
    form_source = _("application form")
    for name, value in case.form_data.items():
        facts[f"form.{name}"] = FactValue(value, form_source)
    return facts


def explanation_for_display(explanation: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(check) for check in explanation]
