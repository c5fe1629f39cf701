from django import forms
from django.utils.translation import gettext_lazy as _


class ResidentPasswordLoginForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)


class ResidentSmsLoginForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)
    sms_code = forms.CharField(label=_("SMS code"), max_length=6, min_length=6)


class SmsCodeRequestForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)


class StaffLoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
