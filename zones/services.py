"""Location exposure's writes: donation codes, trusted sources, donations, linking, purge.

    medical service ──> donation_code_issue: a single-use code, shown once (hash kept)
    donor's app     ──> coordinates_donate: all points valid, or none stored; code consumed
    worker          ──> coordinates_link: each new point to a zone of every active spec
    beat            ──> coordinates_link (every 5 min), coordinates_purge (daily, with ingestion's)

Privacy (docs/location-exposure.md): a code names no person; a stored point
names no code, upload or source; no log line or metric label carries a
coordinate.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.databases import DEFAULT, ENCOUNTERS, delete_in_batches, home_of
from core.errors import DomainError
from core.queue import enqueue
from risk.infectious import POSITIVE_TEST_DAYS_BEFORE, SYMPTOM_ONSET_DAYS_BEFORE
from zones import codes, grid, metrics
from zones.models import (
    ArchivedCoordinate,
    Coordinate,
    DonationCode,
    GeoZone,
    GeoZoneCoordinate,
    GeoZoneSpecification,
    TrustedSource,
)
from zones.selectors import Credential

logger = logging.getLogger(__name__)

# --- Donation codes -----------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once to the medical user, never stored
    expires_at: datetime
    window_start: datetime
    window_end: datetime


def _end_of_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _start_of_day(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def donation_code_issue(
    *,
    symptom_onset: datetime | None = None,
    positive_test: datetime | None = None,
    now: datetime | None = None,
) -> IssuedCode:
    """A code for one upload of the infectious period's points (seeds/002, "System Requirements").

    The period starts 3 days before the symptom onset, or, without
    symptoms, 7 days before the positive test (RKI, as the seed cites), and
    lasts until the code expires: the person may keep moving until they
    donate. Points older than the retention are refused at upload.
    """
    now = now or timezone.now()
    if (symptom_onset is None) == (positive_test is None):
        raise DomainError(
            _("Give exactly one of: the symptom onset, or the positive test."), code="window"
        )
    given = symptom_onset or positive_test
    if given > now + timedelta(seconds=settings.ZONES_CLOCK_TOLERANCE_SECONDS):
        raise DomainError(_("The symptom onset or test lies in the future."), code="window")
    days = SYMPTOM_ONSET_DAYS_BEFORE if symptom_onset is not None else POSITIVE_TEST_DAYS_BEFORE
    # Coarse on purpose: neither the moment of issue nor the exact onset or test time (which a
    # trace's window starts from) is kept.
    expires_at = _end_of_hour(now + timedelta(hours=settings.ZONES_DONATION_CODE_HOURS))
    window_start = _start_of_day(given - timedelta(days=days))
    for _attempt in range(3):  # a collision among 5.9e14 codes is all but impossible
        code = codes.code_generate()
        try:
            with transaction.atomic(using=DEFAULT):
                DonationCode.objects.create(
                    code_hash=codes.code_hash(codes.code_normalise(code)),
                    expires_at=expires_at,
                    window_start=window_start,
                    window_end=expires_at,
                )
        except IntegrityError:
            continue
        return IssuedCode(
            code=code, expires_at=expires_at, window_start=window_start, window_end=expires_at
        )
    raise RuntimeError("could not draw an unused donation code")


# --- Trusted sources ----------------------------------------------------------------


def trusted_source_create(*, name: str) -> str:
    """A token for a hospital, laboratory or authority; returned once, only its hash is kept."""
    token = codes.token_generate()
    TrustedSource.objects.create(name=name, token_hash=codes.token_hash(token))
    return token


def trusted_source_revoke(*, source: TrustedSource, now: datetime | None = None) -> None:
    source.revoked_at = now or timezone.now()
    source.save(update_fields=["revoked_at"])


# --- Donations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Donation:
    stored: int
    duplicates: int


@dataclass(frozen=True)
class Point:
    lat: float
    long: float
    time: int  # Unix seconds
    accuracy: float


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _batched(items, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def invalid_entries(problems: list[str]) -> DomainError:
    """One 400 naming the offending entries; the donor's app can fix them and send again."""
    shown = "; ".join(problems[:10])
    if len(problems) > 10:
        shown += _("; and %(n)d more") % {"n": len(problems) - 10}
    return DomainError(
        _(
            "Invalid upload: %(problems)s. Nothing was stored, and a donation code stays unused: "
            "correct or leave out these entries and send the whole list again."
        )
        % {"problems": shown},
        code="invalid_coordinates",
    )


