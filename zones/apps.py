from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    """Location exposure (seeds/002, EINS): donated coordinates, geo-zones, area exposure ratings.

    Opt-in and separate from the proximeter service: nothing here refers to a
    person, a device or a tag (docs/location-exposure.md).
    """

    name = "zones"
    verbose_name = _("Location exposure")
