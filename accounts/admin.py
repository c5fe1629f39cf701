from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import SmsMessage, User
from core.admin import CityScopedAdmin


@admin.register(User)
class UserAdmin(CityScopedAdmin, DjangoUserAdmin):
    """City administrators manage the staff accounts of their city (passwords are validated)."""

    list_display = ["username", "display_name", "role", "department", "service_centre", "district", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (
            "OneWindow",
            {"fields": ("role", "city", "display_name", "department", "service_centre", "district", "community")},
        ),
    )
    readonly_fields = ["is_superuser", "user_permissions", "last_login", "date_joined"]


if not settings.PRODUCTION:

    @admin.register(SmsMessage)
    class SmsOutboxAdmin(CityScopedAdmin):
        """Development only: what the database SMS backend would have sent (sign-in codes)."""

        list_display = ["mobile", "body", "sent_at"]

        def get_queryset(self, request):  # type: ignore[no-untyped-def]
            return SmsMessage.objects.all()

        def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
            return False

        def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
            return False
