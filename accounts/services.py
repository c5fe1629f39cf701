"""Account services: one-time SMS codes."""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SmsCode
from accounts.sms import get_sms_backend
from core.identity import normalise_mobile, validate_mobile

SMS_RESEND_INTERVAL = dt.timedelta(seconds=60)
SMS_MAX_ATTEMPTS = 5


@transaction.atomic
def sms_code_send(*, mobile: str) -> None:
    """Send a 6-digit sign-in code. At most one a minute per number; the code lives 5 minutes."""
    mobile = normalise_mobile(mobile)
    validate_mobile(mobile)
    now = timezone.now()
    if SmsCode.objects.filter(mobile=mobile, created_at__gt=now - SMS_RESEND_INTERVAL).exists():
        raise ValidationError(_("A code was sent less than a minute ago; please wait."), code="sms_too_soon")
    code = f"{secrets.randbelow(1_000_000):06d}"
    SmsCode.objects.create(
        mobile=mobile,
        code_hash=make_password(code),
        expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
    )
    body = _("Your OneWindow sign-in code is %(code)s, valid for 5 minutes. Never tell it to anyone.") % {"code": code}
    transaction.on_commit(lambda: get_sms_backend().send(mobile=mobile, body=body))


@transaction.atomic
def sms_code_verify(*, mobile: str, code: str) -> bool:
    """True once for the newest unexpired code; each wrong try counts, five spoil the code."""
    now = timezone.now()
    sms = (
        SmsCode.objects.select_for_update()
        .filter(mobile=mobile, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if sms is None or sms.attempts >= SMS_MAX_ATTEMPTS:
        return False
    if not check_password(code.strip(), sms.code_hash):
        sms.attempts += 1
        sms.save(update_fields=["attempts"])
        return False
    sms.used_at = now
    sms.save(update_fields=["used_at"])
    return True
