"""Who sees which licences, and what anybody may learn from a verification link.

- the holder: his own licences;
- staff: licences issued by a case they may see (`cases_visible_to`), nothing else;
- anybody with a licence's QR link: its kind, validity and the masked holder name, nothing more.
"""

import dataclasses
import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Role, User
from cases.selectors import cases_visible_to
from core.identity import mask_name
from licences.models import Licence, LicenceStatus
from residents.models import Resident

NOT_FOUND = "not_found"
TOKEN_MAX_LENGTH = Licence._meta.get_field("verification_token").max_length or 64


def licences_visible_to(viewer: User | AnonymousUser) -> QuerySet[Licence]:
    base = Licence.objects.select_related("kind", "holder", "issuing_department")
    if not viewer.is_authenticated or not viewer.is_active:
        return base.none()
    if viewer.role == Role.RESIDENT:
        return base.filter(holder__user=viewer)
    return base.filter(case__in=cases_visible_to(viewer).values("pk"))


def licence_for_holder(*, user: User | AnonymousUser, number: str) -> Licence:
    """One licence by its number for its holder (or staff who may see the issuing case), or
    Licence.DoesNotExist: somebody else's licence looks missing."""
    return licences_visible_to(user).get(number=number)


def licences_of_holder(*, user: User | AnonymousUser) -> QuerySet[Licence]:
    """The holder's own licences, valid ones first, newest first."""
    if not user.is_authenticated or not user.is_active:
        return Licence.objects.none()
    valid_first = SqlCase(
        When(status=LicenceStatus.VALID, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Licence.objects.filter(holder__user=user)
        .select_related("kind", "issuing_department")
        .order_by(valid_first, "-issued_at", "-id")
    )


def licences_valid_for(*, resident: Resident, today: dt.date | None = None) -> dict[str, Licence]:
    """The resident's licences valid today, keyed by kind code, in one query. A licence past its
    last valid day does not count, even before the daily job has marked it expired."""
    today = today or timezone.localdate()
    valid = Licence.objects.valid_on(today).filter(holder=resident).select_related("kind", "issuing_department")
    return {licence.kind.code: licence for licence in valid}


@dataclasses.dataclass(frozen=True)
class Verification:
    """What a verification link shows. An unknown token gives the same fields, empty, and
    status "not_found", so that the answer's shape says nothing about which tokens exist."""

    status: str
    kind_name: str = ""
    kind_name_en: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    holder_name_masked: str = ""


def licence_verify(*, token: str, today: dt.date | None = None) -> Verification:
    today = today or timezone.localdate()
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return Verification(status=NOT_FOUND)
    licence = (
        Licence.objects.filter(verification_token=token)
        .select_related("kind", "holder")
        # Only what the page shows: the rest of the holder's record never leaves the database.
        .only("status", "valid_from", "valid_until", "kind__name", "kind__name_en", "holder__name")
        .first()
    )
    if licence is None:
        return Verification(status=NOT_FOUND)
    return Verification(
        status=licence.status_on(today),
        kind_name=licence.kind.name,
        kind_name_en=licence.kind.name_en,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        holder_name_masked=mask_name(licence.holder.name),
    )
