"""Django admin for the city administrator: places and organisations of his own city only."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.models import (
    CalendarDay,
    City,
    Community,
    Counter,
    Department,
    District,
    HolidayCalendar,
    ServiceCentre,
    Subdistrict,
)
from core.workdays import workdays_cache_clear


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


class CalendarDayInline(admin.TabularInline):
    """A calendar's days, edited with it. Removing a mistyped day is an edit of the calendar, so the city
    administrator may do it; deleting a whole calendar is for superusers only."""

    model = CalendarDay
    extra = 0
    fields = ["date", "kind", "name", "name_en"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_city_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_city_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_city_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_city_admin(request)


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(CityScopedAdmin):
    """National public holidays and make-up working days, one calendar a year, read by the SLA clock.

    Holidays are national, so every city administrator sees and edits every year. Saving bumps
    `loaded_at`, which tells other processes to reload their cached copy (see core.workdays).
    """

    list_display = ["year", "source", "days_off", "make_up_workdays", "loaded_at"]
    readonly_fields = ["loaded_at"]
    inlines = [CalendarDayInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return admin.ModelAdmin.get_queryset(self, request).annotate(
            day_off_count=Count("days", filter=Q(days__kind=CalendarDay.Kind.DAY_OFF)),
            workday_count=Count("days", filter=Q(days__kind=CalendarDay.Kind.WORKDAY)),
        )

    @admin.display(description=_("days off"), ordering="day_off_count")
    def days_off(self, obj: HolidayCalendar) -> int:
        return obj.day_off_count  # type: ignore[attr-defined]

    @admin.display(description=_("make-up working days"), ordering="workday_count")
    def make_up_workdays(self, obj: HolidayCalendar) -> int:
        return obj.workday_count  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        workdays_cache_clear()

    def delete_model(self, request: HttpRequest, obj: HolidayCalendar) -> None:
        super().delete_model(request, obj)
        workdays_cache_clear()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        workdays_cache_clear()
