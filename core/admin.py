"""What the Django admin shows to whom: each app's records to the role that manages them.

The admin's own model permissions are not used for this: roles come from
the identity provider's groups (core.roles), so a role is the one
place that decides. Superusers see everything.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy, ngettext

from core.errors import DomainError
from core.imports import ImportReport, Rows, check_size, row_words, rows_from_bytes
from core.roles import Role, has_role

# How many row errors the admin lists after an import; the command lists them all.
ERRORS_SHOWN = 100


class RoleAdminMixin:
    """Admin (or inline) of a model that only holders of `role` may see and edit."""

    role: Role

    def has_role_access(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or has_role(user, self.role)

    def has_module_permission(self, request):
        return self.has_role_access(request)

    def has_view_permission(self, request, obj=None):
        return self.has_role_access(request)

    # obj=None: an inline's has_add_permission takes the parent object too.
    def has_add_permission(self, request, obj=None):
        return self.has_role_access(request)

    def has_change_permission(self, request, obj=None):
        return self.has_role_access(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_role_access(request)


class ReadOnlyRoleAdminMixin(RoleAdminMixin):
    """Records that change only through the service's operations: the role may look, not touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text=gettext_lazy(
            "A .csv file with a header row (comma or semicolon), or a .json list of objects."
        )
    )


class ImportAdminMixin:
    """An "Import" page beside a changelist: upload a file, run an import, see the report.

    Subclasses name the page (`import_label`), its template and form, and
    run the import in `run_import`. Importing creates and changes records, so
    it needs both permissions.
    """

    import_label = gettext_lazy("Import")
    import_template: str
    import_form = ImportForm

    def run_import(self, *, request, rows: Rows, form) -> ImportReport:
        raise NotImplementedError

    def start_background_import(self, *, request, upload, form) -> str | None:
        """Hand the upload to a worker and return the URL of its progress page; None runs
        the import here, within the request (`run_import`)."""
        return None

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self):
        opts = self.opts
        # Before the model admin's own URLs, whose "<object_id>/" would take "import/".
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "import_label": self.import_label,
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.import_form(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                check_size(upload.name, upload.size)
                progress_url = self.start_background_import(
                    request=request, upload=upload, form=form
                )
                if progress_url:
                    return redirect(progress_url)
                rows = rows_from_bytes(data=upload.read(), name=upload.name)
                report = self.run_import(request=request, rows=rows, form=form)
            except DomainError as exc:
                messages.error(
                    request,
                    gettext("%(file)s: nothing was imported. %(reason)s")
                    % {"file": upload.name, "reason": exc.message},
                )
            else:
                show_report(request, report, name=upload.name)
                opts = self.opts
                return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.import_label,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, self.import_template, context)


def show_report(request, report: ImportReport, *, name: str) -> None:
    """The report as admin messages: the summary, notes, then the errors by line."""
    if report.error_count:
        messages.warning(
            request,
            gettext("Imported %(file)s: %(summary)s The rows with errors were skipped.")
            % {"file": name, "summary": report.summary()},
        )
    else:
        messages.success(
            request,
            gettext("Imported %(file)s: %(summary)s") % {"file": name, "summary": report.summary()},
        )
    for note in report.notes[:ERRORS_SHOWN]:
        messages.warning(request, note)
    shown = sorted(report.errors)[:ERRORS_SHOWN]
    for line, message in shown:
        messages.error(request, row_words(report.unit, line, message))
    if report.error_count > len(shown):
        messages.error(
            request,
            ngettext(
                "... and %(n)d more error; the import command (manage.py) lists them all.",
                "... and %(n)d more errors; the import command (manage.py) lists them all.",
                report.error_count - len(shown),
            )
            % {"n": report.error_count - len(shown)},
        )
