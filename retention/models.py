"""What each purge removed (default database): the record the data-protection office reads."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dates import format_datetime


class PurgeRecord(models.Model):
    """One run of the purge: what it removed of each kind (retention/selectors.py KINDS), and
    the oldest item of each kind it left."""

    at = models.DateTimeField(
        db_index=True, help_text=_("The purge's moment: what it measured from.")
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    removed = models.JSONField(help_text=_("Rows (or files) removed per kind."))
    oldest_remaining = models.DateTimeField(null=True, blank=True)
    oldest_kept = models.JSONField(
        default=dict, blank=True, help_text=_("Per kind: when its oldest item left began (ISO).")
    )

    class Meta:
        ordering = ["-at"]
        # The table keeps the name it had when the model lived in `stats` (state-only move).
        db_table = "stats_purgerecord"

    def __str__(self) -> str:
        return f"purge {format_datetime(self.at)}: {sum(self.removed.values())} rows"


class Decommission(models.Model):
    """The end of the service: asked by the privacy office, approved by a second person,
    carried out by `manage.py decommission` (retention/decommission.py).

    `report` holds what was erased so far, per database and table, while the
    command runs (a run stopped midway adds to it when run again), and at the
    end the signed report the command printed.
    """

    requested_by = models.CharField(max_length=150, help_text=_("Portal account (user name)."))
    requested_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    approved_by = models.CharField(max_length=150, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    carried_out_at = models.DateTimeField(null=True, blank=True)
    # True until carried out: one request at a time is open (the constraint below).
    open = models.BooleanField(default=True, editable=False)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["open"], condition=models.Q(open=True), name="one_open_decommission"
            ),
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("requested_by")),
                name="decommission_approved_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"end of service asked by {self.requested_by} on {self.requested_at:%Y-%m-%d}"

    @property
    def approved(self) -> bool:
        return bool(self.approved_by) and self.approved_by != self.requested_by
