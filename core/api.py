from django.http import HttpRequest
from ninja import Router, Schema

from core.models import Community
from core.schemas import ErrorOut

router = Router(tags=["places"])


class CommunityOut(Schema):
    id: int
    code: str
    name: str
    subdistrict: str
    district: str


@router.get("/communities", response={200: list[CommunityOut], 422: ErrorOut})
def community_list(request: HttpRequest, district_code: str = "") -> list[CommunityOut]:
    """Communities to choose a home from at registration (public geography, no personal data)."""
    communities = Community.objects.select_related("subdistrict__district").order_by("code")
    if district_code:
        communities = communities.filter(subdistrict__district__code=district_code)
    return [
        CommunityOut(
            id=c.pk, code=c.code, name=c.name, subdistrict=c.subdistrict.name, district=c.subdistrict.district.name
        )
        for c in communities
    ]
