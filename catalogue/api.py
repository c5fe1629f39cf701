import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from catalogue.models import ServiceItem
from catalogue.scores import negative_list_scores
from catalogue.search import items_search
from catalogue.selectors import item_guide, items_for_residents, negative_list_entries
from core.schemas import ERRORS_READ, ErrorOut
from core.tenancy import current_city

router = Router(tags=["catalogue"])
MAX_QUERY_LENGTH = 200


class ItemSummaryOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    online_level: str
    max_visits: int
    promised_days: int
    department_kind: str
    handling_level: str
    score: float | None = None

    @staticmethod
    def of(item: ServiceItem, score: float | None = None) -> "ItemSummaryOut":
        version = item.current_version
        assert version is not None
        return ItemSummaryOut(
            code=item.code,
            name=version.name,
            name_en=version.name_en,
            kind=version.kind,
            online_level=item.online_level,
            max_visits=version.max_visits,
            promised_days=version.promised_days,
            department_kind=item.department_kind,
            handling_level=item.handling_level,
            score=score,
        )


class MaterialOut(Schema):
    name: str
    form: str
    copies: int
    required: bool
    licence_kind: str | None
    registry_fact: str
    note: str


class ItemDetailOut(ItemSummaryOut):
    version: int
    summary: str
    conditions: str
    legal_basis: str
    is_free: bool
    fees: str
    statutory_days: int
    applicant_type: str
    process_steps: list[dict[str, object]]
    everywhere: bool
    consultation_phone: str
    complaint_phone: str
    form_definition: list[dict[str, object]]
    materials: list[MaterialOut]


class NegativeEntryOut(Schema):
    item_code: str
    item_name: str
    step: str
    reason: str
    owner_department: str
    district: str | None
    listed_on: dt.date
    target_date: dt.date
    overdue: bool


class ScoreOut(Schema):
    unit: str
    score: int
    open: int
    overdue: int
    removed_this_quarter: int


@router.get("/items", response={200: list[ItemSummaryOut], 422: ErrorOut})
def item_list(request: HttpRequest, q: str = "", category: str = "", limit: int = 20) -> list[ItemSummaryOut]:
    """Published items; with `q`, searched the way residents talk (低保, 医保 外地 看病, dibao, jzz)."""
    city = current_city(request)
    limit = max(1, min(limit, 100))
    query = q[:MAX_QUERY_LENGTH].strip()
    if query:
        hits = items_search(city=city, query=query, limit=limit)
        return [ItemSummaryOut.of(hit.item, hit.score) for hit in hits]
    items = items_for_residents(city=city)
    if category:
        items = items.filter(categories__code=category)
    return [ItemSummaryOut.of(item) for item in items[:limit]]


@router.get("/items/{code}", response={200: ItemDetailOut, **ERRORS_READ})
def item_detail(request: HttpRequest, code: str) -> ItemDetailOut:
    item = item_guide(city=current_city(request), code=code)
    version = item.current_version
    assert version is not None
    return ItemDetailOut(
        **ItemSummaryOut.of(item).dict(),
        version=version.number,
        summary=version.summary,
        conditions=version.conditions,
        legal_basis=version.legal_basis,
        is_free=version.is_free,
        fees=version.fees,
        statutory_days=version.statutory_days,
        applicant_type=version.applicant_type,
        process_steps=version.process_steps,
        everywhere=version.everywhere,
        consultation_phone=version.consultation_phone,
        complaint_phone=version.complaint_phone,
        form_definition=version.form_definition,
        materials=[
            MaterialOut(
                name=m.name,
                form=m.form,
                copies=m.copies,
                required=m.required,
                licence_kind=m.licence_kind.code if m.licence_kind else None,
                registry_fact=m.registry_fact,
                note=m.note,
            )
            for m in version.materials.all()
        ],
    )


@router.get("/negative-list", response={200: list[NegativeEntryOut], 422: ErrorOut})
def negative_list(
    request: HttpRequest, district_id: int | None = None, department_id: int | None = None
) -> list[NegativeEntryOut]:
    """Open negative-list entries of the city, optionally for one district or department."""
    today = timezone.localdate()
    entries = negative_list_entries(city=current_city(request), district_id=district_id, department_id=department_id)
    return [
        NegativeEntryOut(
            item_code=e.item.code,
            item_name=str(e.item),
            step=e.step,
            reason=e.reason,
            owner_department=e.owner_department.name,
            district=e.owner_department.district.name if e.owner_department.district else None,
            listed_on=e.listed_on,
            target_date=e.target_date,
            overdue=e.is_overdue(today),
        )
        for e in entries
    ]


@router.get("/negative-list/scores", response={200: list[ScoreOut], 422: ErrorOut})
def scores(request: HttpRequest, by: Literal["department", "district"] = "department") -> list[ScoreOut]:
    """Scores per department or district (see catalogue.scores for the formula)."""
    rows = negative_list_scores(city=current_city(request), by=by, today=timezone.localdate())
    return [
        ScoreOut(
            unit=s.unit, score=s.score, open=s.open, overdue=s.overdue, removed_this_quarter=s.removed_this_quarter
        )
        for s in rows
    ]
