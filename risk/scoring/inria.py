"""Inria RR-9345: Covid-19 infectiousness risk from BLE RSSI measurements.

Source: J.-M. Gorce, M. Egan, R. Gribonval, "An efficient algorithm to estimate
Covid-19 infectiousness risk from BLE-RSSI measurements", Inria Research
Report RR-9345, May 2020, hal-02641630 (``seeds/003_*``). Equation, table and
section numbers below are the report's.

The chain of its section 2 (Figure 1), one function per block:

``compensate_gain`` (3) -> ``bufferize`` (contacts per temporary Id) ->
``filter_contacts`` (D_th) -> ``clip_outliers`` (RSSI_th) -> ``window_means``
(120 s windows every 60 s, linear-domain mean (8)) -> per-window score, exact
``score_exact`` (erfc, (44)/(49), sigma from Table 5) or ``score_piecewise``
((51), Table 5) -> ``cumulative_score`` (52), ``mean_score`` (53),
``softmax_mean_score`` (55), ``contact_vector`` (54) -> server side
``aggregate_probability`` (56)/(57). ``score_contacts`` runs the whole chain on
many contacts at once, vectorised.

Where the report disagrees with itself this module follows the mathematics;
each erratum is listed in ``docs/risk-models.md`` and next to the constant or
formula concerned.
"""

from dataclasses import dataclass, fields
from typing import Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .settings import setting

# --- Propagation and risk model (section 3.5, Table 3) -------------------------------------
#: Non-calibrated reference RSSI at d_max, dBm (Table 3, P*(d_max)).
P_DMAX_DBM = -80.0
#: Path-loss slope n (Table 3, n*); a = 10 n / ln 10 = 7.38 (section 6.0.1).
PATHLOSS_N = 1.7
#: Reference (and largest) distance of the model, m (Table 3, d_max).
D_MAX_M = 5.0
#: Critical distance for the risk, m (Table 3 d_c, Table 4).
D_C_M = 2.0
#: Shadowing strength, dB (Table 3, Table 5 caption). Erratum: sections 3.5 and 4.4
#: say 5 dB, but Table 5 is only reproduced by (49) with 4 dB.
SIGMA_SH_DB = 4.0
#: Exponent c of the prior p(z) = c e^{-cz} on the log-distance (21); c = 2 is devices
#: uniform in the disc of radius d_max (19), the report's reference model (46)-(47).
PRIOR_C = 2.0

# --- Table 5: per-window score parameters by number of samples N_p = 1, 2, 3, 4, 5, >5 ------
#: Total standard deviation sigma_Sh+f(n) of a window mean, dB (Table 5). The report adds the
#: shadowing (4 dB) and fading (Table 2) standard deviations linearly (section 6.0.1); kept,
#: because Table 5's P_min and Delta_P are derived from these values (see docs for the
#: root-sum-square alternative).
SIGMA_TOTAL_DB = (9.6, 7.5, 6.7, 6.3, 6.0, 5.0)
#: Minimal significant power P_min, dBm (Table 5). Erratum: Table 1 says -66 dBm.
P_MIN_DBM = (-75.0, -75.0, -75.0, -75.0, -75.0, -75.0)
#: Power range Delta_P = P_L - P_min, dB (Table 5; Table 1 lists the same set).
DELTA_P_DB = (39.0, 27.0, 23.0, 21.0, 20.0, 15.0)

# --- Algorithm parameters (Table 1, section 2.3) --------------------------------------------
#: Posture gain G_post, dB (Table 1: 0 dB, TBD).
G_POST_DB = 0.0
#: Environment gain G_env, dB (Table 1: 0 dB, TBD).
G_ENV_DB = 0.0
#: Minimum significant contact duration D_th, s (Table 1 and section 2.3: 2 min).
#: Erratum: section 2.1 says 5 min.
D_TH_S = 120.0
#: Window length T_win, s (Table 1).
T_WIN_S = 120.0
#: Window period, s: a window starts every minute (Table 1 T_overlap = 60 s, section 2.3).
T_STEP_S = 60.0
#: Clipping threshold RSSI_th, dBm. Section 2.3 names it without a value; -30 dBm is what
#: the model (7) would need at 6 mm, so nothing a real contact yields is touched.
RSSI_TH_DBM = -30.0
#: Softmax temperature b of (55) (section 6.0.2: "b = 0.1 gives good results").
SOFTMAX_B = 0.1
#: Risk coefficient r0, per minute (Table 4): 1 - exp(-15 r0) = 10 % for 15 min at 2 m.
R0_PER_MIN = 0.007
#: Mean-score thresholds of the risk levels (section 7.3: 3/15 and 7/15).
LOW_SCORE = 3 / 15
HIGH_SCORE = 7 / 15
#: Filter_cum_score: contacts kept per slot (section 2.3, no value given: keep all).
N_MAX: int | None = None


