from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "person_id", "is_staff", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "person_id")
    fieldsets = (*UserAdmin.fieldsets, ("Organisation", {"fields": ("person_id",)}))
