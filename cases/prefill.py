"""Fill once: values the platform already knows about a resident, for form fields bound to a
registry fact, each with where it came from. The resident confirms instead of typing.

A binding names a category ("disability") or one field of it ("disability.grade"); a plain
category takes the value's field named like the end of the form field ("…_grade" → grade).
"""

from typing import Any

from django.utils.translation import gettext as _

from residents.models import Resident
from residents.registry import facts_current


def prefill_with_sources(
    resident: Resident, definition: list[dict[str, Any]], *, registry: bool = True
) -> dict[str, tuple[Any, str]]:
    """`registry=False` for anybody but the resident himself: registry facts are then read only
    through the access rule (residents.registry.facts_readable_by), never to fill a proxy's form."""
    wanted = registry and any(f.get("registry_fact") for f in definition)
    facts = facts_current(resident=resident) if wanted else {}
    known: dict[str, tuple[Any, str]] = {}
    for field in definition:
        binding, kind = field.get("registry_fact") or "", field.get("type")
        category, _dot, key = binding.partition(".")
        value: Any = None
        source = ""
        if category == "identity":
            value = resident.id_number if kind == "id_number" else resident.name
            source = _("your real-name record")
        elif category == "mobile":
            value, source = resident.mobile, _("your real-name record")
        elif category == "address" and "address" not in facts:
            value = resident.household.address if resident.household else resident.community.full_name
            source = _("your household record")
        elif category in facts:
            fact = facts[category]
            data = fact.value or {}
            key = key or next((k for k in data if field["name"].endswith(k)), next(iter(data), ""))
            value = data.get(key)
            origin = fact.source_department.name if fact.source_department else fact.get_assurance_display()
            source = f"{origin} · {fact.recorded_at:%Y-%m-%d}"
        if value not in (None, ""):
            known[field["name"]] = (value, source)
    return known


def prefill_for(resident: Resident, definition: list[dict[str, Any]]) -> dict[str, Any]:
    return {name: value for name, (value, _source) in prefill_with_sources(resident, definition).items()}
