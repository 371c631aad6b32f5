from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "person_id", "is_staff", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "person_id")
    fieldsets = (*UserAdmin.fieldsets, ("Organisation", {"fields": ("person_id",)}))
    # The person number comes from the identity provider only: nobody edits it here, not
    # even a superuser (it decides whose MY DATA an account sees). Changes are audited.
    readonly_fields = ("person_id",)
