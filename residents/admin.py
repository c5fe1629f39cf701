"""Django admin for the city administrator: the departments' keys to the registry API."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.db.models.fields.related import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import CityScopedAdmin
from core.models import Department
from residents.models import DepartmentApiKey
from residents.registry import api_key_create, api_key_revoke


@admin.register(DepartmentApiKey)
class DepartmentApiKeyAdmin(CityScopedAdmin):
    """Keys are made by residents.registry.api_key_create, which returns the plain key once: it is
    shown in a message after saving and never again. Keys are revoked, not deleted, so the data
    tracker keeps naming the system that read a resident's data."""

    city_path = "department__city"
    list_display = ["name", "department", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["department"]
    list_select_related = ["department"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "department"] if obj is not None else []

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "department" and not request.user.is_superuser:
            kwargs["queryset"] = Department.objects.filter(city=request.user.city)  # type: ignore[union-attr,misc]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: DepartmentApiKey, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        key, plain = api_key_create(actor=request.user, department=obj.department, name=obj.name, request=request)  # type: ignore[arg-type]
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = key.pk, key.prefix, key.key_hash, key.created_at
        obj._state.adding = False
        messages.warning(
            request,
            _("The key for %(name)s is %(key)s. Copy it now: it is not stored and will not be shown again.")
            % {"name": key.name, "key": plain},
        )

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DepartmentApiKey]) -> None:
        for key in queryset.select_related("department__city"):
            api_key_revoke(actor=request.user, api_key=key, request=request)  # type: ignore[arg-type]
        messages.success(request, _("The selected keys are revoked."))
