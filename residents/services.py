"""Resident writes: real-name registration and revealing masked personal data."""

from typing import Literal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record
from core.errors import Conflict
from core.identity import normalise_mobile, parse_citizen_id, validate_mobile
from core.models import Community
from residents.models import Resident
from residents.selectors import residents_visible_to

RevealableField = Literal["id_number", "mobile"]
NAME_MAX_LENGTH = 30


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": ValidationError(_("Please enter your real name."), code="name_required")})
    return name


@transaction.atomic
def resident_register(
    *,
    name: str,
    id_number: str,
    mobile: str,
    community_id: int,
    password: str,
    request: HttpRequest | None = None,
) -> Resident:
    """Real-name registration: a resident account and his record, or nothing at all.

    Every field is checked before anything is written, and all problems are reported together.
    """
    errors: dict[str, list[ValidationError]] = {}
    try:
        name = _clean_name(name)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    citizen = None
    try:
        citizen = parse_citizen_id(id_number)
    except ValidationError as exc:
        errors["id_number"] = [exc]
    mobile = normalise_mobile(mobile)
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        errors["mobile"] = [exc]
    community = Community.objects.select_related("subdistrict__district__city").filter(pk=community_id).first()
    if community is None:
        errors["community"] = [
            ValidationError(_("Please choose your community from the list."), code="unknown_community")
        ]
    try:
        validate_password(password, User(username=mobile))
    except ValidationError as exc:
        errors["password"] = [exc]
    if errors:
        raise ValidationError(errors)
    assert citizen is not None and community is not None

    if Resident.objects.filter(id_number=citizen.number).exists():
        raise Conflict(
            {"id_number": ValidationError(_("This ID number is already registered."), code="duplicate_id_number")}
        )
    if User.objects.filter(mobile=mobile).exists():
        raise Conflict(
            {"mobile": ValidationError(_("This mobile number is already registered."), code="duplicate_mobile")}
        )
    city = community.subdistrict.district.city
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=mobile, password=password, role=Role.RESIDENT, mobile=mobile, city=city, display_name=name
            )
            resident = Resident.objects.create(
                city=city,
                user=user,
                name=name,
                id_number=citizen.number,
                birth_date=citizen.birth_date,
                sex=citizen.sex,
                mobile=mobile,
                community=community,
            )
    except IntegrityError:
        # A concurrent registration with the same ID number or mobile won the race.
        raise Conflict(_("This ID number or mobile number is already registered."), code="duplicate_registration")
    audit_record(
        action="resident.register",
        actor=user,
        obj=resident,
        city=city,
        subject_resident_id=resident.pk,
        request=request,
    )
    return resident


def resident_reveal(
    *,
    actor: User,
    resident_id: int,
    field: RevealableField,
    reason: str,
    request: HttpRequest | None = None,
) -> str:
    """Return the full value of a masked field and record who saw it and why."""
    if field not in ("id_number", "mobile"):
        raise ValidationError(_("This field cannot be revealed."), code="unknown_field")
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff can reveal personal data."))
    reason = " ".join(reason.split())
    if len(reason) < 2:
        raise ValidationError(
            {"reason": ValidationError(_("Please give the reason for viewing the full value."), code="reason_required")}
        )
    resident = residents_visible_to(actor).get(pk=resident_id)
    audit_record(
        action="resident.reveal",
        actor=actor,
        obj=resident,
        subject_resident_id=resident.pk,
        reason=reason,
        request=request,
        details={"field": field},
    )
    value: str = getattr(resident, field)
    return value
