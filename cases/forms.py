"""Parsing of case pages. The application form itself is built from the item's definition."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.form_definition import field_label
from catalogue.models import ServiceItemVersion
from core.models import Department

WIDGETS = {
    "text": lambda f: forms.CharField(max_length=int(f.get("max_length", 2000))),
    "address": lambda f: forms.CharField(max_length=int(f.get("max_length", 2000))),
    "number": lambda f: forms.CharField(widget=forms.NumberInput()),
    "date": lambda f: forms.CharField(widget=forms.DateInput(attrs={"type": "date"})),
    "choice": lambda f: forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in f["choices"]]]),
    "multi_choice": lambda f: forms.MultipleChoiceField(
        choices=[(c, c) for c in f["choices"]], widget=forms.CheckboxSelectMultiple
    ),
    "id_number": lambda f: forms.CharField(max_length=20),
}


class ApplicationForm(forms.Form):
    """Renders an item's form definition. Values are validated by the service, not here, so the
    same rules apply to the web, the counter and the API."""

    def __init__(self, *args: Any, version: ServiceItemVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in version.form_definition:
            form_field = WIDGETS[field["type"]](field)
            form_field.required = False  # the service reports missing values with the item's wording
            form_field.label = field_label(field) + (" *" if field.get("required") else "")
            self.fields[field["name"]] = form_field

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, field in self.fields.items():
            if isinstance(field, forms.MultipleChoiceField):
                data[name] = self.data.getlist(name)  # type: ignore[attr-defined]
            else:
                data[name] = self.data.get(name, "")
        return data


class CorrectionForm(forms.Form):
    message = forms.CharField(
        label=_("What needs correcting"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )
    materials = forms.MultipleChoiceField(
        label=_("Materials to provide again"), required=False, widget=forms.CheckboxSelectMultiple
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )


class TransferForm(forms.Form):
    department: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class ResidentLookupForm(forms.Form):
    id_number = forms.CharField(label=_("Citizen ID number"), max_length=20)
