"""Read-only views of the inbox and the SMS outbox, for superusers only: they hold personal messages."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from notifications.models import Delivery, Notification


class SuperuserReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = readonly_fields = ("channel", "state", "attempts", "next_attempt_at", "sent_at", "last_error")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(SuperuserReadOnlyAdmin):
    list_display = ["created_at", "recipient", "event_key", "title", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(SuperuserReadOnlyAdmin):
    list_display = ["notification", "channel", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["state", "channel"]
    search_fields = ["notification__event_key"]
    list_select_related = ["notification"]
