"""People and who held which device when (the `associations` database).

Devices are referred to by their printed Device ID only, a plain value: the
devices themselves live in `assets`, and nothing here names a tag or an
encounter.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.databases import ASSOCIATIONS
from core.dates import format_datetime


class Person(models.Model):
    """A member of the organisation, from the HR directory."""

    home_database = ASSOCIATIONS

    person_id = models.CharField(
        verbose_name=gettext_lazy("person number"),
        max_length=32,
        unique=True,
        help_text=gettext_lazy("The organisation's person number."),
    )
    given_name = models.CharField(verbose_name=gettext_lazy("given name"), max_length=150)
    family_name = models.CharField(
        verbose_name=gettext_lazy("family name"), max_length=150, db_index=True
    )
    email = models.EmailField(verbose_name=gettext_lazy("email"), blank=True)
    department = models.CharField(
        verbose_name=gettext_lazy("department"), max_length=100, blank=True
    )
    active = models.BooleanField(
        verbose_name=gettext_lazy("active"),
        default=True,
        help_text=gettext_lazy("Still in the organisation's directory."),
    )
    language = models.CharField(
        verbose_name=gettext_lazy("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=gettext_lazy(
            "The language e-mails to the person are written in; blank: the portal's."
        ),
    )

    class Meta:
        verbose_name = gettext_lazy("person")
        ordering = ["family_name", "given_name", "person_id"]
        verbose_name_plural = gettext_lazy("people")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.person_id})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class EndReason(models.TextChoices):
    RELINQUISHED = "relinquished", gettext_lazy("given back")
    LOST = "lost", gettext_lazy("lost")
    SWAPPED = "swapped", gettext_lazy("swapped for another device")
    BROKEN = "broken", gettext_lazy("broken")
    PERSON_LEFT = "person_left", gettext_lazy("person left the organisation")


class Association(models.Model):
    """A person held a device from `started_at` until `ended_at` (open while held).

    A device is held by at most one person, and a person holds at most one
    device, at any instant. The open-holding rules below hold on every
    database; on PostgreSQL, exclusion constraints (migration 0002) also forbid
    any two overlapping periods.
    """

    home_database = ASSOCIATIONS

    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("person"),
        on_delete=models.PROTECT,
        to_field="person_id",
        related_name="holdings",
    )
    device_id = models.CharField(
        verbose_name=gettext_lazy("device ID"), max_length=32, db_index=True
    )
    started_at = models.DateTimeField(verbose_name=gettext_lazy("started at"))
    ended_at = models.DateTimeField(verbose_name=gettext_lazy("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        verbose_name=gettext_lazy("end reason"),
        max_length=16,
        choices=EndReason.choices,
        blank=True,
    )
    started_by = models.CharField(verbose_name=gettext_lazy("started by"), max_length=150)
    ended_by = models.CharField(verbose_name=gettext_lazy("ended by"), max_length=150, blank=True)

    class Meta:
        verbose_name = gettext_lazy("association")
        verbose_name_plural = gettext_lazy("associations")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_id"],
                condition=Q(ended_at__isnull=True),
                name="one_open_holding_per_device",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_at__isnull=True),
                name="one_open_holding_per_person",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="holding_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="holding_end_has_a_reason",
            ),
        ]
        indexes = [models.Index(fields=["device_id", "started_at"], name="holding_device_time")]

    def __str__(self) -> str:
        return _("%(person)s holds %(device)s from %(start)s") % {
            "person": self.person_id,
            "device": self.device_id,
            "start": format_datetime(self.started_at),
        }


class LostReport(models.Model):
    """A device reported lost, and whether and how it came back."""

    home_database = ASSOCIATIONS

    class Outcome(models.TextChoices):
        RETURNED = "returned", gettext_lazy("returned to its holder")
        RESTOCKED = "restocked", gettext_lazy("put back in stock")

    device_id = models.CharField(
        verbose_name=gettext_lazy("device ID"), max_length=32, db_index=True
    )
    holder = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("holder"),
        on_delete=models.PROTECT,
        to_field="person_id",
        null=True,
        blank=True,
        related_name="lost_reports",
        help_text=gettext_lazy("Who held it when it was lost (none if it was in stock)."),
    )
    lost_at = models.DateTimeField(verbose_name=gettext_lazy("lost at"))
    reported_at = models.DateTimeField(verbose_name=gettext_lazy("reported at"))
    reported_by = models.CharField(verbose_name=gettext_lazy("reported by"), max_length=150)
    found_at = models.DateTimeField(verbose_name=gettext_lazy("found at"), null=True, blank=True)
    found_by = models.CharField(verbose_name=gettext_lazy("found by"), max_length=150, blank=True)
    outcome = models.CharField(
        verbose_name=gettext_lazy("outcome"), max_length=16, choices=Outcome.choices, blank=True
    )

    class Meta:
        verbose_name = gettext_lazy("lost report")
        verbose_name_plural = gettext_lazy("lost reports")
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_id"],
                condition=Q(found_at__isnull=True),
                name="one_open_lost_report_per_device",
            ),
        ]

    def __str__(self) -> str:
        return _("%(device)s lost %(day)s") % {
            "device": self.device_id,
            "day": f"{self.lost_at:%Y-%m-%d}",
        }
