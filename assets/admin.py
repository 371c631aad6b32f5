"""The asset team's admin: devices and their history, and importing the factory's lists.

A device's state is not edited here: it changes only through the desk's
operations or `manage.py reconcile`, each of which records why in the
device's history. Devices are never deleted, for the same reason.
"""

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assets.imports import (
    device_import_start,
    import_devices,
    normalise_dev_eui,
    progress_key,
)
from assets.labels import code128_svg
from assets.models import Device, DeviceEvent, DeviceImport, DeviceState
from assets.services import device_retire, device_return_from_repair, device_send_for_repair
from core.admin import ImportAdminMixin, ReadOnlyRoleAdminMixin, RoleAdminMixin
from core.databases import ASSETS
from core.errors import DomainError
from core.roles import Role

STATE_HELP = gettext_lazy(
    "Read-only here: a device's state changes only through the registration desk's "
    "operations (assign, take back, lost, found, broken, retire), the repair actions of "
    "the device list, or manage.py reconcile, "
    "which record each change in the history below."
)


class DeviceAdminForm(forms.ModelForm):
    # Room for a DevEUI as printed on a label (8 pairs and 7 separators) before it is compacted.
    dev_eui = forms.CharField(
        label="DevEUI",
        required=False,
        max_length=23,
        help_text=gettext_lazy(
            "16 hexadecimal digits; 70-b3-d5-… or 70:B3:D5:… is accepted and stored "
            "upper-case without separators."
        ),
    )

    class Meta:
        model = Device
        fields = ("device_id", "tag_id", "dev_eui", "firmware", "batch")
        help_texts = {"state": STATE_HELP}

    def clean_device_id(self):
        """Refuse a new device whose ID differs only by case from one stored (as the import
        does): the desk matches typed IDs whatever their case, so both would be ambiguous."""
        value = self.cleaned_data.get("device_id")
        if value and self.instance.pk is None:
            same = Device.objects.filter(device_id__iexact=value).exclude(device_id=value).first()
            if same is not None:
                raise forms.ValidationError(
                    _(
                        "%(value)s differs only by case from device %(device)s: "
                        "a second device must have another ID."
                    )
                    % {"value": value, "device": same.device_id}
                )
        return value

    def clean_dev_eui(self):
        """Accept a DevEUI as printed (lower case, `-` or `:`); store it as the import does."""
        value = self.cleaned_data.get("dev_eui")
        return (normalise_dev_eui(value) or value) if value else None


