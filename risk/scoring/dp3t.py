"""DP-3T / SwissCovid exposure score from BLE attenuation buckets.

Source: DP-3T Team, "DP-3T Exposure Score Calculation - Summary", 27 May 2020
(``seeds/001_*``). The document has no numbered equations; formulas are cited
by section ("SwissCovid Exposure Estimation on GAEN", below *SwissCovid*).

Chain: beacons (time, attenuation) -> minutes per beacon -> minutes per day in
three attenuation buckets, each capped at 30 min -> exposure score per day
``ES = w1*B1 + w2*B2 + w3*B3`` -> notify when ``ES >= 15 min`` on any day of
the look-back window.

Bucket boundaries. The document defines the buckets as the partition the GAEN
``ExposureSummary`` API makes with two thresholds, written
``bucket1: (0...t1); bucket2: (t1...t2); bucket3: (t2...)``. That API counts a
value equal to a threshold in the lower bucket (Apple,
``ENExposureDetectionSummary.attenuationDurations``: ``A <= X``,
``X < A <= Y``, ``Y < A``). So here: **exactly 50 dB is in bucket 1 and
exactly 55 dB is in bucket 2** (weights 1 and 0.5). GAEN attenuations are
integers, so the boundary is hit in practice.

Look-back. The document says both "the current day and [...] the immediately
preceding 9 days" (Background) and "the current and past 10 days" (SwissCovid).
:data:`LOOKBACK_DAYS` = 10 days, current day included: it is the reading that
makes both sentences agree ("the current and past 10 days" read as a 10-day
window ending today), and the only one the document justifies
epidemiologically (contagious plus incubation period per ECDC). Reading the
second sentence as 11 days would contradict the first; set
``RISK_DP3T_LOOKBACK_DAYS = 11`` to get it.
"""

from dataclasses import dataclass, fields
from typing import Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .settings import setting

#: Attenuation threshold between bucket 1 and bucket 2, dB (SwissCovid: t1 = 50 dB).
T1_DB = 50.0
#: Attenuation threshold between bucket 2 and bucket 3, dB (SwissCovid: t2 = 55 dB).
T2_DB = 55.0
#: Bucket weights w1, w2, w3 (SwissCovid: 1, 0.5, 0).
WEIGHTS = (1.0, 0.5, 0.0)
#: Cap of each bucket's daily duration, minutes (SwissCovid: "limited to 30mins").
BUCKET_CAP_MIN = 30.0
#: Notification when ES >= this on a day, minutes (Motivation, SwissCovid: 15 min).
THRESHOLD_MIN = 15.0
#: Days in the look-back window, the current day included (Background: today + 9 days).
LOOKBACK_DAYS = 10
#: Longest time one beacon stands for, seconds: GAEN scans every 2.5-5 min (Figure 3).
MAX_BEACON_GAP_S = 300.0

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class DP3TParams:
    """The model's parameters; defaults are the document's values.

    ``from_settings()`` reads ``RISK_DP3T_<FIELD>`` (e.g. ``RISK_DP3T_T1_DB``).
    """

    t1_db: float = T1_DB
    t2_db: float = T2_DB
    weights: tuple[float, float, float] = WEIGHTS
    bucket_cap_min: float = BUCKET_CAP_MIN
    threshold_min: float = THRESHOLD_MIN
    lookback_days: int = LOOKBACK_DAYS
    max_beacon_gap_s: float = MAX_BEACON_GAP_S

    @classmethod
    def from_settings(cls) -> Self:
        return cls(**{f.name: setting("DP3T", f.name, f.default) for f in fields(cls)})


def attenuation_bucket(
    attenuation_db: ArrayLike, *, t1_db: float = T1_DB, t2_db: float = T2_DB
) -> NDArray[np.intp]:
    """Bucket index 0, 1, 2 of each attenuation (SwissCovid: buckets of the GAEN API).

    ``a <= t1`` -> 0, ``t1 < a <= t2`` -> 1, ``a > t2`` -> 2: a value equal to a
    threshold falls in the lower bucket, as the GAEN API counts it (module docstring).
    """
    return np.searchsorted(np.array([t1_db, t2_db]), np.asarray(attenuation_db, float), "left")


def day_index(times_s: ArrayLike) -> NDArray[np.int64]:
    """UTC day number (days since 1970-01-01) of POSIX timestamps in seconds."""
    return np.floor_divide(np.asarray(times_s, float), SECONDS_PER_DAY).astype(np.int64)


