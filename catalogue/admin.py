"""The editors' back office (Django admin): drafts, publishing, the negative list.

A catalogue editor sees and changes only his department's items; publishing goes through
`catalogue.services.item_publish`, which refuses inconsistent versions with a clear message.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from catalogue.models import (
    Category,
    NegativeListEntry,
    RequiredMaterial,
    ServiceItem,
    ServiceItemVersion,
    Synonym,
    VersionStatus,
)
from catalogue.services import VERSION_FIELDS, item_draft_start, item_draft_update, item_editable_by, item_publish
from core.admin import CityScopedAdmin
from licences.models import LicenceKind


def _is_editor(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or getattr(user, "role", "") == Role.CATALOGUE_EDITOR)


def _editor_items(request: HttpRequest) -> QuerySet[ServiceItem]:
    items = ServiceItem.objects.all()
    user = request.user
    if user.is_superuser:
        return items
    department = getattr(user, "department", None)
    if department is None:
        return items.none()
    return items.filter(city=user.city, department_kind=department.kind)  # type: ignore[union-attr]


class EditorAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_editor(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_editor(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(EditorAdmin):
    list_display = ["code", "__str__", "department_kind", "handling_level", "current_version"]
    list_filter = ["department_kind", "handling_level", "categories"]
    search_fields = ["code", "versions__name"]
    readonly_fields = ["city", "code", "department_kind", "handling_level", "current_version"]
    filter_horizontal = ["categories"]
    actions = ["start_draft"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceItem]:
        return _editor_items(request).select_related("current_version")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_editor(request) and (obj is None or item_editable_by(request.user, obj))  # type: ignore[arg-type]

    @admin.action(description=_("Start a new draft of the selected items"))
    def start_draft(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        for item in queryset:
            try:
                draft = item_draft_start(actor=request.user, item=item)  # type: ignore[arg-type]
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{item.code}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )
            else:
                self.message_user(request, _("Draft v%(n)s of %(item)s is open.") % {"n": draft.number, "item": item})


class MaterialInline(admin.TabularInline):
    model = RequiredMaterial
    extra = 0
    fields = ["position", "name", "form", "copies", "required", "licence_kind", "registry_fact", "note"]

    def _draft(self, obj: Any) -> bool:
        return obj is not None and obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(EditorAdmin):
    list_display = ["item", "name", "number", "status", "published_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "item__code"]
    readonly_fields = ["item", "number", "status", "published_at", "published_by", "created_by"]
    fields = ["item", "number", "status", *VERSION_FIELDS, "issues_licence_kind", "published_at", "published_by"]
    inlines = [MaterialInline]
    actions = ["publish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceItemVersion]:
        return ServiceItemVersion.objects.filter(item__in=_editor_items(request)).select_related("item")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not _is_editor(request):
            return False
        return obj is None or (obj.status == VersionStatus.DRAFT and item_editable_by(request.user, obj.item))  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: ServiceItemVersion, form: Any, change: bool) -> None:
        content = {name: form.cleaned_data[name] for name in VERSION_FIELDS if name in form.cleaned_data}
        item_draft_update(actor=request.user, version=obj, content=content)  # type: ignore[arg-type]

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request: HttpRequest, queryset: QuerySet[ServiceItemVersion]) -> None:
        for version in queryset:
            try:
                item_publish(actor=request.user, version=version)  # type: ignore[arg-type]
            except (ValidationError, PermissionDenied) as exc:
                reasons = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{version}: {reasons}", messages.ERROR)
            else:
                self.message_user(request, _("%(version)s is published.") % {"version": version})


@admin.register(NegativeListEntry)
class NegativeListEntryAdmin(EditorAdmin):
    list_display = ["item", "step", "owner_department", "listed_on", "target_date", "state"]
    list_filter = ["state", "owner_department"]
    readonly_fields = ["city", "item", "step", "owner_department", "listed_on", "state", "removed_on", "created_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[NegativeListEntry]:
        return NegativeListEntry.objects.filter(item__in=_editor_items(request)).select_related(
            "item", "owner_department"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Synonym)
class SynonymAdmin(EditorAdmin):
    list_display = ["term", "expansion", "city"]
    search_fields = ["term", "expansion"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_editor(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_editor(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_editor(request)


@admin.register(Category)
class CategoryAdmin(CityScopedAdmin):
    list_display = ["code", "name", "name_en", "position"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return Category.objects.all()


@admin.register(LicenceKind)
class LicenceKindAdmin(CityScopedAdmin):
    list_display = ["code", "name", "name_en"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LicenceKind]:
        return LicenceKind.objects.all()
