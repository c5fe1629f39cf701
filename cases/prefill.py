"""Fill once: values the platform already knows about a resident, for fields bound to a registry
fact in the item's form definition. Issue 5 widens this to the shared registry's facts."""

from typing import Any

from residents.models import Resident


def prefill_for(resident: Resident, definition: list[dict[str, Any]]) -> dict[str, Any]:
    known: dict[str, Any] = {}
    for field in definition:
        fact, kind = field.get("registry_fact"), field.get("type")
        value: Any = None
        if fact == "identity":
            value = resident.id_number if kind == "id_number" else resident.name
        elif fact == "mobile":
            value = resident.mobile
        elif fact == "address":
            value = resident.household.address if resident.household else resident.community.full_name
        if value:
            known[field["name"]] = value
    return known
