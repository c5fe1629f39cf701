from django.utils.translation import gettext as _

from core.models import Community

GroupedChoices = list[tuple[str, str | list[tuple[int, str]]]]


def community_choices() -> GroupedChoices:
    """Communities grouped by "district · subdistrict", for a resident to find his own quickly."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for community in Community.objects.select_related("subdistrict__district").order_by("code"):
        label = f"{community.subdistrict.district.name} · {community.subdistrict.name}"
        groups.setdefault(label, []).append((community.pk, community.name))
    return [("", _("Choose your community")), *groups.items()]