class DeviceEventInline(ReadOnlyRoleAdminMixin, admin.TabularInline):
    role = Role.ASSETS
    model = DeviceEvent
    fields = ("at", "actor", "from_state", "to_state", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("history")


@admin.register(Device)
class DeviceAdmin(ImportAdminMixin, RoleAdminMixin, admin.ModelAdmin):
    role = Role.ASSETS
    form = DeviceAdminForm
    list_display = ("device_id", "tag_id", "dev_eui", "state", "firmware", "batch")
    search_fields = ("device_id", "tag_id", "dev_eui")
    list_filter = ("state", "firmware", "batch")
    inlines = (DeviceEventInline,)
    change_list_template = "admin/assets/device/change_list.html"
    import_template = "admin/assets/device/import.html"
    import_label = gettext_lazy("Import devices from CSV")
    # The desk app adds mark broken and restock (desk/admin.py).
    actions = ["print_labels", "send_for_repair", "back_from_repair", "back_unrepaired", "retire"]
    # One sheet is printed at a time: enough for a delivery's batch, small enough to render.
    MAX_LABELS = 2000

    def _apply(self, request, queryset, operation, done, note: str = "admin") -> None:
        """`done`: the lazy sentence "%(n)d device(s) ...", said with the count of changes."""
        """Run a desk operation on each chosen device; refusals are listed, the rest applied."""
        changed = 0
        for device in queryset:
            try:
                operation(device_id=device.device_id, acting_user=request.user, note=note)
                changed += 1
            except DomainError as refusal:
                self.message_user(request, refusal.message, messages.WARNING)
        if changed:
            self.message_user(request, done % {"n": changed}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Print barcode labels (Code 128 of the Device ID)"))
    def print_labels(self, request, queryset):
        """A print page of labels; filter by batch and select all for a batch's sheet."""
        count = queryset.count()
        if count > self.MAX_LABELS:
            self.message_user(
                request,
                _(
                    "%(count)d devices chosen; print at most %(max)d labels at a time "
                    "(filter by batch)."
                )
                % {"count": count, "max": self.MAX_LABELS},
                messages.WARNING,
            )
            return None
        devices = queryset.order_by("device_id").only("device_id", "batch")
        return TemplateResponse(
            request,
            "admin/assets/device/labels.html",
            {
                "title": ngettext(
                    "Labels for %(count)d device", "Labels for %(count)d devices", count
                )
                % {"count": count},
                "labels": [
                    {"device_id": d.device_id, "batch": d.batch, "svg": code128_svg(d.device_id)}
                    for d in devices
                ],
                "back_url": reverse("admin:assets_device_changelist"),
            },
        )

    @admin.action(description=gettext_lazy("Send for repair (broken devices)"))
    def send_for_repair(self, request, queryset):
        self._apply(
            request,
            queryset,
            device_send_for_repair,
            gettext_lazy("%(n)d device(s) sent for repair."),
            "sent for repair (admin)",
        )

    @admin.action(description=gettext_lazy("Back from repair, repaired (into stock)"))
    def back_from_repair(self, request, queryset):
        self._apply(
            request,
            queryset,
            device_return_from_repair,
            gettext_lazy("%(n)d device(s) back in stock, repaired."),
            "back from repair, repaired (admin)",
        )

    @admin.action(description=gettext_lazy("Back from repair, not repaired (broken)"))
    def back_unrepaired(self, request, queryset):
        def unrepaired(**kwargs):
            return device_return_from_repair(repaired=False, **kwargs)

        self._apply(
            request,
            queryset,
            unrepaired,
            gettext_lazy("%(n)d device(s) back from repair, still broken."),
            "back from repair, not repaired (admin)",
        )

    @admin.action(description=gettext_lazy("Retire (out of service for good)"))
    def retire(self, request, queryset):
        self._apply(request, queryset, device_retire, gettext_lazy("%(n)d device(s) retired."))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("state",)
        # Encounters name the tag and holdings the Device ID: neither may change afterwards.
        return ("device_id", "tag_id", "state")

    def has_delete_permission(self, request, obj=None):
        return False  # its history must stay

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A device added by hand starts its history like an imported one.
        with transaction.atomic(using=ASSETS):
            obj.state = DeviceState.IN_STOCK
            super().save_model(request, obj, form, change)
            DeviceEvent.objects.create(
                device=obj,
                at=timezone.now(),
                actor=request.user.get_username(),
                from_state="",
                to_state=DeviceState.IN_STOCK,
                note="added in the admin",
            )

    def run_import(self, *, request, rows, form):
        return import_devices(rows=rows, actor=request.user.get_username())

    def start_background_import(self, *, request, upload, form):
        """A delivery's list can be long: a worker imports it while a page shows progress."""
        job = device_import_start(data=upload.read(), name=upload.name, acting_user=request.user)
        return reverse("admin:assets_device_import_status", args=[job.pk])

    def get_urls(self):
        return [
            path(
                "import/<int:import_id>/",
                self.admin_site.admin_view(self.import_status_view),
                name="assets_device_import_status",
            ),
            *super().get_urls(),
        ]

    def import_status_view(self, request, import_id: int):
        """A background import's progress, then its report (the page reloads until done)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(DeviceImport.objects.defer("data"), pk=import_id)
        finished = job.status in (DeviceImport.Status.DONE, DeviceImport.Status.FAILED)
        done = None if finished else cache.get(progress_key(job.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import of %(file)s") % {"file": job.file_name},
            "job": job,
            "finished": finished,
            "rows_done": done or 0,
            "rows_total": job.total,
        }
        return TemplateResponse(request, "admin/assets/device/import_status.html", context)


@admin.register(DeviceEvent)
class DeviceEventAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin):
    role = Role.ASSETS
    list_display = ("at", "device", "actor", "from_state", "to_state", "note")
    list_select_related = ("device",)
    search_fields = ("device__device_id", "actor", "note")
    list_filter = ("to_state",)
    date_hierarchy = "at"
