"""Licences API: the public verification behind the QR code, same answer and budget as the page."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from core.schemas import ErrorOut
from licences.ratelimit import verification_limit
from licences.selectors import licence_verify

router = Router(tags=["licences"])


class VerificationOut(Schema):
    """Only what the QR link may tell anybody: an unknown token has status "not_found" and empty fields."""

    status: Literal["valid", "expired", "revoked", "not_found"]
    kind_name: str
    kind_name_en: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    holder_name_masked: str


@router.get(
    "/verify/{token}",
    response={200: VerificationOut, 429: ErrorOut},
    auth=None,
    summary="Verify a licence by its QR token",
)
def verify(request: HttpRequest, token: str, response: HttpResponse) -> Status:
    limit = verification_limit(request)
    response["Cache-Control"] = "no-store"
    if not limit.allowed:
        response["Retry-After"] = str(limit.retry_after)
        message = _("Too many verification requests from your network; please wait a minute and try again.")
        return Status(429, ErrorOut(code="rate_limited", message=message))
    result = licence_verify(token=token)
    return Status(
        200,
        VerificationOut(
            status=result.status,  # type: ignore[arg-type]
            kind_name=result.kind_name,
            kind_name_en=result.kind_name_en,
            valid_from=result.valid_from,
            valid_until=result.valid_until,
            holder_name_masked=result.holder_name_masked,
        ),
    )
