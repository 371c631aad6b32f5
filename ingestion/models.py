"""The ingestion path's tables: webhook tokens (default), the inbox and dead letters (encounters).

The inbox keeps only what is needed to process an uplink later: which
network server, its delivery ID, the FPort, the payload, the DevEUI (to
check it against the device's tag) and the network server's receive time.
Once processed, a row keeps nothing but its delivery ID (to recognise a
repeated delivery) until the purge: no gateway, signal, position, nor a
per-device arrival time is ever stored.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.databases import ENCOUNTERS


class Integration(models.TextChoices):
    TTS = "tts", _("The Things Stack v3")
    CHIRPSTACK = "chirpstack", "ChirpStack"


class IngestToken(models.Model):
    """A bearer token a network server's webhook presents. Only its SHA-256 is kept."""

    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
        unique=True,
        help_text=_("Which network server uses it."),
    )
    token_hash = models.CharField(
        verbose_name=_("token hash"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(verbose_name=_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ingest token")
        verbose_name_plural = _("ingest tokens")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InboxUplink(models.Model):
    """An accepted uplink waiting to be decoded, or processed (then stripped to its delivery ID)."""

    home_database = ENCOUNTERS

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        PROCESSED = "processed", _("processed")

    integration = models.CharField(max_length=16, choices=Integration.choices)
    delivery_key = models.CharField(
        max_length=100,
        help_text=_("The network server's own ID of this uplink (deduplication)."),
    )
    fport = models.PositiveSmallIntegerField(null=True)
    payload = models.BinaryField(null=True)
    dev_eui = models.CharField(max_length=16, null=True)  # noqa: DJ001  (ABP: none)
    received_at = models.DateTimeField(
        null=True, help_text=_("When the network server received it.")
    )
    accepted_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "delivery_key"], name="inbox_one_row_per_delivery"
            ),
        ]
        indexes = [
            models.Index(
                fields=["accepted_at"], condition=Q(status="pending"), name="inbox_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration}:{self.delivery_key} ({self.status})"


class DeadLetter(models.Model):
    """An uplink (or some of its records) that could not be stored, with the reason.

    Kept with what processing it again needs once the cause is fixed (e.g. a
    device registered with the wrong tag): the payload, its FPort, the DevEUI
    (the sender check). Nothing that would show when a device was heard: no
    receive time, and `created_at` only to the hour. Purged after
    DEAD_LETTER_RETENTION_HOURS.
    """

    home_database = ENCOUNTERS

    integration = models.CharField(
        verbose_name=_("integration"), max_length=16, choices=Integration.choices
    )
    delivery_key = models.CharField(verbose_name=_("delivery key"), max_length=100)
    fport = models.PositiveSmallIntegerField(verbose_name=_("fport"), null=True)
    payload = models.BinaryField(
        verbose_name=_("payload"),
    )
    dev_eui = models.CharField(verbose_name=_("dev eui"), max_length=16, null=True)  # noqa: DJ001  (none: refused)
    reason = models.CharField(verbose_name=_("reason"), max_length=40, db_index=True)
    detail = models.CharField(verbose_name=_("detail"), max_length=500)
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        db_index=True,
        help_text=_("The end of the hour in which the uplink was dead-lettered."),
    )
    reprocessed_at = models.DateTimeField(verbose_name=_("reprocessed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail[:60]}"
