"""Location exposure's tables (seeds/002, "Database Structure"), and who may donate to them.

`encounters` holds the geo-zone tables of the seed: specifications, zones,
coordinates, archived coordinates and the coordinate↔zone links. `default`
holds the two ways to be allowed to donate: single-use donation codes and
trusted sources' tokens (hashes only).

Nothing links a coordinate to a person: a donation code stores no person
ID, a coordinate stores no code, upload or source, and no table says which
coordinates arrived together. See docs/location-exposure.md.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.databases import ENCOUNTERS


class GeoZoneSpecification(models.Model):
    """A grid the world is cut into: squares of `size_degrees`, or H3 hexagons of a resolution.

    A specification with a `parent` nests in it: each of its zones records
    the coarser zone it lies in (the 0.0001° square in its 0.01° square, the
    resolution-12 hexagon in its resolution-9 ancestor). The four seeded
    specifications are in migration 0002.
    """

    home_database = ENCOUNTERS

    class Shape(models.TextChoices):
        SQUARE = "square", _("square (degrees of latitude and longitude)")
        HEXAGON = "hexagon", _("hexagon (H3)")

    name = models.CharField(verbose_name=_("name"), max_length=60, unique=True)
    shape = models.CharField(verbose_name=_("shape"), max_length=8, choices=Shape.choices)
    size_degrees = models.DecimalField(
        verbose_name=_("size degrees"),
        max_digits=9,
        decimal_places=7,
        null=True,
        blank=True,
        help_text=_("Squares: the edge in degrees of latitude and of longitude (divides 1°)."),
    )
    h3_resolution = models.PositiveSmallIntegerField(
        verbose_name=_("h3 resolution"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(15)],
        help_text=_("Hexagons: the H3 resolution (9 ≈ 0.1 km², 12 ≈ 300 m²)."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The coarser specification whose zones contain this one's."),
    )
    active = models.BooleanField(
        verbose_name=_("active"),
        default=True,
        help_text=_("New coordinates are linked to the zones of active specifications."),
    )

    class Meta:
        verbose_name = _("geo zone specification")
        verbose_name_plural = _("geo zone specifications")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(shape="square", size_degrees__gt=0, h3_resolution__isnull=True)
                    | Q(shape="hexagon", size_degrees__isnull=True, h3_resolution__isnull=False)
                ),
                name="zone_spec_square_has_size_hexagon_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Rows of squares must meet the poles and the antimeridian exactly.
        if self.shape == self.Shape.SQUARE and self.size_degrees and (1 / self.size_degrees) % 1:
            raise ValidationError({"size_degrees": _("The size must divide one degree.")})
        if self.parent_id and self.parent.shape != self.shape:
            raise ValidationError({"parent": _("A parent specification has the same shape.")})


class GeoZone(models.Model):
    """One cell of a specification: a square's indices or a hexagon's H3 index, and its centre."""

    home_database = ENCOUNTERS

    spec = models.ForeignKey(GeoZoneSpecification, on_delete=models.PROTECT, related_name="zones")
    cell = models.CharField(
        max_length=32,
        help_text=_(
            "Squares: 'row:column' (floor(lat / size), floor(long / size)); hexagons: the H3 index."
        ),
    )
    centre_lat = models.FloatField()
    centre_long = models.FloatField()
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["spec", "cell"], name="zone_one_per_spec_and_cell"),
        ]
        indexes = [
            # An area request: the zones of one specification whose centre lies in a box.
            models.Index(fields=["spec", "centre_lat", "centre_long"], name="zone_spec_centre"),
        ]

    def __str__(self) -> str:
        return f"{self.spec_id}:{self.cell}"


class Coordinate(models.Model):
    """A donated point of an infectious period, kept ZONES_RETENTION_DAYS after its time.

    `received_at` is the day only: the points of one upload cannot be told
    from the others of that day by their arrival.
    """

    home_database = ENCOUNTERS

    latitude = models.FloatField()
    longitude = models.FloatField()
    time = models.DateTimeField()
    accuracy = models.FloatField(
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("The GPS's confidence that the point is where it says (0 to 1)."),
    )
    received_at = models.DateTimeField()
    linked = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # A second donation of the same point (e.g. by a trusted source) is ignored.
            models.UniqueConstraint(
                fields=["latitude", "longitude", "time"], name="coordinate_once"
            ),
        ]
        indexes = [
            models.Index(fields=["time"], name="coordinate_time"),
            models.Index(fields=["id"], condition=Q(linked=False), name="coordinate_unlinked"),
        ]

    def __str__(self) -> str:
        return f"{self.latitude:.5f},{self.longitude:.5f} {self.time:%Y-%m-%d %H:%M}"


class ArchivedCoordinate(models.Model):
    """The raw copy of every stored coordinate (the seed's "Archived Coordinates").

    The seed never cleans this table, to keep "a history of all infected
    points". We do not: a growing, permanent map of where infected people
    went serves no purpose of this service once the points can no longer
    matter for anyone's exposure, and storage limitation (GDPR Art. 5(1)(e))
    asks for their deletion. So the archive is purged after
    ZONES_ARCHIVE_RETENTION_DAYS, by default the coordinates' own retention.
    An operator with a documented purpose and legal basis (e.g. an
    epidemiological study) may lengthen it; the archive links to nothing
    either way.
    """

    home_database = ENCOUNTERS

    latitude = models.FloatField()
    longitude = models.FloatField()
    time = models.DateTimeField()
    accuracy = models.FloatField()
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["time"], name="archived_coordinate_time")]

    def __str__(self) -> str:
        return f"{self.latitude:.5f},{self.longitude:.5f} {self.time:%Y-%m-%d %H:%M}"


class GeoZoneCoordinate(models.Model):
    """A coordinate lies in a zone (one link per active specification).

    The point's time (as Unix seconds, the API's unit) and accuracy are
    copied here; they never change. An area request then reads one index
    range per zone, (zone, unix_time) with the accuracy included, instead of
    fetching every point's row and converting its timestamp.
    """

    home_database = ENCOUNTERS

    zone = models.ForeignKey(
        GeoZone, on_delete=models.CASCADE, related_name="links", db_index=False
    )
    coordinate = models.ForeignKey(Coordinate, on_delete=models.CASCADE, related_name="links")
    unix_time = models.BigIntegerField(help_text=_("The coordinate's time in Unix seconds."))
    accuracy = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["zone", "coordinate"], name="zone_coordinate_once"),
        ]
        indexes = [
            models.Index(
                fields=["zone", "unix_time"],
                include=["accuracy", "coordinate"],
                name="zone_coordinate_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coordinate_id} in {self.zone_id}"


class DonationCode(models.Model):
    """A short single-use code the medical service gives a person who tested positive.

    It allows one upload of coordinates inside the infectious window, and
    keeps only what that needs: a keyed hash of the code, when it expires
    (to the hour) and the window (from the start of its first day). Not who
    issued it nor when, nor anything a trace's window could be matched
    with: a donation cannot be traced back to a medic's case. A used code is
    deleted at once; an expired one by the daily purge.
    """

    code_hash = models.CharField(
        verbose_name=_("code hash"), max_length=64, unique=True, editable=False
    )
    expires_at = models.DateTimeField(
        verbose_name=_("expires at"), help_text=_("The end of an hour.")
    )
    window_start = models.DateTimeField(
        verbose_name=_("window start"),
        help_text=_("The day of symptom onset - 3 days, or positive test - 7 days (seeds/002)."),
    )
    window_end = models.DateTimeField(
        verbose_name=_("window end"),
    )

    class Meta:
        verbose_name = _("donation code")
        verbose_name_plural = _("donation codes")
        ordering = ["expires_at"]

    def __str__(self) -> str:
        return f"code expiring {self.expires_at:%Y-%m-%d %H:%M}"


class TrustedSource(models.Model):
    """A hospital, laboratory or authority that uploads coordinates with a token (hash only)."""

    name = models.CharField(verbose_name=_("name"), max_length=100, unique=True)
    token_hash = models.CharField(
        verbose_name=_("token hash"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(verbose_name=_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("trusted source")
        verbose_name_plural = _("trusted sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
