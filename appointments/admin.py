from django.contrib import admin

from appointments.models import Appointment, AppointmentSlot, CounterRestriction, QueueTicket


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin):
    list_display = ["centre", "starts_at", "ends_at", "capacity", "booked"]
    list_filter = ["centre"]
    date_hierarchy = "starts_at"
    # Places are taken and freed only by the booking services' conditional updates.
    readonly_fields = ["booked"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["id", "centre", "slot", "item", "status", "created_at"]
    list_filter = ["status", "centre"]
    raw_id_fields = ["resident", "slot", "item", "case"]
    # Status changes go through the services, which keep the slot's count and the audit trail.
    readonly_fields = ["status", "cancelled_at", "checked_in_at", "centre", "slot"]


@admin.register(QueueTicket)
class QueueTicketAdmin(admin.ModelAdmin):
    list_display = ["display_number", "centre", "day", "channel", "priority", "status", "counter", "issued_at"]
    list_filter = ["day", "status", "channel", "centre"]
    raw_id_fields = ["resident", "appointment", "item", "case", "counter"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # numbers are handed out by ticket_take only

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CounterRestriction)
class CounterRestrictionAdmin(admin.ModelAdmin):
    list_display = ["counter", "categories"]
    raw_id_fields = ["counter"]
