from django import forms
from django.utils.translation import gettext_lazy as _


class CheckInForm(forms.Form):
    """At the kiosk: the mobile number the appointment was booked with, or the ID number's last 6."""

    who = forms.CharField(
        label=_("Mobile number, or the last 6 characters of your ID number"),
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_who(self) -> str:
        value = self.cleaned_data["who"].strip().upper()
        if not ((len(value) == 11 and value.isdigit()) or (len(value) == 6 and value[:5].isdigit())):
            raise forms.ValidationError(
                _("Enter an 11-digit mobile number or the last 6 characters of your ID number."), code="invalid"
            )
        return value
