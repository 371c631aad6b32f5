"""The registration desk's admin: people (and importing the HR directory), holdings, lost reports.

Holdings and lost reports are read-only: they change only through the desk's
operations (registration.services), which keep them in step with the
devices' states in the other database. They are never deleted: they are the
history contact tracing relies on.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ImportAdminMixin, ImportForm, ReadOnlyRoleAdminMixin, RoleAdminMixin
from core.roles import Role
from registration.imports import import_people
from registration.models import Association, LostReport, Person


class PeopleImportForm(ImportForm):
    deactivate_missing = forms.BooleanField(
        required=False,
        label=_("Deactivate people missing from the file"),
        help_text=_(
            "Tick when the file is the whole HR directory: every active person it does "
            "not list is deactivated (never deleted)."
        ),
    )


class HoldingInline(ReadOnlyRoleAdminMixin, admin.TabularInline):
    role = Role.REGISTRATION
    model = Association
    fields = ("device_id", "started_at", "started_by", "ended_at", "end_reason", "ended_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("devices held")


@admin.register(Person)
class PersonAdmin(ImportAdminMixin, RoleAdminMixin, admin.ModelAdmin):
    role = Role.REGISTRATION
    list_display = (
        "person_id",
        "family_name",
        "given_name",
        "email",
        "department",
        "active",
        "language",
    )
    search_fields = ("person_id", "given_name", "family_name", "email", "department")
    list_filter = ("active", "department", "language")
    inlines = (HoldingInline,)
    change_list_template = "admin/registration/person/change_list.html"
    import_template = "admin/registration/person/import.html"
    import_label = _("Import people from CSV/JSON")
    import_form = PeopleImportForm

    def get_readonly_fields(self, request, obj=None):
        # Holdings and lost reports refer to the person by this number.
        return () if obj is None else ("person_id",)

    def run_import(self, *, request, rows, form):
        return import_people(rows=rows, deactivate_missing=form.cleaned_data["deactivate_missing"])


@admin.register(Association)
class AssociationAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    role = Role.REGISTRATION
    list_display = (
        "device_id",
        "person",
        "started_at",
        "ended_at",
        "end_reason",
        "started_by",
        "ended_by",
    )
    list_select_related = ("person",)
    search_fields = ("device_id", "person__person_id", "person__family_name")
    list_filter = ("end_reason",)
    date_hierarchy = "started_at"


@admin.register(LostReport)
class LostReportAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    role = Role.REGISTRATION
    list_display = ("device_id", "holder", "lost_at", "reported_by", "found_at", "outcome")
    list_select_related = ("holder",)
    search_fields = ("device_id", "holder__person_id", "holder__family_name")
    list_filter = ("outcome",)
    date_hierarchy = "reported_at"
