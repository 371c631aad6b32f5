"""A trace kept for its author (the `default` database, beside the audit trail)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dates import format_datetime


class Trace(models.Model):
    """A trace run by the medical service, kept (encrypted) so its author can reopen it.

    Lives in `default` beside the audit trail. The result names people and
    the times they met, so it is stored encrypted with a key the database
    does not hold, and deleted after TRACE_RESULT_RETENTION_DAYS.
    """

    author = models.CharField(max_length=150, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    person_id = models.CharField(max_length=32)
    case_reference = models.CharField(max_length=100)
    contacts = models.PositiveIntegerField()
    close_contacts = models.PositiveIntegerField()
    result = models.BinaryField(help_text=_("The result as JSON, encrypted (Fernet)."))
    audit_entry = models.OneToOneField(
        "audit.AuditEntry", on_delete=models.PROTECT, related_name="trace"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_reference} ({format_datetime(self.created_at)})"
