"""Demo location exposure: donated places of two people who tested positive, and a sample
location history that crossed them, so that Location risk shows a real result on `make run`.

Both donors went through the zones services, as the real ones do:

- one with a donation code from the medical service (symptoms two days ago: the code's
  window opens five days ago) who ate in the Meyrin restaurant at lunch every day and
  passed the reception of Building 33 each weekday morning;
- one sent by a hospital as a trusted source, who worked at the Prévessin site in the late
  afternoon of the last twelve days.

The sample history, `DATA_DIR/demo-location-history.gpx` (docs/user-guide/location-risk.md),
is a colleague's last three days: nights in Saint-Genis-Pouilly, office hours at Meyrin,
lunch in the same restaurant as the first donor at the next table, and once a minute in
the queue at the till right where the donor sat. Uploading it on the page gives a medium
score, with that minute as the moment that counted.

Everything is tied to the local calendar days before today, so a second run on the same
day donates the same points (the services store each point once) and writes the same
file: running twice leaves the same state. A later run adds the new days; the daily purge
removes the days past the retention, as for real donations.
"""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from random import Random

from django.conf import settings
from django.utils import timezone

from zones import selectors, services

# Places around the demo organisation's Meyrin and Prévessin sites (lat, long), each the
# centre of an 11 m zone (0.0001°), so that jittered points stay inside it.
RESTAURANT = (46.23255, 6.05455)  # Meyrin, the main restaurant
RECEPTION = (46.23115, 6.05365)  # Meyrin, Building 33
PREVESSIN_WORKSHOP = (46.25835, 6.07125)
TABLE = (46.23265, 6.05455)  # the sample history's table, the zone north of the donor's
OFFICE = (46.23385, 6.05185)  # the sample history's office, Meyrin
HOME = (46.24355, 6.02535)  # the sample history's home, Saint-Genis-Pouilly
JITTER = 0.00003  # degrees: points wander within their 11 m zone

CODE_DONOR_ONSET_DAYS_AGO = 2
HOSPITAL_DONOR_DAYS = 12
SAMPLE_DAYS = 3
SAMPLE_FILE = "demo-location-history.gpx"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _stay(rng: Random, place, start: datetime, minutes: int, every: int, accuracy: float):
    """Points every `every` minutes for `minutes` at `place`, a little apart."""
    lat, long = place
    return [
        services.Point(
            lat=round(lat + rng.uniform(-JITTER, JITTER), 6),
            long=round(long + rng.uniform(-JITTER, JITTER), 6),
            time=int((start + timedelta(minutes=m)).timestamp()),
            accuracy=accuracy,
        )
        for m in range(0, minutes, every)
    ]


def _days_before(today: date, count: int) -> list[date]:
    return [today - timedelta(days=n) for n in range(count, 0, -1)]


def code_donor_points(today: date) -> list[services.Point]:
    """Lunch at the restaurant every day, the reception each weekday morning."""
    points = []
    first = CODE_DONOR_ONSET_DAYS_AGO + 3  # the code's window: 3 days before the onset
    for day in _days_before(today, first):
        rng = Random(f"code-donor-{day.isoformat()}")
        if day.weekday() < 5:
            points += _stay(rng, RECEPTION, _at(day, 8, 30), 20, 2, 0.8)
        points += _stay(rng, RESTAURANT, _at(day, 12, 0), 50, 2, 0.9)
    return points


def hospital_donor_points(today: date) -> list[services.Point]:
    """An hour in the Prévessin workshop each late afternoon."""
    points = []
    for day in _days_before(today, HOSPITAL_DONOR_DAYS):
        rng = Random(f"hospital-donor-{day.isoformat()}")
        points += _stay(rng, PREVESSIN_WORKSHOP, _at(day, 16, 30), 60, 3, 0.7)
    return points


def sample_history(today: date) -> list[tuple[float, float, int]]:
    """(lat, long, Unix seconds) of the sample's last days, a point every 5 minutes
    (every 2 at lunch, as a phone does when it moves)."""
    points = []
    for day in _days_before(today, SAMPLE_DAYS):
        rng = Random(f"sample-{day.isoformat()}")
        stays = [
            (HOME, _at(day, 0, 0), 7 * 60 + 40, 5),
            (OFFICE, _at(day, 8, 0), 4 * 60, 5),
            (TABLE, _at(day, 12, 10), 30, 2),
            (OFFICE, _at(day, 12, 45), 4 * 60 + 15, 5),
            (HOME, _at(day, 17, 30), 6 * 60 + 30, 5),
        ]
        if day == today - timedelta(days=2):
            # In the queue at the till, where the donor sat, for a minute.
            stays.append((RESTAURANT, _at(day, 12, 41), 1, 1))
        for place, start, minutes, every in stays:
            points += [(p.lat, p.long, p.time) for p in _stay(rng, place, start, minutes, every, 1)]
    return sorted(points, key=lambda point: point[2])


def sample_gpx(points: list[tuple[float, float, int]]) -> str:
    rows = "\n".join(
        f'      <trkpt lat="{lat:.6f}" lon="{long:.6f}"><time>'
        f"{datetime.fromtimestamp(t, tz=UTC):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
        for lat, long, t in points
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Proximeter portal demo" '
        'xmlns="http://www.topografix.com/GPX/1/1">\n'
        "  <trk><name>My last days (demo)</name><trkseg>\n"
        f"{rows}\n  </trkseg></trk>\n</gpx>\n"
    )


def sample_path() -> Path:
    return Path(settings.DATA_DIR) / SAMPLE_FILE


def load_demo_zones(stdout=None) -> int:
    """Donate the demo's places (where missing) and write the sample history; returns the
    number of points newly stored."""
    now = timezone.now()
    today = timezone.localdate(now)

    # The first donor: a code from the medical service, used at once by their app.
    onset = _at(today - timedelta(days=CODE_DONOR_ONSET_DAYS_AGO), 9)
    issued = services.donation_code_issue(symptom_onset=onset, now=now)
    credential = selectors.donation_code_credential(code=issued.code, now=now)
    stored = services.coordinates_donate(
        credential=credential, points=code_donor_points(today), now=now
    ).stored

    # The second: a hospital's upload, with a trusted source's window (the retention).
    hospital = selectors.Credential(
        code_id=None,
        window_start=now - timedelta(days=settings.ZONES_RETENTION_DAYS),
        window_end=now,
    )
    stored += services.coordinates_donate(
        credential=hospital, points=hospital_donor_points(today), now=now
    ).stored
    # Linked now, so the page answers at once even without a worker running.
    services.coordinates_link()

    path = sample_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sample_gpx(sample_history(today)), encoding="utf-8")
    if stdout is not None:
        stdout.write(f"Location risk: {stored} donated points stored; try the page with {path}\n")
    return stored