@dataclass(frozen=True)
class InriaParams:
    """The model's parameters; defaults are the report's values.

    ``from_settings()`` reads ``RISK_INRIA_<FIELD>`` (e.g. ``RISK_INRIA_R0_PER_MIN``).
    """

    p_dmax_dbm: float = P_DMAX_DBM
    pathloss_n: float = PATHLOSS_N
    d_max_m: float = D_MAX_M
    d_c_m: float = D_C_M
    sigma_sh_db: float = SIGMA_SH_DB
    prior_c: float = PRIOR_C
    sigma_total_db: tuple[float, ...] = SIGMA_TOTAL_DB
    p_min_dbm: tuple[float, ...] = P_MIN_DBM
    delta_p_db: tuple[float, ...] = DELTA_P_DB
    g_post_db: float = G_POST_DB
    g_env_db: float = G_ENV_DB
    d_th_s: float = D_TH_S
    t_win_s: float = T_WIN_S
    t_step_s: float = T_STEP_S
    rssi_th_dbm: float = RSSI_TH_DBM
    softmax_b: float = SOFTMAX_B
    r0_per_min: float = R0_PER_MIN
    low_score: float = LOW_SCORE
    high_score: float = HIGH_SCORE
    n_max: int | None = N_MAX

    @classmethod
    def from_settings(cls) -> Self:
        return cls(**{f.name: setting("INRIA", f.name, f.default) for f in fields(cls)})


