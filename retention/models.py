"""What each purge removed (default database): the record the data-protection office reads."""

from django.db import models


class PurgeRecord(models.Model):
    """One run of the purge: rows removed per table, and the oldest encounter left."""

    at = models.DateTimeField(db_index=True)
    removed = models.JSONField(help_text="Rows removed per table.")
    oldest_remaining = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        # The table keeps the name it had when the model lived in `stats` (state-only move).
        db_table = "stats_purgerecord"

    def __str__(self) -> str:
        return f"purge {self.at:%Y-%m-%d %H:%M}: {sum(self.removed.values())} rows"
