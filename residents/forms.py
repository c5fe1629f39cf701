from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Community


class CommunityChoiceField(forms.ModelChoiceField):
    """Communities grouped by district and subdistrict, so a resident finds his own quickly."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(queryset=Community.objects.select_related("subdistrict__district").order_by("code"), **kwargs)

    def _get_choices(self):  # type: ignore[no-untyped-def]
        groups: dict[str, list[tuple[int, str]]] = {}
        for community in self.queryset:
            label = f"{community.subdistrict.district.name} · {community.subdistrict.name}"
            groups.setdefault(label, []).append((community.pk, community.name))
        return [("", _("Choose your community")), *groups.items()]

    choices = property(_get_choices, forms.ChoiceField.choices.fset)  # type: ignore[attr-defined]


class RegistrationForm(forms.Form):
    """Only parses input; the rules live in residents.services.resident_register."""

    name = forms.CharField(label=_("Real name"), max_length=30)
    id_number = forms.CharField(label=_("Citizen ID number"), max_length=20)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)
    community = CommunityChoiceField(
        label=_("Home community"), error_messages={"invalid_choice": _("Please choose your community from the list.")}
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=True), max_length=128)


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("ID number")), ("mobile", _("Mobile number"))])
    reason = forms.CharField(label=_("Reason"), max_length=200)
