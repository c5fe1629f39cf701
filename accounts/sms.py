"""The SMS backend interface. Real gateways implement `SmsBackend.send` and are named in
ONEWINDOW_SMS_BACKEND; development uses the database outbox (or the console)."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from core.identity import mask_mobile

log = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, mobile: str, body: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, *, mobile: str, body: str) -> None:
        print(f"[SMS to {mask_mobile(mobile)}] {body}")  # noqa: T201  development only


class DatabaseSmsBackend:
    def send(self, *, mobile: str, body: str) -> None:
        from accounts.models import SmsMessage

        SmsMessage.objects.create(mobile=mobile, body=body)
        log.info("sms stored in outbox for %s", mask_mobile(mobile))


def get_sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
