import io

import segno
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control

from catalogue.models import Category, ServiceItem
from catalogue.scores import negative_list_scores
from catalogue.search import items_search, items_suggest
from catalogue.selectors import (
    categories_with_counts,
    item_guide,
    items_for_residents,
    negative_list_entries,
    negative_list_trend,
)
from core.models import Department, District
from core.tenancy import current_city

MAX_QUERY_LENGTH = 200


def catalogue_home(request: HttpRequest) -> HttpResponse:
    city = current_city(request)
    return render(request, "catalogue/home.html", {"city": city, "categories": categories_with_counts(city=city)})


def category_detail(request: HttpRequest, code: str) -> HttpResponse:
    city = current_city(request)
    category = get_object_or_404(Category, code=code)
    items = items_for_residents(city=city).filter(categories=category)
    return render(request, "catalogue/category.html", {"category": category, "items": items})


def search(request: HttpRequest) -> HttpResponse:
    city = current_city(request)
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH].strip()
    hits = items_search(city=city, query=query, limit=30) if query else []
    suggestions = items_suggest(city=city, query=query) if query and not hits else []
    context = {"query": query, "hits": hits, "suggestions": suggestions, "city": city}
    template = "catalogue/_results.html" if request.headers.get("HX-Request") else "catalogue/search.html"
    return render(request, template, context)


def _guide(request: HttpRequest, code: str) -> ServiceItem:
    try:
        return item_guide(city=current_city(request), code=code)
    except ServiceItem.DoesNotExist:
        raise Http404


def guide(request: HttpRequest, code: str) -> HttpResponse:
    item = _guide(request, code)
    return render(request, "catalogue/guide.html", {"item": item, "version": item.current_version})


def guide_print(request: HttpRequest, code: str) -> HttpResponse:
    item = _guide(request, code)
    return render(request, "catalogue/guide_print.html", {"item": item, "version": item.current_version})


@cache_control(max_age=3600, public=True)
def guide_qr(request: HttpRequest, code: str) -> HttpResponse:
    """A QR code of the guide's address, for posters in the halls."""
    item = _guide(request, code)
    url = request.build_absolute_uri(reverse("catalogue:guide", args=[item.code]))
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


def negative_list(request: HttpRequest) -> HttpResponse:
    city = current_city(request)
    district_id = _int(request.GET.get("district"))
    department_id = _int(request.GET.get("department"))
    today = timezone.localdate()
    entries = negative_list_entries(city=city, district_id=district_id, department_id=department_id)
    trend = negative_list_trend(city=city, today=today)
    context = {
        "city": city,
        "today": today,
        "page": Paginator(entries, 50).get_page(request.GET.get("page")),
        "open_count": entries.count(),
        "overdue_count": entries.filter(target_date__lt=today).count(),
        "trend": trend,
        "trend_max": max((point.open for point in trend), default=0) or 1,
        "department_scores": negative_list_scores(city=city, by="department", today=today),
        "district_scores": negative_list_scores(city=city, by="district", today=today),
        "districts": District.objects.filter(city=city),
        "departments": Department.objects.filter(city=city).select_related("district"),
        "district_id": district_id,
        "department_id": department_id,
    }
    return render(request, "catalogue/negative_list.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
