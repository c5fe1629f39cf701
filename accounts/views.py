from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import ResidentPasswordLoginForm, ResidentSmsLoginForm, SmsCodeRequestForm, StaffLoginForm
from accounts.services import sms_code_send
from core.http import redirect_next


def resident_login(request: HttpRequest) -> HttpResponse:
    """Mobile + password, or mobile + SMS code (`method=sms`)."""
    method = request.POST.get("method") or request.GET.get("method") or "password"
    form_class = ResidentSmsLoginForm if method == "sms" else ResidentPasswordLoginForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, **form.cleaned_data)
        if user is not None and user.is_resident:
            login(request, user)
            return redirect_next(request)
        if not getattr(request, "axes_locked_out", False):
            form.add_error(None, _("The mobile number or password/code is wrong."))
    return render(request, "accounts/login.html", {"form": form, "method": method})


@require_POST
def sms_code_request(request: HttpRequest) -> HttpResponse:
    form = SmsCodeRequestForm(request.POST)
    message, ok = _("Please enter your mobile number."), False
    if form.is_valid():
        try:
            sms_code_send(mobile=form.cleaned_data["mobile"])
            message, ok = _("The code has been sent. It is valid for 5 minutes."), True
        except ValidationError as exc:
            message = " ".join(exc.messages)
    return render(request, "accounts/_sms_status.html", {"message": message, "ok": ok}, status=200 if ok else 400)


def staff_login(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, **form.cleaned_data)
        if user is not None and user.is_staff_member:
            login(request, user)
            return redirect_next(request)
        if not getattr(request, "axes_locked_out", False):
            form.add_error(None, _("The username or password is wrong."))
    return render(request, "accounts/staff_login.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """Shown by django-axes after too many failed sign-ins for one account."""
    return render(request, "accounts/locked_out.html", status=429)
