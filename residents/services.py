"""Resident writes: real-name registration and revealing masked personal data."""

from dataclasses import dataclass
from typing import Literal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import sms_code_verify
from audit.services import audit_record
from core.errors import Conflict
from core.identity import CitizenId, normalise_mobile, parse_citizen_id, validate_mobile
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


@dataclass(frozen=True)
class _Identity:
    name: str
    citizen: CitizenId
    mobile: str
    community: Community


def _identity_checked(*, name: str, id_number: str, mobile: str, community_id: int, password: str | None) -> _Identity:
    """Every field checked before anything is written; all problems reported together."""
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
    if password is not None:
        try:
            validate_password(password, User(username=mobile))
        except ValidationError as exc:
            errors["password"] = [exc]
    if errors:
        raise ValidationError(errors)
    assert citizen is not None and community is not None
    return _Identity(name=name, citizen=citizen, mobile=mobile, community=community)


def _duplicate_id() -> Conflict:
    return Conflict(
        {"id_number": ValidationError(_("This ID number is already registered."), code="duplicate_id_number")}
    )


@transaction.atomic
def resident_register(
    *,
    name: str,
    id_number: str,
    mobile: str,
    community_id: int,
    password: str,
    sms_code: str = "",
    request: HttpRequest | None = None,
) -> Resident:
    """Real-name registration: a resident account and his record, or nothing at all.

    A resident first registered at a counter (a record without an account) takes over his record
    only by proving he holds the mobile recorded there: same number, and the SMS code sent to it.
    Knowing a name and an ID number is not enough to take over somebody's record.
    """
    who = _identity_checked(name=name, id_number=id_number, mobile=mobile, community_id=community_id, password=password)
    existing = Resident.objects.select_for_update().filter(id_number=who.citizen.number).first()
    if existing is not None and (existing.user_id is not None or existing.name != who.name):
        raise _duplicate_id()
    if existing is not None and (
        existing.mobile != who.mobile or not sms_code or not sms_code_verify(mobile=who.mobile, code=sms_code)
    ):
        raise ValidationError(
            {
                "sms_code": ValidationError(
                    _(
                        "You were registered at a service centre: use the mobile number given there and "
                        "enter the code we send to it."
                    ),
                    code="sms_code_required",
                )
            }
        )
    if User.objects.filter(mobile=who.mobile).exists():
        raise Conflict(
            {"mobile": ValidationError(_("This mobile number is already registered."), code="duplicate_mobile")}
        )
    city = who.community.subdistrict.district.city
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=who.mobile,
                password=password,
                role=Role.RESIDENT,
                mobile=who.mobile,
                city=city,
                display_name=who.name,
            )
            if existing is not None:
                existing.user = user
                existing.save(update_fields=["user"])
                resident = existing
            else:
                resident = Resident.objects.create(
                    city=city,
                    user=user,
                    name=who.name,
                    id_number=who.citizen.number,
                    birth_date=who.citizen.birth_date,
                    sex=who.citizen.sex,
                    mobile=who.mobile,
                    community=who.community,
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


@transaction.atomic
def resident_register_at_counter(
    *, actor: User, name: str, id_number: str, mobile: str, community_id: int, request: HttpRequest | None = None
) -> Resident:
    """A clerk or community worker records a walk-in resident (checked against his ID card) so a
    case can be filed for him; the resident can later register online and take over the record."""
    if actor.role not in (Role.COUNTER_CLERK, Role.COMMUNITY_WORKER):
        raise PermissionDenied(_("Only counter clerks and community workers register residents."))
    who = _identity_checked(name=name, id_number=id_number, mobile=mobile, community_id=community_id, password=None)
    city = who.community.subdistrict.district.city
    if city.pk != actor.city_id:
        raise PermissionDenied(_("This community belongs to another city."))
    if Resident.objects.filter(id_number=who.citizen.number).exists():
        raise _duplicate_id()
    resident = Resident.objects.create(
        city=city,
        name=who.name,
        id_number=who.citizen.number,
        birth_date=who.citizen.birth_date,
        sex=who.citizen.sex,
        mobile=who.mobile,
        community=who.community,
    )
    audit_record(
        action="resident.register_at_counter",
        actor=actor,
        obj=resident,
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