def _checked_times(points: list[Point], credential: Credential, now: datetime) -> None:
    latest = now + timedelta(seconds=settings.ZONES_CLOCK_TOLERANCE_SECONDS)
    start, end = credential.window_start, credential.window_end
    low, high = start.timestamp(), end.timestamp()
    window = _("%(low)d-%(high)d (%(start)s to %(end)s UTC)") % {
        "low": int(low),
        "high": int(high),
        "start": f"{start.astimezone(UTC):%Y-%m-%d %H:%M}",
        "end": f"{end.astimezone(UTC):%Y-%m-%d %H:%M}",
    }
    problems = []
    for n, point in enumerate(points):
        if point.time > latest.timestamp():
            problems.append(_("coords[%(n)d].time: in the future (Unix seconds, UTC)") % {"n": n})
        elif not low <= point.time <= high:
            problems.append(
                _("coords[%(n)d].time: outside the donation window %(window)s")
                % {"n": n, "window": window}
            )
    if problems:
        raise invalid_entries(problems)


def coordinates_donate(
    *, credential: Credential, points: list[Point], now: datetime | None = None
) -> Donation:
    """Store an upload: all of it, or nothing if one point is invalid.

    seeds/002, "Logging of Coordinates to Server". Points repeated within
    the upload or already stored (same lat, long, time) are ignored. A
    donation code is consumed only once the points are committed: a failure
    before leaves it usable, and a repeat of the same upload would store
    nothing twice.
    """
    now = now or timezone.now()
    _checked_times(points, credential, now)
    unique = {(p.lat, p.long, p.time): p.accuracy for p in points}
    # The day only: one upload's points cannot be told from the day's others by their arrival.
    received_at = _start_of_day(now)
    if credential.code_id is None:
        stored = _store(unique, received_at)
    else:
        with transaction.atomic(using=DEFAULT):
            code = DonationCode.objects.select_for_update().filter(pk=credential.code_id).first()
            if code is None or code.expires_at <= now:
                raise DomainError(
                    _("This donation code has been used or has expired meanwhile."),
                    code="donation_code_used",
                    status_code=401,
                )
            stored = _store(unique, received_at)
            code.delete()  # used: nothing of it is kept (a second upload finds no code)
    metrics.COORDINATES.labels(outcome="stored").inc(stored)
    metrics.COORDINATES.labels(outcome="duplicate").inc(len(points) - stored)
    return Donation(stored=stored, duplicates=len(points) - stored)


def _insert(
    model,
    columns: dict[str, str],
    rows: list[tuple],
    *,
    unique: list[str],
    returning: bool = False,
) -> list[int]:
    """Bulk INSERT … ON CONFLICT (unique) DO NOTHING [RETURNING id]; returns the new rows' IDs.

    `columns` maps each column to its PostgreSQL type. On PostgreSQL the rows
    travel as one array per column (`SELECT * FROM unnest(…)`): one short
    statement for 20,000 rows, where a VALUES list or executemany spends
    more time in the driver than in the database. SQLite (the embedded
    default) takes multi-row VALUES. Values must be adapted for the
    database already (connection.ops.adapt_*).
    """
    connection = connections[home_of(model)]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
    tail = f" ON CONFLICT ({', '.join(map(quote, unique))}) DO NOTHING"
    if returning:
        tail += " RETURNING id"
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        statement, size = head + f"SELECT * FROM unnest({arrays})" + tail, 50_000
    else:
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        statement, size = None, 30_000 // len(columns)  # SQLite: ≤ 32,766 parameters
    ids: list[int] = []
    with connection.cursor() as cursor:
        for chunk in _batched(rows, size):
            if statement:
                cursor.execute(statement, [list(column) for column in zip(*chunk, strict=True)])
            else:
                values = ", ".join([row] * len(chunk))
                cursor.execute(head + f"VALUES {values}" + tail, [v for r in chunk for v in r])
            if returning:
                ids += [r[0] for r in cursor.fetchall()]
    return ids


