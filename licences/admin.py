"""Django admin: licences of the city administrator's own city, read-only (writes go through services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import CityScopedAdmin
from licences.models import Licence


@admin.register(Licence)
class LicenceAdmin(CityScopedAdmin):
    city_path = "holder__city"
    list_display = [
        "number", "kind", "holder", "issuing_department", "status", "valid_from", "valid_until", "issued_at"
    ]  # fmt: skip
    list_filter = ["status", "kind"]
    search_fields = ["number"]
    list_select_related = ["kind", "holder", "issuing_department"]
    date_hierarchy = "issued_at"
    # The token is the QR link's secret; the holder's full record is in the residents app.
    exclude = ["verification_token"]
    readonly_fields = [
        "number",
        "kind",
        "holder",
        "issuing_department",
        "case",
        "valid_from",
        "valid_until",
        "status",
        "revoked_at",
        "revocation_reason",
        "issued_at",
    ]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
