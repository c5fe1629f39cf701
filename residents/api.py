import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from core.schemas import ERRORS_READ, ERRORS_WRITE, ErrorOut
from residents.models import Resident
from residents.selectors import resident_get_for
from residents.services import resident_register, resident_reveal

router = Router(tags=["residents"])


class RegistrationIn(Schema):
    name: str
    id_number: str
    mobile: str
    community_id: int
    password: str
    sms_code: str = ""


class ResidentOut(Schema):
    """A resident as staff and the resident himself see it by default: masked."""

    id: int
    name: str
    id_number_masked: str
    mobile_masked: str
    birth_date: dt.date
    sex: str
    community: str

    @staticmethod
    def from_resident(resident: Resident) -> "ResidentOut":
        return ResidentOut(
            id=resident.pk,
            name=resident.name,
            id_number_masked=resident.id_number_masked,
            mobile_masked=resident.mobile_masked,
            birth_date=resident.birth_date,
            sex=resident.sex,
            community=resident.community.full_name,
        )


class RevealIn(Schema):
    field: Literal["id_number", "mobile"]
    reason: str


class RevealOut(Schema):
    field: str
    value: str


@router.post("/register", response={201: ResidentOut, **ERRORS_WRITE}, auth=None)
def register(request: HttpRequest, payload: RegistrationIn) -> Status:
    """Real-name registration. 422 with field errors for bad input, 409 for a duplicate ID or mobile."""
    resident = resident_register(**payload.dict(), request=request)
    return Status(201, ResidentOut.from_resident(resident))


@router.get("/me", response={200: ResidentOut, **ERRORS_READ}, auth=django_auth)
def me(request: HttpRequest) -> ResidentOut:
    resident = Resident.objects.select_related("community__subdistrict__district").get(user_id=request.user.pk)  # type: ignore[misc]
    return ResidentOut.from_resident(resident)


@router.get("/{resident_id}", response={200: ResidentOut, **ERRORS_READ}, auth=django_auth)
def resident_detail(request: HttpRequest, resident_id: int) -> ResidentOut:
    """One resident, masked; 404 when he is outside the viewer's scope. The read is audited."""
    resident = resident_get_for(
        viewer=request.user,  # type: ignore[arg-type]
        resident_id=resident_id,
        purpose=request.GET.get("purpose", "API read"),
        request=request,
    )
    return ResidentOut.from_resident(resident)


@router.post("/{resident_id}/reveal", response={200: RevealOut, **ERRORS_WRITE, 422: ErrorOut}, auth=django_auth)
def reveal(request: HttpRequest, resident_id: int, payload: RevealIn) -> RevealOut:
    """The full value of a masked field. Needs a reason; writes an audit row."""
    value = resident_reveal(
        actor=request.user,  # type: ignore[arg-type]
        resident_id=resident_id,
        field=payload.field,
        reason=payload.reason,
        request=request,
    )
    return RevealOut(field=payload.field, value=value)
