"""The audit trail (default database): every identity-revealing join, chained so edits show.

Each entry carries the hash of the one before it; `manage.py verify_audit`
recomputes the chain and names the first entry that does not match. The
portal offers no way to edit or delete an entry.
"""

from django.db import models


class AuditEntry(models.Model):
    """Who did what about whom, when and why."""

    class Action(models.TextChoices):
        TRACE = "trace", "traced close contacts"
        TRACE_REOPENED = "trace_reopened", "reopened a trace"
        TRACE_EXPORTED = "trace_exported", "exported a trace"

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150, db_index=True, help_text="Portal account (user name).")
    action = models.CharField(max_length=32, choices=Action.choices)
    target_person_id = models.CharField(max_length=32, db_index=True, blank=True)
    case_reference = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, help_text="Window, policy, number of contacts, ...")
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_person_id}"
