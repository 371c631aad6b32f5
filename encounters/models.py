"""Encounters (the `encounters` database): tag met tag, from start, for slots of 30 s.

Field names follow the seed's Table 2. Nothing here names a person or a
device: only the UWB tags the devices report.
"""

from django.db import models

from core.databases import ENCOUNTERS
from core.dates import format_datetime


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
        # The table keeps the name it had when the model lived in `tracing` (state-only move).
        db_table = "tracing_encounter"
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
        return f"{self.my_tag}→{self.ref_tag} {format_datetime(self.started_at)} x{self.slots}"

    @property
    def seconds(self) -> int:
        return self.slots * 30
