from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import RemovedSubject, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "person_id", "is_staff", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "person_id")
    fieldsets = (*UserAdmin.fieldsets, (_("Organisation"), {"fields": ("person_id", "language")}))
    # The person number comes from the identity provider only: nobody edits it here, not
    # even a superuser (it decides whose MY DATA an account sees). Changes are audited.
    readonly_fields = ("person_id",)


@admin.register(RemovedSubject)
class RemovedSubjectAdmin(admin.ModelAdmin):
    """People removed from the portal; delete a row to let that person in again."""

    list_display = ("username", "sub", "removed_at")
    readonly_fields = ("sub", "username", "removed_at")

    def has_add_permission(self, request) -> bool:
        return False
