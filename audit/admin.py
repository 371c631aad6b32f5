"""The audit trail in the admin: read-only, for the privacy role; nobody can edit or delete it."""

from django.contrib import admin

from audit.models import AuditEntry
from core.admin import ReadOnlyRoleAdminMixin
from core.roles import Role


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    role = Role.PRIVACY
    list_display = ("at", "actor", "action", "target_person_id", "case_reference")
    list_filter = ("action",)
    search_fields = ("actor", "target_person_id", "case_reference")
