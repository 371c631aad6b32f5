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


class DayCount(models.Model):
    """The statistics' counts of one local day (encounters/aggregates.py closes days).

    `zone` and `close_slots` are what the counts were made with: a day counted under
    another TIME_ZONE or close-contact length is counted again, never shown.
    """

    home_database = ENCOUNTERS

    day = models.DateField(unique=True)
    zone = models.CharField(max_length=64)
    close_slots = models.PositiveIntegerField()
    active = models.PositiveIntegerField()  # distinct tags that recorded anyone
    encounters = models.PositiveIntegerField()
    close = models.PositiveIntegerField()  # records longer than the close-contact length
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day}: {self.encounters} encounters"


class HourCount(models.Model):
    """Records of one local day that began in one UTC hour: a purge that drops a UTC day's
    partition sums its hours instead of counting the rows (a local day can share an hour
    with the next where the zone's offset is not whole hours, hence both keys)."""

    home_database = ENCOUNTERS

    day = models.DateField()
    hour = models.DateTimeField()
    encounters = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "hour"], name="hour_count_once")]

    def __str__(self) -> str:
        return f"{self.day} {format_datetime(self.hour)}: {self.encounters}"


class DayChange(models.Model):
    """A write that changed a day already over (a late uplink): its counts are due again.

    One row per writing transaction and day, inserted in that transaction; the closer
    deletes the rows it has seen before it counts (the argument is in aggregates.py).
    """

    home_database = ENCOUNTERS

    day = models.DateField(db_index=True)

    def __str__(self) -> str:
        return str(self.day)
