"""Appointments in the admin (registration role): locations, campaigns, a view of bookings."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from appointments.models import Booking, Campaign, Location, OpeningHours, RecallInvitation, Slot
from appointments.services import campaign_generate_slots
from core.admin import ReadOnlyRoleAdminMixin, RoleAdminMixin
from core.roles import Role


class OpeningHoursInline(RoleAdminMixin, admin.TabularInline):
    role = Role.REGISTRATION
    model = OpeningHours
    extra = 0


@admin.register(Location)
class LocationAdmin(RoleAdminMixin, admin.ModelAdmin):
    role = Role.REGISTRATION
    list_display = ("name", "address", "active")
    inlines = [OpeningHoursInline]


@admin.register(Campaign)
class CampaignAdmin(RoleAdminMixin, admin.ModelAdmin):
    role = Role.REGISTRATION
    list_display = (
        "name",
        "kind",
        "starts_on",
        "ends_on",
        "slot_minutes",
        "capacity_per_slot",
        "active",
    )
    list_filter = ("kind", "active")
    filter_horizontal = ("locations",)
    actions = ["generate_slots"]

    def has_delete_permission(self, request, obj=None):
        return False  # bookings refer to it; close it (active off) instead

    @admin.action(
        description=gettext_lazy("Generate the missing slots from the locations' opening hours")
    )
    def generate_slots(self, request, queryset):
        created = sum(campaign_generate_slots(campaign=campaign) for campaign in queryset)
        self.message_user(
            request,
            ngettext("%(n)d slot created.", "%(n)d slots created.", created) % {"n": created},
            messages.SUCCESS,
        )


@admin.register(Slot)
class SlotAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    role = Role.REGISTRATION
    list_display = ("starts_at", "location", "campaign", "capacity")
    list_filter = ("campaign", "location")
    date_hierarchy = "starts_at"


@admin.register(Booking)
class BookingAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    """Bookings change through the person's page and the desk's day view."""

    role = Role.REGISTRATION
    list_display = ("person", "slot", "campaign", "status", "booked_at", "reminded_at")
    list_filter = ("campaign", "status")
    search_fields = ("person__person_id", "person__family_name")


@admin.register(RecallInvitation)
class RecallInvitationAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    role = Role.REGISTRATION
    list_display = ("campaign", "device_id", "person", "invited_at")
    list_filter = ("campaign",)
