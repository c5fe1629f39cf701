"""Licence pages: the holder's list and PDF, and the public verification page behind the QR code."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.models import Role, User
from audit.services import audit_record
from core.http import role_required
from licences.models import Licence
from licences.pdf import licence_pdf
from licences.ratelimit import verification_limit
from licences.selectors import NOT_FOUND, licence_for_holder, licence_verify, licences_of_holder


@role_required(Role.RESIDENT)
def my_licences(request: HttpRequest) -> HttpResponse:
    licences = list(licences_of_holder(user=request.user))
    today = timezone.localdate()
    rows = [(licence, licence.status_on(today)) for licence in licences]
    return render(request, "licences/mine.html", {"rows": rows})


@login_required
def pdf(request: HttpRequest, number: str) -> HttpResponse:
    """For the holder, and for staff who may see the case that issued it; anybody else: 404."""
    try:
        licence = licence_for_holder(user=request.user, number=number)
    except Licence.DoesNotExist:
        raise Http404
    user = cast(User, request.user)
    if user.is_staff_member:
        audit_record(
            action="licence.read", actor=user, obj=licence, subject_resident_id=licence.holder_id, request=request
        )
    verify_url = request.build_absolute_uri(reverse("licences:verify", args=[licence.verification_token]))
    response = HttpResponse(licence_pdf(licence=licence, verify_url=verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{licence.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@never_cache
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public, no sign-in. A known and an unknown token give the same page and status code."""
    limit = verification_limit(request)
    if not limit.allowed:
        response = render(request, "licences/verify_limited.html", status=429)
        response["Retry-After"] = str(limit.retry_after)
        return response
    result = licence_verify(token=token)
    response = render(request, "licences/verify.html", {"result": result, "not_found": NOT_FOUND})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
