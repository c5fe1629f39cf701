from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yes_no_value(value: Any) -> Any:
    """Booleans in words (是/否), missing values as a dash, the rest as they are."""
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ mapping|get_item:key }}` for dicts keyed by something other than a string literal."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
