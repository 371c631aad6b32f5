"""Encounters (the `encounters` database): tag met tag, from start, for slots of 30 s.

Field names follow the seed's Table 2. Nothing here names a person or a
device: only the UWB tags the devices report.
"""

from django.db import models

from proximeter.databases import ENCOUNTERS


class Encounter(models.Model):
    """`my_tag` recorded `ref_tag` within 2 m from `started_at` for `slots` x 30 s.

    Both devices usually report the same meeting (A→B and B→A); tracing
    merges the two directions. A repeated report of the same record keeps
    the larger number of slots.
    """

    home_database = ENCOUNTERS

    my_tag = models.PositiveBigIntegerField()
    ref_tag = models.PositiveBigIntegerField()
    started_at = models.DateTimeField()
    slots = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["my_tag", "ref_tag", "started_at"], name="encounter_once"
            ),
        ]
        indexes = [
            # The other direction: who recorded this tag (tracing, MY DATA).
            models.Index(fields=["ref_tag", "started_at"], name="encounter_ref_tag_time"),
            models.Index(fields=["started_at"], name="encounter_time"),
        ]

    def __str__(self) -> str:
        return f"{self.my_tag}→{self.ref_tag} {self.started_at:%Y-%m-%d %H:%M} x{self.slots}"

    @property
    def seconds(self) -> int:
        return self.slots * 30


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
    result = models.BinaryField(help_text="The result as JSON, encrypted (Fernet).")
    audit_entry = models.OneToOneField(
        "audit.AuditEntry", on_delete=models.PROTECT, related_name="trace"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_reference} ({self.created_at:%Y-%m-%d %H:%M})"
