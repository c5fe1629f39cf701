"""Per-item application forms as data: typed fields that pages render and services validate.

A definition is a list of fields:
    {"name": "phone", "label": "联系电话", "label_en": "Contact phone", "type": "text",
     "required": true, "max_length": 20, "pattern": "^1[3-9]\\d{9}$", "choices": [...],
     "min": 0, "max": 100, "registry_fact": "mobile"}
Types: text, number, date, choice, multi_choice, id_number, address.
"""

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.identity import parse_citizen_id

FIELD_TYPES = ("text", "number", "date", "choice", "multi_choice", "id_number", "address")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 2000


def form_definition_problems(definition: Any) -> list[str]:
    """Everything wrong with a definition, in words an editor understands; [] when it is sound."""
    if not isinstance(definition, list):
        return [_("The form must be a list of fields.")]
    problems: list[str] = []
    seen: set[str] = set()
    for position, field in enumerate(definition, start=1):
        if not isinstance(field, dict):
            problems.append(_("Field %(n)s is not an object.") % {"n": position})
            continue
        name = field.get("name", "")
        label = field.get("label") or name or str(position)
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(_("Field %(label)s needs a name of lowercase letters, digits and _.") % {"label": label})
        elif name in seen:
            problems.append(_("Field name %(name)s is used twice.") % {"name": name})
        seen.add(str(name))
        if not field.get("label"):
            problems.append(_("Field %(label)s needs a label.") % {"label": label})
        kind = field.get("type")
        if kind not in FIELD_TYPES:
            problems.append(_("Field %(label)s has an unknown type %(type)s.") % {"label": label, "type": kind})
        if kind in ("choice", "multi_choice"):
            choices = field.get("choices")
            if not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c for c in choices):
                problems.append(_("Field %(label)s needs a list of choices.") % {"label": label})
        if "pattern" in field:
            try:
                re.compile(str(field["pattern"]))
            except re.error:
                problems.append(_("Field %(label)s has an invalid pattern.") % {"label": label})
        if kind == "number" and "min" in field and "max" in field and field["min"] > field["max"]:
            problems.append(_("Field %(label)s has a minimum above its maximum.") % {"label": label})
    return problems


def field_label(field: dict[str, Any]) -> str:
    if (get_language() or "").startswith("en") and field.get("label_en"):
        return str(field["label_en"])
    return str(field.get("label", field.get("name", "")))


def form_data_clean(definition: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    """Validate submitted values against the definition; raises ValidationError keyed by field name.

    Unknown keys are dropped, so a client cannot smuggle fields into a case.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, ValidationError] = {}
    for field in definition:
        name, kind, label = field["name"], field["type"], field_label(field)
        raw = data.get(name)
        empty = raw is None or raw == "" or raw == []
        if empty:
            if field.get("required"):
                errors[name] = ValidationError(_("%(label)s is required.") % {"label": label}, code="required")
            continue
        try:
            cleaned[name] = _clean_value(field, kind, raw, label)
        except ValidationError as exc:
            errors[name] = exc
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_value(field: dict[str, Any], kind: str, raw: Any, label: str) -> Any:
    invalid = ValidationError(_("%(label)s is not valid.") % {"label": label}, code="invalid")
    if kind in ("text", "address"):
        value = " ".join(str(raw).split()) if kind == "text" else str(raw).strip()
        limit = int(field.get("max_length", MAX_TEXT))
        if len(value) > limit:
            raise ValidationError(
                _("%(label)s may have at most %(n)s characters.") % {"label": label, "n": limit}, code="too_long"
            )
        if field.get("pattern") and not re.fullmatch(str(field["pattern"]), value):
            raise invalid
        return value
    if kind == "number":
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise invalid
        if ("min" in field and number < field["min"]) or ("max" in field and number > field["max"]):
            raise ValidationError(_("%(label)s is out of range.") % {"label": label}, code="out_of_range")
        return int(number) if number.is_integer() else number
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise invalid
    if kind == "choice":
        if raw not in field["choices"]:
            raise invalid
        return raw
    if kind == "multi_choice":
        values = raw if isinstance(raw, list) else [raw]
        if not values or any(v not in field["choices"] for v in values):
            raise invalid
        return list(dict.fromkeys(values))
    if kind == "id_number":
        return parse_citizen_id(str(raw)).number
    raise invalid
