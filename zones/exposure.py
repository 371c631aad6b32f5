"""The two stages of the exposure formula (seeds/002, "Mathematical Calculation of Exposure Risk").

Stage 1, on the server, per zone and period (the region exposure rating):

    Er(x) = 2·Er_max / (1 + e^(-M·x)) - Er_max,    M = λ̄ / (A·t)

x is the number of donated points in the zone during the period, λ̄ their
mean accuracy (so M·x = Σλ / (A·t), a confidence-weighted density), A the
zone's area and t the period's length. Units (ours; the seed names none):
**A in units of 10 m², t in hours** (settings.ZONES_AREA_UNIT_M2), and
Er_max = 100 so that ratings are percentages. M·x = 1 then means one fully
confident point per 10 m² per hour, and Er(1) = 46.21 %. One infected
person staying in a 0.0001° square (84.3 m² at 47° N) and recorded every 5
minutes at accuracy 0.9 gives M·x = 12·0.9 / (8.43·1) = 1.281 → 56.52 %,
whatever the period's length; two such people 85.67 %. In a 0.01° square
(0.843 km²) the same person gives 0.0064 %: a coarse zone rates only crowds.

Stage 2, in the person's browser, never on the server (the user's risk):

    E = 2·E_max / (1 + e^(-G)) - E_max,    G = Σ_i gamma_i · x_i · Er_i

x_i is the number of the person's own points in zone-period i, gamma_i their
mean accuracy, and Er_i the zone-period's rating as a fraction of Er_max (the
percentage / 100), so that G is a plain number: one point of accuracy 1 in
a zone rated 46.21 % gives G = 0.4621 and E = 22.7 %. `user_exposure_risk`
below is the reference the frontend's implementation is checked against.
"""

import math
from collections.abc import Iterable

ER_MAX = 100.0  # ratings are percentages
E_MAX = 100.0


def sigmoid_rating(value: float, *, maximum: float) -> float:
    """2·max / (1 + e^(-value)) - max: 0 at 0, rising to `maximum` (seeds/002, both stages)."""
    if value > 700:  # e^(-700) is below a double's resolution of 1
        return maximum
    return 2 * maximum / (1 + math.exp(-value)) - maximum


def infection_density(
    *, accuracy_sum: float, area_m2: float, hours: float, unit_m2: float
) -> float:
    """M·x = λ̄·x / (A·t) = Σλ / (A·t), with A in units of `unit_m2` and t in hours."""
    return accuracy_sum / ((area_m2 / unit_m2) * hours)


def region_exposure_rating(
    *, accuracy_sum: float, area_m2: float, hours: float, unit_m2: float
) -> float:
    """Stage 1: the zone's rating in percent for a period (Er_max = 100)."""
    density = infection_density(
        accuracy_sum=accuracy_sum, area_m2=area_m2, hours=hours, unit_m2=unit_m2
    )
    return sigmoid_rating(density, maximum=ER_MAX)


def user_exposure_risk(regions: Iterable[tuple[float, int, float]]) -> float:
    """Stage 2 (the browser's part): E in percent from (gamma_i, x_i, Er_i %) per zone-period."""
    g = sum(gamma * count * (rating / ER_MAX) for gamma, count, rating in regions)
    return sigmoid_rating(g, maximum=E_MAX)


def period_of(*, time: int, start: int, end: int, seconds: int) -> tuple[int, int]:
    """The period [start + k·p, start + (k+1)·p) holding `time`, cut at `end` (Unix seconds)."""
    k = (time - start) // seconds
    period_start = start + k * seconds
    return period_start, min(period_start + seconds, end)
