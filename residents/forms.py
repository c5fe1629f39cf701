from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.selectors import community_choices


class RegistrationForm(forms.Form):
    """Only parses input; the rules live in residents.services.resident_register."""

    name = forms.CharField(label=_("Real name"), max_length=30)
    id_number = forms.CharField(label=_("Citizen ID number"), max_length=20)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)
    community = forms.TypedChoiceField(
        label=_("Home community"),
        coerce=int,
        error_messages={"invalid_choice": _("Please choose your community from the list.")},
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=True), max_length=128)
    sms_code = forms.CharField(
        label=_("SMS code"),
        max_length=6,
        required=False,
        help_text=_("Only if you were registered at a service centre: the code sent to the mobile given there."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = community_choices()  # type: ignore[attr-defined]


class CounterRegistrationForm(RegistrationForm):
    """At a counter the clerk checks the ID card; the resident sets a password later, online."""

    password = None  # type: ignore[assignment]
    sms_code = None  # type: ignore[assignment]


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("ID number")), ("mobile", _("Mobile number"))])
    reason = forms.CharField(label=_("Reason"), max_length=200)