def _store(points: dict[tuple[float, float, int], float], received_at: datetime) -> int:
    """The new points into the coordinates and the archive; returns how many were new."""
    connection = connections[ENCOUNTERS]
    adapt = connection.ops.adapt_datetimefield_value
    received = adapt(received_at)
    with transaction.atomic(using=ENCOUNTERS):
        new_ids = _insert(
            Coordinate,
            {
                "latitude": "float8",
                "longitude": "float8",
                "time": "timestamptz",
                "accuracy": "float8",
                "received_at": "timestamptz",
                "linked": "boolean",
            },
            [
                (lat, long, adapt(_utc(time)), accuracy, received, False)
                for (lat, long, time), accuracy in points.items()
            ],
            unique=["latitude", "longitude", "time"],
            returning=True,
        )
        quote = connection.ops.quote_name
        columns = ", ".join(
            map(quote, ["latitude", "longitude", "time", "accuracy", "received_at"])
        )
        with connection.cursor() as cursor:
            for chunk in _batched(new_ids, 5000):
                cursor.execute(
                    f"INSERT INTO {quote(ArchivedCoordinate._meta.db_table)} ({columns}) "
                    f"SELECT {columns} FROM {quote(Coordinate._meta.db_table)} "
                    f"WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
        if new_ids:
            transaction.on_commit(_queue_linking, using=ENCOUNTERS)
    return len(new_ids)


def _queue_linking() -> None:
    """Link the new points now; if the broker is down, the beat's run every 5 minutes will."""
    enqueue("zones.link_coordinates", fallback="the periodic linking will catch up")


# --- Linking ------------------------------------------------------------------------


# The specifications migration 0002 seeds (kept here too: a migration is frozen history).
DEFAULT_SPECIFICATIONS = [
    # pk, name, shape, size in degrees, H3 resolution, parent
    (1, "Square 0.01° (~1.1 km)", "square", Decimal("0.01"), None, None),
    (2, "Hexagon H3 resolution 9 (~0.1 km²)", "hexagon", None, 9, None),
    (3, "Hexagon H3 resolution 12 (~300 m²)", "hexagon", None, 12, 2),
    (4, "Square 0.0001° (~11 m)", "square", Decimal("0.0001"), None, 1),
]


def specifications_ensure() -> None:
    """Restore the default specifications when the table is empty (a flushed database).

    Linking and exposure need them; an operator who wants none deactivates them instead.
    """
    if GeoZoneSpecification.objects.exists():
        return
    for pk, name, shape, size, resolution, parent in DEFAULT_SPECIFICATIONS:
        GeoZoneSpecification.objects.create(
            pk=pk,
            name=name,
            shape=shape,
            size_degrees=size,
            h3_resolution=resolution,
            parent_id=parent,
            active=True,
        )


def _grids() -> tuple[list[grid.Grid], dict[int, grid.Grid], dict[int, int | None]]:
    specifications_ensure()
    specs = list(GeoZoneSpecification.objects.all())
    every = {spec.pk: grid.Grid.of(spec) for spec in specs}
    return (
        [every[spec.pk] for spec in specs if spec.active],
        every,
        {spec.pk: spec.parent_id for spec in specs},
    )


def _zones_ensure(
    zone_grid: grid.Grid,
    cells: set[str],
    grids: dict[int, grid.Grid],
    parents: dict[int, int | None],
) -> dict[str, int]:
    """The zone ID of each cell, creating the missing zones (and their parents first)."""
    known = dict(
        GeoZone.objects.filter(spec_id=zone_grid.spec_id, cell__in=cells).values_list("cell", "pk")
    )
    missing = cells - known.keys()
    if not missing:
        return known
    parent_of: dict[str, str] = {}
    parent_ids: dict[str, int] = {}
    parent_spec = parents.get(zone_grid.spec_id)
    if parent_spec is not None:
        parent_grid = grids[parent_spec]
        parent_of = {cell: grid.parent_of(zone_grid, cell, parent_grid) for cell in missing}
        parent_ids = _zones_ensure(parent_grid, set(parent_of.values()), grids, parents)
    new = []
    for cell in missing:
        lat, long = grid.centre_of(zone_grid, cell)
        parent_id = parent_ids[parent_of[cell]] if parent_of else None
        new.append(
            GeoZone(
                spec_id=zone_grid.spec_id,
                cell=cell,
                centre_lat=lat,
                centre_long=long,
                parent_id=parent_id,
            )
        )
    # Another linker may create the same zone at once: PostgreSQL waits for it, then skips.
    GeoZone.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    known.update(
        GeoZone.objects.filter(spec_id=zone_grid.spec_id, cell__in=missing).values_list(
            "cell", "pk"
        )
    )
    return known


def coordinates_link(*, batch: int = 5000) -> int:
    """Link each unlinked point to its zone of every active specification; returns how many.

    seeds/002, "Linking of Coordinates To Geo Zones": compute the cell, find
    or create its zone (with its parent zone), add a link. Rows are locked
    (SKIP LOCKED), so the periodic run and one queued by a donation can
    work at once; links are unique, so linking twice changes nothing.
    """
    active, grids, parents = _grids()
    if not active:
        return 0
    done = 0
    while True:
        with transaction.atomic(using=ENCOUNTERS):
            rows = list(
                Coordinate.objects.select_for_update(skip_locked=True)
                .filter(linked=False)
                .order_by("pk")
                .values_list("pk", "latitude", "longitude", "time", "accuracy")[:batch]
            )
            if not rows:
                break
            links = []
            for zone_grid in active:
                cells = [grid.cell_of(zone_grid, lat, long) for _, lat, long, _, _ in rows]
                zone_ids = _zones_ensure(zone_grid, set(cells), grids, parents)
                links += [
                    (zone_ids[cell], pk, int(time.timestamp()), accuracy)
                    for (pk, _, _, time, accuracy), cell in zip(rows, cells, strict=True)
                ]
            _insert(
                GeoZoneCoordinate,
                {
                    "zone_id": "bigint",
                    "coordinate_id": "bigint",
                    "unix_time": "bigint",
                    "accuracy": "float8",
                },
                links,
                unique=["zone_id", "coordinate_id"],
            )
            Coordinate.objects.filter(pk__in=[row[0] for row in rows]).update(linked=True)
        done += len(rows)
    if done:
        metrics.LINKED.inc(done)
    return done


def coordinates_relink() -> int:
    """After a specification was activated: link every kept point again (idempotent)."""
    return Coordinate.objects.filter(linked=True).update(linked=False)


# --- Purge --------------------------------------------------------------------------


def coordinates_purge(*, now: datetime | None = None, batch: int = 10_000) -> dict[str, int]:
    """Delete what is past its retention; returns rows removed per kind (daily, with ingestion's).

    Coordinates (with their links) ZONES_RETENTION_DAYS after their time;
    archived coordinates ZONES_ARCHIVE_RETENTION_DAYS after theirs (see
    ArchivedCoordinate); zones no point lies in any more (a zone's existence
    says someone infected was there); used and expired donation codes.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ZONES_RETENTION_DAYS)
    archive_cutoff = now - timedelta(days=settings.ZONES_ARCHIVE_RETENTION_DAYS)
    removed = {
        "zone_coordinates": delete_in_batches(
            Coordinate.objects.filter(time__lt=cutoff), batch=batch
        ),
        "zone_archive": delete_in_batches(
            ArchivedCoordinate.objects.filter(time__lt=archive_cutoff), batch=batch
        ),
        "geo_zones": 0,
    }
    # Children before parents: a parent is empty once its last child is gone.
    while True:
        emptied = delete_in_batches(
            GeoZone.objects.filter(links__isnull=True, children__isnull=True), batch=batch
        )
        removed["geo_zones"] += emptied
        if not emptied:
            break
    removed["donation_codes"] = delete_in_batches(
        DonationCode.objects.filter(expires_at__lt=now), batch=batch
    )
    return removed
