"""Django admin for the city administrator: places and organisations of his own city only."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.models import City, Community, Counter, Department, District, ServiceCentre, Subdistrict


def is_city_admin(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or getattr(user, "role", "") == "city_admin")


class CityScopedAdmin(admin.ModelAdmin):
    """Grants the city administrator role what Django's model permissions would, within his city.

    `city_path` is the lookup from the model to its City.
    """

    city_path = "city"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_city_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_city_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_city_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_city_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.city_path: request.user.city_id})  # type: ignore[union-attr]


@admin.register(City)
class CityAdmin(CityScopedAdmin):
    city_path = "pk"
    list_display = ["code", "name", "name_en", "case_prefix"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser


@admin.register(District)
class DistrictAdmin(CityScopedAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["name", "code"]


@admin.register(Subdistrict)
class SubdistrictAdmin(CityScopedAdmin):
    city_path = "district__city"
    list_display = ["code", "name", "district"]
    list_filter = ["district"]
    search_fields = ["name", "code"]


@admin.register(Community)
class CommunityAdmin(CityScopedAdmin):
    city_path = "subdistrict__district__city"
    list_display = ["code", "name", "subdistrict"]
    search_fields = ["name", "code"]
    list_select_related = ["subdistrict"]


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0


@admin.register(ServiceCentre)
class ServiceCentreAdmin(CityScopedAdmin):
    list_display = ["code", "name", "district", "address", "phone"]
    list_filter = ["district"]
    search_fields = ["name", "code"]
    inlines = [CounterInline]


@admin.register(Department)
class DepartmentAdmin(CityScopedAdmin):
    list_display = ["code", "name", "level", "kind", "district"]
    list_filter = ["level", "kind", "district"]
    search_fields = ["name", "code"]
