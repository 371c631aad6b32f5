"""Location exposure in the admin: specifications and trusted sources (superusers), codes (medical).

Coordinates and zones are not shown to anyone: nobody browses where
infected people went.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyRoleAdminMixin
from core.roles import Role
from zones.models import DonationCode, GeoZoneSpecification, TrustedSource
from zones.services import coordinates_relink, trusted_source_revoke


class SuperuserOnlyMixin:
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GeoZoneSpecification)
class GeoZoneSpecificationAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """The grids; only `active` changes here (seeded by migration 0002)."""

    list_display = ("pk", "name", "shape", "size_degrees", "h3_resolution", "parent", "active")
    readonly_fields = ("name", "shape", "size_degrees", "h3_resolution", "parent")
    actions = ["relink"]

    @admin.action(description=_("Link all kept points again (after activating a specification)"))
    def relink(self, request, queryset):
        count = coordinates_relink()
        self.message_user(
            request,
            ngettext(
                "%(count)d point will be linked by the next run (within 5 minutes).",
                "%(count)d points will be linked by the next run (within 5 minutes).",
                count,
            )
            % {"count": count},
            messages.INFO,
        )


@admin.register(TrustedSource)
class TrustedSourceAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """Created with `manage.py create_trusted_source NAME` (shown once); listed and revoked here."""

    list_display = ("name", "created_at", "revoked_at")
    readonly_fields = ("name", "created_at", "revoked_at")
    actions = ["revoke"]

    @admin.action(description=_("Revoke (the next upload with its token is refused)"))
    def revoke(self, request, queryset):
        for source in queryset.filter(revoked_at__isnull=True):
            trusted_source_revoke(source=source)
        self.message_user(request, _("Revoked."), messages.SUCCESS)


@admin.register(DonationCode)
class DonationCodeAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    """Codes issued and neither used nor expired: when they expire and the window they allow."""

    role = Role.MEDICAL
    list_display = ("expires_at", "window_start", "window_end")
    fields = ("expires_at", "window_start", "window_end")
