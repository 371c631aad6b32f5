"""The asset team's device admin, with the two actions that also end or touch a holding.

Mark broken ends the holder's holding and restock closes a found device's lost report:
both change `associations` as well as `assets`, so they are desk operations, added here to
the assets app's own DeviceAdmin.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assets.admin import DeviceAdmin
from assets.models import Device
from desk.services import device_mark_broken, device_restock


class DeskDeviceAdmin(DeviceAdmin):
    actions = ["mark_broken", "restock_repaired", *DeviceAdmin.actions]

    @admin.action(description=_("Mark broken (ends a holding)"))
    def mark_broken(self, request, queryset):
        self._apply(request, queryset, device_mark_broken, _("%(n)d device(s) marked broken."))

    @admin.action(description=_("Put back in stock (repaired or found)"))
    def restock_repaired(self, request, queryset):
        self._apply(request, queryset, device_restock, _("%(n)d device(s) put back in stock."))


admin.site.unregister(Device)
admin.site.register(Device, DeskDeviceAdmin)
