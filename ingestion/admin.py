"""Ingestion in the admin: webhook tokens (superusers), dead letters (asset team)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyRoleAdminMixin
from core.roles import Role
from ingestion.models import DeadLetter, IngestToken
from ingestion.services import dead_letter_reprocess, ingest_token_revoke


@admin.register(IngestToken)
class IngestTokenAdmin(admin.ModelAdmin):
    """Created with `manage.py create_ingest_token NAME` (shown once); listed and revoked here."""

    list_display = ("name", "created_at", "revoked_at")
    readonly_fields = ("name", "created_at", "revoked_at")
    actions = ["revoke"]

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

    @admin.action(description=_("Revoke (the network server is refused within seconds)"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            ingest_token_revoke(token=token)
        self.message_user(request, _("Revoked."), messages.SUCCESS)


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    """Uplinks that could not be stored; quarantined ones usually mean a device's tag is wrong."""

    role = Role.ASSETS
    list_display = ("created_at", "integration", "reason", "detail", "reprocessed_at")
    list_filter = ("reason", "integration")
    fields = (
        "created_at",
        "integration",
        "delivery_key",
        "fport",
        "dev_eui",
        "reason",
        "detail",
        "reprocessed_at",
    )
    actions = ["reprocess"]

    @admin.action(description=_("Process again (after fixing the cause)"))
    def reprocess(self, request, queryset):
        stored = still_failing = 0
        for letter in queryset:
            outcome = dead_letter_reprocess(dead_letter=letter)
            stored += outcome.stored
            still_failing += outcome.dead_letter is not None
        self.message_user(
            request,
            _("%(stored)d encounters stored; %(failing)d uplink(s) dead-lettered again.")
            % {"stored": stored, "failing": still_failing},
            messages.INFO,
        )
