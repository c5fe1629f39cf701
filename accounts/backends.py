"""Resident sign-in: mobile number + password, or mobile number + one-time SMS code."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import Role, User
from accounts.services import sms_code_verify
from core.identity import normalise_mobile


class MobilePasswordBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, mobile: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not mobile or not password:
            return None
        user = User.objects.filter(mobile=normalise_mobile(mobile), role=Role.RESIDENT).first()
        if user is None:
            User().set_password(password)  # same work either way: timing does not reveal who exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class SmsCodeBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, mobile: str | None = None, sms_code: str | None = None, **kwargs: Any
    ) -> User | None:
        if not mobile or not sms_code:
            return None
        mobile = normalise_mobile(mobile)
        if not sms_code_verify(mobile=mobile, code=sms_code):
            return None
        user = User.objects.filter(mobile=mobile, role=Role.RESIDENT).first()
        if user is not None and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Lockouts count per account: a staff username or a resident's mobile number."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("mobile")
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get("username") or request.POST.get("mobile")
    return str(value or "")
