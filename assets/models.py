"""Devices as assets (the `assets` database): Device ID ↔ Tag ID ↔ DevEUI, state, history.

Nothing here names a person: who holds a device lives in `associations`.
"""

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.databases import ASSETS
from core.dates import format_datetime

UINT32_MAX = 2**32 - 1


class DeviceState(models.TextChoices):
    IN_STOCK = "in_stock", _("in stock")
    ASSIGNED = "assigned", _("assigned")
    LOST = "lost", _("lost")
    FOUND = "found", _("found")
    BROKEN = "broken", _("broken")
    IN_REPAIR = "in_repair", _("in repair")
    RETIRED = "retired", _("retired")


class Device(models.Model):
    """A proximeter: the number printed on it, the UWB tag it reports, its LoRaWAN identity."""

    home_database = ASSETS

    device_id = models.CharField(
        verbose_name=_("device ID"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9-]+$", _("Letters, digits and dashes only."))],
        help_text=_("The number printed on the device."),
    )
    tag_id = models.PositiveBigIntegerField(
        verbose_name=_("tag ID"),
        unique=True,
        validators=[MaxValueValidator(UINT32_MAX)],
        help_text=_("The internal UWB tag number the device reports in encounters."),
    )
    dev_eui = models.CharField(
        _("DevEUI"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-F]{16}$", _("16 hexadecimal digits."))],
        help_text=_("LoRaWAN device EUI, upper-case hex."),
    )
    batch = models.CharField(
        verbose_name=_("batch"), max_length=64, blank=True, help_text=_("Factory batch.")
    )
    firmware = models.CharField(
        verbose_name=_("firmware"), max_length=32, blank=True, help_text=_("Firmware version.")
    )
    state = models.CharField(
        verbose_name=_("state"),
        max_length=16,
        choices=DeviceState.choices,
        default=DeviceState.IN_STOCK,
        db_index=True,
    )

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["device_id"]

    def __str__(self) -> str:
        return gettext("device %(device)s") % {"device": self.device_id}


class DeviceEvent(models.Model):
    """One change of a device's state: who, when, from, to, why."""

    home_database = ASSETS

    device = models.ForeignKey(
        Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(verbose_name=_("at"), db_index=True)
    actor = models.CharField(
        verbose_name=_("actor"),
        max_length=150,
        help_text=_("Portal account (user name) that acted."),
    )
    from_state = models.CharField(
        verbose_name=_("from state"), max_length=16, choices=DeviceState.choices, blank=True
    )
    to_state = models.CharField(
        verbose_name=_("to state"), max_length=16, choices=DeviceState.choices
    )
    note = models.CharField(verbose_name=_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.device.device_id}: {self.from_state or '-'} → {self.to_state}"


class InventoryCheck(models.Model):
    """One count of the shelf: who scanned, when, and what differed from the records.

    Device IDs only: a device that should not be on the shelf is named with its
    state (assigned, lost, ...), never with the person holding it.
    """

    home_database = ASSETS

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(
        max_length=150, help_text=_("Portal account (user name) that scanned.")
    )
    expected_count = models.PositiveIntegerField(help_text=_("Devices in stock per the records."))
    scanned_count = models.PositiveIntegerField(help_text=_("Different devices scanned."))
    missing = models.JSONField(default=list, help_text=_("In stock per the records, not scanned."))
    unexpected = models.JSONField(
        default=list,
        help_text=_(
            "Scanned but not in stock per the records: [{device_id, reason}], reason a "
            "state or 'unknown'."
        ),
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return gettext("inventory check %(when)s by %(actor)s") % {
            "when": format_datetime(self.at),
            "actor": self.actor,
        }


class DeviceImport(models.Model):
    """A factory's device list imported in the background, and what the import did.

    The file is kept until the import has run (a device list names no one), then
    emptied; the report stays for its result page.
    """

    home_database = ASSETS

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("nothing imported")

    created_at = models.DateTimeField()
    actor = models.CharField(
        max_length=150, help_text=_("Portal account (user name) that uploaded.")
    )
    file_name = models.CharField(max_length=255)
    data = models.BinaryField(help_text=_("The uploaded file, until it is imported."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(null=True, help_text=_("Rows in the file (an estimate)."))
    finished_at = models.DateTimeField(null=True)
    summary = models.CharField(max_length=500, blank=True)
    messages = models.JSONField(default=list, help_text=_("Notes and errors by line, as shown."))

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return gettext("import of %(file)s") % {"file": self.file_name}
