"""Sign-in, sign-out and failed sign-in go to the audit trail (never the password)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.backends import axes_username
from audit.models import Outcome
from audit.services import audit_record


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user, obj=user, request=request)


@receiver(user_logged_out)
def _on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kw: Any) -> None:
    account = axes_username(request, credentials) if request is not None else ""  # type: ignore[arg-type]
    audit_record(
        action="auth.login_failed",
        outcome=Outcome.FAILED,
        object_type="accounts.user",
        request=request,
        details={"account": account[:3] + "***" if account else ""},
    )