def beacon_minutes(
    times_s: ArrayLike,
    *,
    contact_ids: ArrayLike | None = None,
    max_gap_s: float = MAX_BEACON_GAP_S,
) -> NDArray[np.float64]:
    """Minutes of exposure each beacon stands for (Approach: a beacon indicates proximity
    "within a few minute-wide interval").

    A beacon stands for the time to the next beacon of the same contact, at most
    ``max_gap_s``; the last beacon of a contact for the time since the previous
    one (the contact's own rhythm), a lone beacon for ``max_gap_s`` (one GAEN scan
    interval). Output is in the input's order.
    """
    t = np.asarray(times_s, float)
    ids = np.zeros(t.shape, np.int64) if contact_ids is None else np.asarray(contact_ids)
    if t.size == 0:
        return np.zeros(0)
    order = np.lexsort((t, ids))
    ts, cs = t[order], ids[order]
    new = np.ones(t.size, bool)
    new[1:] = cs[1:] != cs[:-1]
    last = np.ones(t.size, bool)
    last[:-1] = new[1:]
    gap_next = np.append(np.diff(ts), np.nan)
    gap_prev = np.insert(np.diff(ts), 0, np.nan)
    seconds = np.where(last, np.where(new, max_gap_s, gap_prev), gap_next)
    minutes = np.empty(t.size)
    minutes[order] = np.minimum(seconds, max_gap_s) / 60.0
    return minutes


def bucket_minutes(
    attenuation_db: ArrayLike,
    minutes: ArrayLike,
    *,
    t1_db: float = T1_DB,
    t2_db: float = T2_DB,
    cap_min: float = BUCKET_CAP_MIN,
) -> NDArray[np.float64]:
    """Durations B1, B2, B3 (minutes, each capped) of one day's beacons (SwissCovid:
    ``duration_at_attenuation`` per bucket, "limited to 30mins")."""
    buckets = attenuation_bucket(attenuation_db, t1_db=t1_db, t2_db=t2_db)
    totals = np.bincount(buckets.ravel(), np.asarray(minutes, float).ravel(), minlength=3)
    return np.minimum(totals[:3], cap_min)


def daily_bucket_minutes(
    times_s: ArrayLike,
    attenuation_db: ArrayLike,
    *,
    contact_ids: ArrayLike | None = None,
    t1_db: float = T1_DB,
    t2_db: float = T2_DB,
    cap_min: float = BUCKET_CAP_MIN,
    max_gap_s: float = MAX_BEACON_GAP_S,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Per-beacon (time, attenuation) -> (days, B) with ``B[k] = (B1, B2, B3)`` of ``days[k]``.

    The joint duration over all contacts of a day, per bucket, capped at
    ``cap_min`` (SwissCovid: the ``ExposureSummary`` of one day). A beacon counts
    on the UTC day it was received; shift the timestamps for local days.
    """
    t = np.asarray(times_s, float)
    minutes = beacon_minutes(t, contact_ids=contact_ids, max_gap_s=max_gap_s)
    days, inverse = np.unique(day_index(t), return_inverse=True)
    buckets = attenuation_bucket(attenuation_db, t1_db=t1_db, t2_db=t2_db)
    totals = np.zeros((days.size, 3))
    np.add.at(totals, (inverse.ravel(), buckets.ravel()), minutes)
    return days, np.minimum(totals, cap_min)


def exposure_score(
    bucket_min: ArrayLike,
    *,
    weights: tuple[float, float, float] = WEIGHTS,
    cap_min: float = BUCKET_CAP_MIN,
) -> NDArray[np.float64]:
    """Exposure score ``ES = w1*B1 + w2*B2 + w3*B3`` in minutes (SwissCovid, the ES equation).

    ``bucket_min`` has the three bucket durations on its last axis (one row per
    day); each is capped at ``cap_min`` first, as the API reports them.
    """
    b = np.minimum(np.asarray(bucket_min, float), cap_min)
    return b @ np.asarray(weights, float)


def notification_due(
    days: ArrayLike,
    scores_min: ArrayLike,
    *,
    today: int,
    lookback_days: int = LOOKBACK_DAYS,
    threshold_min: float = THRESHOLD_MIN,
) -> bool:
    """True when ``ES >= threshold_min`` on any day of the look-back window
    (SwissCovid: "triggered if ES is greater or equal to 15min within any of these days").

    The window is the ``lookback_days`` days ending with ``today`` (day numbers as
    :func:`day_index`), the current day included.
    """
    d = np.asarray(days, np.int64)
    in_window = (d <= today) & (d > today - lookback_days)
    return bool(np.any(in_window & (np.asarray(scores_min, float) >= threshold_min)))


def exposure_notification(
    times_s: ArrayLike,
    attenuation_db: ArrayLike,
    *,
    today: int,
    contact_ids: ArrayLike | None = None,
    params: DP3TParams | None = None,
) -> bool:
    """The whole chain: beacons of COVID-positive keys -> notify or not."""
    p = params or DP3TParams()
    days, buckets = daily_bucket_minutes(
        times_s,
        attenuation_db,
        contact_ids=contact_ids,
        t1_db=p.t1_db,
        t2_db=p.t2_db,
        cap_min=p.bucket_cap_min,
        max_gap_s=p.max_beacon_gap_s,
    )
    scores = exposure_score(buckets, weights=p.weights, cap_min=p.bucket_cap_min)
    return notification_due(
        days, scores, today=today, lookback_days=p.lookback_days, threshold_min=p.threshold_min
    )