# --- Gains (section 2.2, eq. 1-3) -----------------------------------------------------------
def gsma_static_gains(
    tx_correction_db: ArrayLike, rx_correction_db: ArrayLike, ref_loss_db: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Static gains from the GSMA correction factors:
    ``G0_tx = -tx_RSS_correction_factor - ref_loss`` (1), ``G0_rx = -rx_RSS_correction_factor`` (2).
    """
    tx = -np.asarray(tx_correction_db, float) - np.asarray(ref_loss_db, float)
    return tx, -np.asarray(rx_correction_db, float)


def device_gain(
    static_db: ArrayLike, *, posture_db: ArrayLike = G_POST_DB, environment_db: ArrayLike = G_ENV_DB
) -> NDArray[np.float64]:
    """``G(i) = G0(i) + G_post(i) + G_env(i)``, the same form for G_tx and G_rx (section 2.2,
    posture and environment calibration)."""
    return np.asarray(static_db, float) + np.asarray(posture_db, float) + environment_db


def compensate_gain(
    rssi_dbm: ArrayLike, *, g_tx_db: ArrayLike = 0.0, g_rx_db: ArrayLike = 0.0
) -> NDArray[np.float64]:
    """``Q(n) = RSSI(n) + G_rx(j) + G_tx(Id)`` (3): G_tx travels in each HELLO packet."""
    return np.asarray(rssi_dbm, float) + np.asarray(g_rx_db, float) + np.asarray(g_tx_db, float)


# --- Contacts (Bufferize_RSSI, Filter_contact) ----------------------------------------------
@dataclass(frozen=True)
class Contacts:
    """Packets grouped by temporary Id, sorted by (Id, time): contact ``k`` is
    ``times[starts[k]:starts[k + 1]]`` (section 2.1: "a temporary Id, a set of RSSI
    values and the corresponding timestamps")."""

    ids: NDArray
    starts: NDArray[np.intp]
    times: NDArray[np.float64]
    rssi: NDArray[np.float64]

    def __len__(self) -> int:
        return self.ids.size

    def counts(self) -> NDArray[np.intp]:
        return np.diff(self.starts)

    def durations_s(self) -> NDArray[np.float64]:
        """Time from the first to the last packet of each contact."""
        if len(self) == 0:
            return np.zeros(0)
        return self.times[self.starts[1:] - 1] - self.times[self.starts[:-1]]


def bufferize(ids: ArrayLike, times_s: ArrayLike, rssi_dbm: ArrayLike) -> Contacts:
    """Bufferize_RSSI (section 2.3): gather the packets of each temporary Id into a contact."""
    t = np.asarray(times_s, float).ravel()
    q = np.asarray(rssi_dbm, float).ravel()
    key = np.asarray(ids).ravel()
    if not _sorted_by_key_then_time(key, t):
        order = _order_by_key_then_time(key, t)
        key, t, q = key[order], t[order], q[order]
    cuts = np.flatnonzero(key[1:] != key[:-1]) + 1
    starts = np.concatenate(([0], cuts, [t.size])) if t.size else np.zeros(1, np.intp)
    return Contacts(key[starts[:-1]], starts.astype(np.intp), t, q)


def _sorted_by_key_then_time(key: NDArray, t: NDArray[np.float64]) -> bool:
    """True when packets are already grouped by Id in time order (no sort needed)."""
    if t.size < 2:
        return True
    later_key = key[1:] > key[:-1]
    same_key = key[1:] == key[:-1]
    return bool(np.all(later_key | (same_key & (t[1:] >= t[:-1]))))


_HASH = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing multiplier (odd, 2^64 / phi)


def _order_by_key_then_time(key: NDArray, t: NDArray[np.float64]) -> NDArray[np.intp]:
    """Stable order by (Id, time), what ``lexsort((t, key))`` gives, but fast on a receiver's
    time-ordered stream: integer Ids and positions are packed into one uint64 and sorted
    by value (SIMD sort), with the Id reduced to its high bits or, for random 64-bit Ids,
    to a hash checked for collisions. Other Ids: dense codes and a stable radix sort."""
    order = np.arange(t.size) if np.all(t[1:] >= t[:-1]) else np.argsort(t, kind="stable")
    k = key[order]
    pos_bits = max(int(k.size - 1).bit_length(), 1)
    if k.dtype.kind in "iu" and k.size and pos_bits <= 32:
        span = int(k.max()) - int(k.min())
        exact = span < 2 ** (64 - pos_bits)
        if exact:  # the Ids themselves fit: contacts come out sorted by Id
            codes = (k - k.min()).astype(np.uint64)
        else:  # contacts come out in the (fixed) order of their Ids' hashes
            codes = (k.astype(np.uint64) * _HASH) >> np.uint64(pos_bits)
        packed = (codes << np.uint64(pos_bits)) | np.arange(k.size, dtype=np.uint64)
        packed.sort()
        perm = (packed & np.uint64(2**pos_bits - 1)).astype(np.intp)
        if exact:
            return order[perm]
        grouped, ids = packed >> np.uint64(pos_bits), k[perm]
        if np.array_equal(grouped[1:] != grouped[:-1], ids[1:] != ids[:-1]):
            return order[perm]  # no two Ids share a hash
    codes = np.searchsorted(np.unique(k), k).astype(np.int64)
    perm = np.arange(t.size)
    top = int(codes.max()) if codes.size else 0
    for shift in range(0, max(top.bit_length(), 1), 16):
        digit = ((codes[perm] >> shift) & 0xFFFF).astype(np.uint16)
        perm = perm[np.argsort(digit, kind="stable")]
    return order[perm]


def filter_contacts(contacts: Contacts, *, d_th_s: float = D_TH_S) -> Contacts:
    """Filter_contact (section 2.3): drop the contacts lasting less than D_th.

    A contact lasts from its first to its last packet; one lasting exactly D_th is kept.
    """
    keep = contacts.durations_s() >= d_th_s
    if keep.all():
        return contacts
    samples = np.repeat(keep, contacts.counts())
    counts = contacts.counts()[keep]
    starts = np.concatenate(([0], np.cumsum(counts))).astype(np.intp)
    return Contacts(contacts.ids[keep], starts, contacts.times[samples], contacts.rssi[samples])


def clip_outliers(
    rssi_dbm: ArrayLike, *, rssi_th_dbm: float = RSSI_TH_DBM, starts: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Clipping (section 2.3): a value above RSSI_th is replaced by the smaller of its two
    neighbours, never more than RSSI_th itself.

    ``starts`` (contact offsets, as :class:`Contacts`) keeps neighbours inside a contact;
    a sample with no neighbour below the threshold becomes RSSI_th.
    """
    x = np.asarray(rssi_dbm, float)
    prev = np.concatenate(([np.nan], x[:-1]))
    nxt = np.concatenate((x[1:], [np.nan]))
    if starts is not None:
        s = np.asarray(starts, np.intp)
        prev[s[:-1]] = np.nan
        nxt[s[1:] - 1] = np.nan
    neighbour = np.fmin(prev, nxt)
    replacement = np.fmin(neighbour, rssi_th_dbm)  # fmin: a missing neighbour is ignored
    return np.where(x > rssi_th_dbm, replacement, x)


# --- Fading reduction (section 3.2) --------------------------------------------------------
_DB_TO_NEPER = np.log(10.0) / 10.0  # 10^(x/10) = e^(x ln10/10), exp is the faster ufunc


def linear_mean_db(rssi_dbm: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    """Linear-domain mean ``P^ = 10 log10( (1/m) sum 10^(P(k)/10) )`` (8)."""
    p = np.asarray(rssi_dbm, float)
    return 10.0 * np.log10(np.mean(np.power(10.0, p / 10.0), axis=axis))


def fading_std_db(m: ArrayLike) -> NDArray[np.float64]:
    """Standard deviation of the log of the mean of m Rayleigh-faded powers, dB (Table 2).

    The log-fading (13) is a log-gamma variable: its variance is ``(10/ln 10)^2 psi'(m)``
    (psi' the trigamma function), which reproduces Table 2 (5.6, 3.5, 2.7, ...).
    """
    from scipy.special import polygamma  # loaded where the pipeline runs, not in every web worker

    return 10.0 / np.log(10.0) * np.sqrt(polygamma(1, np.asarray(m, float)))


@dataclass(frozen=True)
class Windows:
    """Per-window results of a batch of contacts: window ``w`` belongs to contact
    ``contact[w]``, starts at ``start_s[w]``, holds ``samples[w]`` packets whose linear
    mean is ``mean_dbm[w]`` (NaN when empty)."""

    contact: NDArray[np.intp]
    offsets: NDArray[np.intp]
    index: NDArray[np.intp]
    start_s: NDArray[np.float64]
    samples: NDArray[np.intp]
    mean_dbm: NDArray[np.float64]


def window_means(
    contacts: Contacts, *, t_win_s: float = T_WIN_S, t_step_s: float = T_STEP_S
) -> Windows:
    """Windowing and fading reduction (section 2.3): windows of ``t_win_s`` starting every
    ``t_step_s`` from the contact's first packet, as long as they start at or before its
    last packet (one window per minute of contact: "15 values" in 15 min, section 2.3);
    in each, the linear-domain mean (8).
    """
    n_contacts = len(contacts)
    if n_contacts == 0:
        empty_i, empty_f = np.zeros(0, np.intp), np.zeros(0)
        return Windows(empty_i, np.zeros(1, np.intp), empty_i, empty_f, empty_i, empty_f)
    first = contacts.times[contacts.starts[:-1]]
    span = contacts.durations_s()
    per_contact = np.floor(span / t_step_s).astype(np.intp) + 1
    offsets = np.concatenate(([0], np.cumsum(per_contact))).astype(np.intp)
    contact = np.repeat(np.arange(n_contacts), per_contact)
    index = np.arange(offsets[-1]) - offsets[contact]
    # Search all contacts at once on a key that keeps each contact in its own range.
    width = float(span.max()) + t_win_s + t_step_s + 1.0
    sample_contact = np.repeat(np.arange(n_contacts), contacts.counts())
    key = sample_contact * width + (contacts.times - first[sample_contact])
    begin = contact * width + index * t_step_s
    lo = np.searchsorted(key, begin, "left")
    hi = np.searchsorted(key, begin + t_win_s, "left")
    power = np.concatenate(([0.0], np.cumsum(np.exp(contacts.rssi * _DB_TO_NEPER))))
    samples = hi - lo
    total = power[hi] - power[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(samples > 0, 10.0 * np.log10(total / np.maximum(samples, 1)), np.nan)
    return Windows(contact, offsets, index, first[contact] + index * t_step_s, samples, mean)


# --- Per-window score (sections 5.3 and 6.0.1) ----------------------------------------------
def pathloss_a(n: float = PATHLOSS_N) -> float:
    """``a = 10 n / ln 10`` (after (15)); 7.38 for n = 1.7 (section 6.0.1)."""
    return 10.0 * n / np.log(10.0)


def mean_rssi_dbm(
    distance_m: ArrayLike,
    *,
    p_dmax_dbm: float = P_DMAX_DBM,
    n: float = PATHLOSS_N,
    d_max_m: float = D_MAX_M,
) -> NDArray[np.float64]:
    """Mean received power without shadowing or fading, ``P(d_max) - 10 n log10(d/d_max)``
    ((6)-(7))."""
    return p_dmax_dbm - 10.0 * n * np.log10(np.asarray(distance_m, float) / d_max_m)


def score_erfc(
    gamma_db: ArrayLike,
    sigma_db: ArrayLike,
    *,
    n: float = PATHLOSS_N,
    d_max_m: float = D_MAX_M,
    d_c_m: float = D_C_M,
    prior_c: float = PRIOR_C,
) -> NDArray[np.float64]:
    """Score ``pi(gamma) = P(D <= d_c | gamma)`` (40), closed form (44), (47) for a prior
    c, (49) with sigma_Sh+fad:

    ``pi = erfc(2^-1/2 (ln(d_max/d_c)/(s/a) - g/s + c s/a)) / erfc(2^-1/2 (-g/s + c s/a))``

    with the standard ``erfc(x) = 2/sqrt(pi) int_x^inf e^{-t^2} dt`` (erratum: Proposition 2
    writes the constant as sqrt(2/pi); it cancels in the ratio). Evaluated as a ratio of
    normal tails in the log domain, so it stays exact where both erfc underflow.
    """
    from scipy.special import log_ndtr  # loaded where the pipeline runs, not in every web worker

    a = pathloss_a(n)
    g = np.asarray(gamma_db, float)
    s = np.asarray(sigma_db, float)
    x0 = -g / s + prior_c * s / a
    x1 = np.log(d_max_m / d_c_m) * a / s + x0
    return np.exp(log_ndtr(-x1) - log_ndtr(-x0))


def _table_index(samples: ArrayLike, size: int) -> NDArray[np.intp]:
    """Row of Table 5 for N_p samples: 1..5, then "> 5" for the last column."""
    return np.clip(np.asarray(samples, np.intp), 1, size) - 1


def window_sigma_db(
    samples: ArrayLike, *, sigma_total_db: tuple[float, ...] = SIGMA_TOTAL_DB
) -> NDArray[np.float64]:
    """sigma_Sh+f(n) of a window holding N_p samples (Table 5): fewer samples, larger sigma."""
    table = np.asarray(sigma_total_db, float)
    return table[_table_index(samples, table.size)]


def score_exact(
    q_dbm: ArrayLike,
    samples: ArrayLike,
    *,
    p_dmax_dbm: float = P_DMAX_DBM,
    n: float = PATHLOSS_N,
    d_max_m: float = D_MAX_M,
    d_c_m: float = D_C_M,
    prior_c: float = PRIOR_C,
    sigma_total_db: tuple[float, ...] = SIGMA_TOTAL_DB,
) -> NDArray[np.float64]:
    """Per-window score (49): (44) at ``gamma = Q^ - P*(d_max)`` with sigma from Table 5.
    A window without samples scores 0."""
    q = np.asarray(q_dbm, float)
    m = np.asarray(samples)
    sigma = window_sigma_db(m, sigma_total_db=sigma_total_db)
    with np.errstate(invalid="ignore"):
        pi = score_erfc(q - p_dmax_dbm, sigma, n=n, d_max_m=d_max_m, d_c_m=d_c_m, prior_c=prior_c)
    return np.where((m > 0) & np.isfinite(q), pi, 0.0)


def score_linear(
    q_dbm: ArrayLike,
    *,
    p_min_dbm: ArrayLike = P_MIN_DBM[-1],
    delta_p_db: ArrayLike = DELTA_P_DB[-1],
) -> NDArray[np.float64]:
    """Piecewise-linear score ``max(0, min(1, (Q^ - P_min) / Delta_P))`` (50)-(51)."""
    q = np.asarray(q_dbm, float)
    return np.clip((q - np.asarray(p_min_dbm, float)) / np.asarray(delta_p_db, float), 0.0, 1.0)


def score_piecewise(
    q_dbm: ArrayLike,
    samples: ArrayLike,
    *,
    p_min_dbm: tuple[float, ...] = P_MIN_DBM,
    delta_p_db: tuple[float, ...] = DELTA_P_DB,
) -> NDArray[np.float64]:
    """Per-window score (51) with P_min and Delta_P of Table 5 for N_p samples.
    A window without samples scores 0."""
    q = np.asarray(q_dbm, float)
    m = np.asarray(samples)
    row = _table_index(m, len(delta_p_db))
    with np.errstate(invalid="ignore"):
        pi = score_linear(
            q, p_min_dbm=np.asarray(p_min_dbm)[row], delta_p_db=np.asarray(delta_p_db)[row]
        )
    return np.where((m > 0) & np.isfinite(q), pi, 0.0)


def piecewise_fit(
    sigma_db: ArrayLike,
    *,
    p_dmax_dbm: float = P_DMAX_DBM,
    n: float = PATHLOSS_N,
    d_max_m: float = D_MAX_M,
    d_c_m: float = D_C_M,
    prior_c: float = PRIOR_C,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(P_min, Delta_P) of the line tangent to (49) where pi = 1/2 (section 6.0.1: "fitting
    the value and slope at the point gamma where pi(gamma) = 0.5"): how Table 5 is made.
    """
    from scipy.special import ndtr  # loaded where the pipeline runs, not in every web worker

    a = pathloss_a(n)
    s = np.asarray(sigma_db, float)
    u = np.log(d_max_m / d_c_m) * a / s

    def pi(g: NDArray[np.float64]) -> NDArray[np.float64]:
        return score_erfc(g, s, n=n, d_max_m=d_max_m, d_c_m=d_c_m, prior_c=prior_c)

    lo = np.full(s.shape, -100.0)
    hi = np.full(s.shape, 200.0)
    for _ in range(80):  # vectorised bisection: pi is increasing in gamma
        mid = (lo + hi) / 2
        below = pi(mid) < 0.5
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    g50 = (lo + hi) / 2
    x0 = -g50 / s + prior_c * s / a
    x1 = u + x0
    # d pi / d gamma = (phi(x1) - pi phi(x0)) / (s Phi(-x0)), at pi = 1/2
    phi = np.exp(-0.5 * np.square([x0, x1])) / np.sqrt(2 * np.pi)
    slope = (phi[1] - 0.5 * phi[0]) / (s * ndtr(-x0))
    delta = 1.0 / slope
    return p_dmax_dbm + g50 - delta / 2, delta


def map_distance_m(
    gamma_db: ArrayLike,
    sigma_db: ArrayLike = SIGMA_SH_DB,
    *,
    n: float = PATHLOSS_N,
    d_max_m: float = D_MAX_M,
    prior_c: float = PRIOR_C,
) -> NDArray[np.float64]:
    """MAP distance (section 4.6): ``z = gamma/a - c s^2/a^2`` if ``gamma >= c s^2/a``, else
    0, and ``d = d_max e^{-z}`` (20). Erratum: the text then calls the threshold
    ``2 s^2/a^2``; that is the shift on z, the threshold on gamma is ``2 s^2/a``."""
    a = pathloss_a(n)
    g = np.asarray(gamma_db, float)
    s = np.asarray(sigma_db, float)
    z = np.maximum(g / a - prior_c * s**2 / a**2, 0.0)
    return d_max_m * np.exp(-z)


def combine_directions(mean_ab_dbm: ArrayLike, mean_ba_dbm: ArrayLike) -> NDArray[np.float64]:
    """Extension, not in the report: fuse the window means of both directions of a contact
    (A hears B, B hears A; windows aligned) into their average in dB, or the one present.

    Under (14) both directions share the distance; their shadowing is partly reciprocal
    (correlation rho), so the average has shadowing ``sigma_Sh sqrt((1 + rho)/2)``: a gain
    unless the links are perfectly symmetric (section 3.4 finds them "quite" symmetric).
    Score the result with :func:`score_exact`; ``bench/rssi_accuracy.py`` measures the gain.
    """
    a = np.asarray(mean_ab_dbm, float)
    b = np.asarray(mean_ba_dbm, float)
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, (a + b) / 2))


# --- Scores of one contact (section 6.0.2) --------------------------------------------------
def cumulative_score(scores: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    """``pi = sum_n pi(n)`` (52), in minutes of exposure (one score per minute)."""
    return np.sum(np.asarray(scores, float), axis=axis)


def mean_score(scores: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    """``pi_bar = (1/N) sum_n pi(n)`` (53); 0 for a contact without windows."""
    s = np.asarray(scores, float)
    if s.shape[axis] == 0:
        return np.sum(s, axis=axis)
    return np.mean(s, axis=axis)


def softmax_mean_score(
    scores: ArrayLike, *, b: float = SOFTMAX_B, axis: int = -1
) -> NDArray[np.float64]:
    """``pi_sm = b log( (1/N) sum_n e^{pi(n)/b} )`` (55); 0 for a contact without windows.

    Lies between the mean (53) and the largest score; computed with the maximum
    factored out, so small b does not overflow.
    """
    s = np.asarray(scores, float)
    if s.shape[axis] == 0:
        return np.sum(s, axis=axis)
    top = np.max(s, axis=axis, keepdims=True)
    inner = np.mean(np.exp((s - top) / b), axis=axis)
    return np.squeeze(top, axis=axis) + b * np.log(inner)


@dataclass(frozen=True)
class ContactVector:
    """Theta = {pi_bar, D, N} (54): mean score, duration in minutes, non-null scores."""

    mean: float
    duration_min: float
    nonnull: int


def contact_vector(scores: ArrayLike, *, t_step_s: float = T_STEP_S) -> ContactVector:
    """Theta (54) of one contact's per-window scores.

    D spans the first to the last non-null score, both included: ``(last - first + 1)``
    windows of ``t_step_s``. Erratum: the report says "difference between the indices",
    which gives 0 for a single non-null minute and breaks the equivalence of (57) with
    (56) that section 6.0.3 claims; counting both ends restores it when D = N.
    """
    s = np.asarray(scores, float).ravel()
    nonnull = np.flatnonzero(s > 0)
    if nonnull.size == 0:
        return ContactVector(float(mean_score(s)), 0.0, 0)
    duration = (nonnull[-1] - nonnull[0] + 1) * t_step_s / 60.0
    return ContactVector(float(mean_score(s)), float(duration), int(nonnull.size))


def risk_level(
    mean_scores: ArrayLike, *, low: float = LOW_SCORE, high: float = HIGH_SCORE
) -> NDArray[np.int8]:
    """0 negligible (pi_bar < 3/15), 1 medium (3/15 <= pi_bar <= 7/15), 2 high (> 7/15)
    (section 7.3; erratum: the report prints the medium range as "3/15 > pi > 3/15")."""
    x = np.asarray(mean_scores, float)
    return np.where(x > high, 2, np.where(x >= low, 1, 0)).astype(np.int8)


def filter_cum_scores(cumulative: ArrayLike, *, n_max: int | None = N_MAX) -> NDArray[np.intp]:
    """Filter_cum_score (section 2.3): indices of the ``n_max`` largest cumulative scores
    of a slot, largest first (all of them when ``n_max`` is None)."""
    order = np.argsort(-np.asarray(cumulative, float), kind="stable")
    return order if n_max is None else order[:n_max]


# --- Server side (section 6.0.3) ------------------------------------------------------------
def aggregate_probability(
    scores: ArrayLike, *, minutes: ArrayLike | None = None, r0: float = R0_PER_MIN
) -> float:
    """Probability of infection ``P = 1 - exp(-r0 sum_l score_l * minutes_l)``.

    Without ``minutes`` it is (56): the scores are cumulative scores (52), already in
    score-minutes (one window per minute, "since Delta_T = 1min it does not appear").
    With ``minutes`` it is (57): mean scores (53) times durations D (or counts N) of (54).
    A UWB minute at < 2 m scores 1: ``aggregate_probability(np.ones(total_minutes))``.
    """
    s = np.asarray(scores, float)
    total = np.sum(s) if minutes is None else np.sum(s * np.asarray(minutes, float))
    return float(-np.expm1(-r0 * total))


def threshold_for_false_alarm_rate(negative_scores: ArrayLike, far: float) -> float:
    """Smallest threshold t such that ``score > t`` alarms on at most ``far`` of the
    negatives (section 7.3: "the thresholds can be shifted to balance false positive and
    true positive rates"). Ties at t never alarm, so the rate is never exceeded."""
    s = np.sort(np.asarray(negative_scores, float).ravel())
    if s.size == 0:
        return float("-inf")
    allowed = int(np.floor(far * s.size + 1e-9))
    return float("-inf") if allowed >= s.size else float(s[s.size - allowed - 1])


# --- The whole chain ------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactScores:
    """Scores of a batch of contacts (one row per contact after Filter_contact) and the
    per-window detail. ``cumulative`` (52) is in score-minutes, ``mean`` (53), ``softmax``
    (55), ``duration_min`` and ``nonnull`` complete Theta (54)."""

    ids: NDArray
    windows: NDArray[np.intp]
    cumulative: NDArray[np.float64]
    mean: NDArray[np.float64]
    softmax: NDArray[np.float64]
    duration_min: NDArray[np.float64]
    nonnull: NDArray[np.intp]
    window_detail: Windows
    window_scores: NDArray[np.float64]

    def __len__(self) -> int:
        return self.ids.size


def score_contacts(
    ids: ArrayLike,
    times_s: ArrayLike,
    rssi_dbm: ArrayLike,
    *,
    g_tx_db: ArrayLike = 0.0,
    g_rx_db: ArrayLike = 0.0,
    params: InriaParams | None = None,
    exact: bool = False,
    filter_short: bool = True,
) -> ContactScores:
    """The chain of section 2 on packets (temporary Id, time in s, raw RSSI in dBm):
    compensate (3), bufferize, filter (D_th), clip, window (8), score ((51), or (49) when
    ``exact``), then (52)-(55) per contact. Vectorised over all contacts.
    """
    p = params or InriaParams()
    q = compensate_gain(rssi_dbm, g_tx_db=g_tx_db, g_rx_db=g_rx_db)
    contacts = bufferize(ids, times_s, np.broadcast_to(q, np.shape(times_s)))
    if filter_short:
        contacts = filter_contacts(contacts, d_th_s=p.d_th_s)
    clipped = clip_outliers(contacts.rssi, rssi_th_dbm=p.rssi_th_dbm, starts=contacts.starts)
    contacts = Contacts(contacts.ids, contacts.starts, contacts.times, clipped)
    w = window_means(contacts, t_win_s=p.t_win_s, t_step_s=p.t_step_s)
    if exact:
        scores = score_exact(
            w.mean_dbm,
            w.samples,
            p_dmax_dbm=p.p_dmax_dbm,
            n=p.pathloss_n,
            d_max_m=p.d_max_m,
            d_c_m=p.d_c_m,
            prior_c=p.prior_c,
            sigma_total_db=p.sigma_total_db,
        )
    else:
        scores = score_piecewise(
            w.mean_dbm, w.samples, p_min_dbm=p.p_min_dbm, delta_p_db=p.delta_p_db
        )
    return _per_contact(contacts.ids, w, scores, b=p.softmax_b, t_step_s=p.t_step_s)


def score_contact(
    times_s: ArrayLike,
    rssi_dbm: ArrayLike,
    *,
    g_tx_db: ArrayLike = 0.0,
    g_rx_db: ArrayLike = 0.0,
    params: InriaParams | None = None,
    exact: bool = False,
    filter_short: bool = True,
) -> ContactScores:
    """:func:`score_contacts` for the packets of a single temporary Id."""
    t = np.asarray(times_s, float)
    return score_contacts(
        np.zeros(t.shape, np.int64),
        t,
        rssi_dbm,
        g_tx_db=g_tx_db,
        g_rx_db=g_rx_db,
        params=params,
        exact=exact,
        filter_short=filter_short,
    )


def _per_contact(
    ids: NDArray, w: Windows, scores: NDArray[np.float64], *, b: float, t_step_s: float
) -> ContactScores:
    """(52)-(55) per contact with segment reductions (every contact has >= 1 window)."""
    n_windows = np.diff(w.offsets)
    if ids.size == 0:
        zeros = np.zeros(0)
        return ContactScores(ids, n_windows, zeros, zeros, zeros, zeros, n_windows, w, scores)
    seg = w.offsets[:-1]
    cumulative = np.add.reduceat(scores, seg)
    mean = cumulative / n_windows
    top = np.maximum.reduceat(scores, seg)
    inner = np.add.reduceat(np.exp((scores - top[w.contact]) / b), seg) / n_windows
    softmax = top + b * np.log(inner)
    nonzero = scores > 0
    nonnull = np.add.reduceat(nonzero.astype(np.intp), seg)
    first = np.minimum.reduceat(np.where(nonzero, w.index, np.iinfo(np.intp).max), seg)
    last = np.maximum.reduceat(np.where(nonzero, w.index, -1), seg)
    duration = np.where(nonnull > 0, (last - first + 1) * t_step_s / 60.0, 0.0)
    return ContactScores(ids, n_windows, cumulative, mean, softmax, duration, nonnull, w, scores)
