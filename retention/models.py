"""What each purge removed (default database): the record the data-protection office reads."""

from django.db import models


class PurgeRecord(models.Model):
    """One run of the purge: what it removed of each kind (retention/selectors.py KINDS), and
    the oldest item of each kind it left."""

    at = models.DateTimeField(db_index=True, help_text="The purge's moment: what it measured from.")
    finished_at = models.DateTimeField(null=True, blank=True)
    removed = models.JSONField(help_text="Rows (or files) removed per kind.")
    oldest_remaining = models.DateTimeField(null=True, blank=True)
    oldest_kept = models.JSONField(
        default=dict, blank=True, help_text="Per kind: when its oldest item left began (ISO)."
    )

    class Meta:
        ordering = ["-at"]
        # The table keeps the name it had when the model lived in `stats` (state-only move).
        db_table = "stats_purgerecord"

    def __str__(self) -> str:
        return f"purge {self.at:%Y-%m-%d %H:%M}: {sum(self.removed.values())} rows"
