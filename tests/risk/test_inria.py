"""Inria RR-9345 RSSI -> risk chain (seeds/003_*), equation by equation. No database.

Equation, table and section numbers are the report's.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import erfc

from risk.scoring import inria
from risk.scoring.inria import (
    InriaParams,
    aggregate_probability,
    bufferize,
    clip_outliers,
    compensate_gain,
    contact_vector,
    cumulative_score,
    device_gain,
    fading_std_db,
    filter_contacts,
    filter_cum_scores,
    gsma_static_gains,
    linear_mean_db,
    map_distance_m,
    mean_rssi_dbm,
    mean_score,
    pathloss_a,
    piecewise_fit,
    risk_level,
    score_contact,
    score_contacts,
    score_erfc,
    score_exact,
    score_linear,
    score_piecewise,
    softmax_mean_score,
    threshold_for_false_alarm_rate,
    window_means,
    window_sigma_db,
)

TEN_MINUTES = np.arange(0.0, 600.0, 2.0)  # a packet every 2 s, t = 0 ... 598


# --- Gains (1)-(3) ---------------------------------------------------------------------------
def test_static_gains_follow_the_gsma_factors():
    # (1) G0_tx = -2 - 40 = -42; (2) G0_rx = -(-5) = 5
    g0_tx, g0_rx = gsma_static_gains(2.0, -5.0, 40.0)
    assert (g0_tx, g0_rx) == (-42.0, 5.0)


def test_gain_compensation_adds_the_tx_and_rx_gains_with_posture_and_environment():
    # G_tx = -42 - 3 + 1 = -44; G_rx = 5 - 3 + 1 = 3; (3) Q = -70 + 3 - 44 = -111
    g_tx = device_gain(-42.0, posture_db=-3.0, environment_db=1.0)
    g_rx = device_gain(5.0, posture_db=-3.0, environment_db=1.0)
    assert compensate_gain(-70.0, g_tx_db=g_tx, g_rx_db=g_rx) == -111.0


def test_a_gain_shifts_every_score_like_the_same_shift_of_the_rssi():
    q = -70 + 2 * np.sin(TEN_MINUTES)
    shifted = score_contact(TEN_MINUTES, q - 6, g_rx_db=6.0)
    assert shifted.window_scores == pytest.approx(score_contact(TEN_MINUTES, q).window_scores)


# --- Contacts --------------------------------------------------------------------------------
def test_packets_are_buffered_per_temporary_id_in_time_order():
    c = bufferize(["b", "a", "b", "a"], [3.0, 2.0, 1.0, 0.0], [-63, -62, -61, -60])
    assert c.ids.tolist() == ["a", "b"]
    assert c.starts.tolist() == [0, 2, 4]
    assert c.times.tolist() == [0.0, 2.0, 1.0, 3.0]
    assert c.rssi.tolist() == [-60.0, -62.0, -61.0, -63.0]


def reference_grouping(ids, times, rssi):
    """What bufferize must give, up to the order of the contacts: lexsort by (Id, time)."""
    order = np.lexsort((times, ids))
    return {
        key: (times[order][ids[order] == key].tolist(), rssi[order][ids[order] == key].tolist())
        for key in np.unique(ids)
    }


def as_grouping(contacts):
    return {
        key: (
            contacts.times[contacts.starts[k] : contacts.starts[k + 1]].tolist(),
            contacts.rssi[contacts.starts[k] : contacts.starts[k + 1]].tolist(),
        )
        for k, key in enumerate(contacts.ids.tolist())
    }


def test_random_64_bit_ids_in_a_time_ordered_stream_are_grouped_exactly():
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 2**63, 40)[rng.integers(0, 40, 2000)]  # 40 Ids, interleaved
    t = np.sort(rng.uniform(0, 900, 2000))
    q = rng.normal(-70, 5, 2000)
    assert as_grouping(bufferize(ids, t, q)) == reference_grouping(ids, t, q)


def test_two_ids_whose_hashes_collide_are_still_told_apart():
    # b = a + H^-1 (mod 2^64): b*H = a*H + 1, the same hash once the low bits are dropped
    a = 1
    b = (a + pow(0x9E3779B97F4A7C15, -1, 2**64)) % 2**64
    ids = np.array([a, b, a, b, a, b], dtype=np.uint64)
    t = np.arange(6.0)
    q = np.arange(6.0) - 70
    c = bufferize(ids, t, q)
    assert as_grouping(c) == {
        a: ([0.0, 2.0, 4.0], [-70.0, -68.0, -66.0]),
        b: ([1.0, 3.0, 5.0], [-69.0, -67.0, -65.0]),
    }


def test_the_contact_filter_keeps_exactly_two_minutes_and_drops_less():
    # contact 1 lasts 120 s (kept), contact 2 119 s, contact 3 is a single packet (0 s)
    c = bufferize([1, 1, 2, 2, 3], [0, 120, 0, 119, 5], [-60] * 5)
    kept = filter_contacts(c, d_th_s=inria.D_TH_S)
    assert kept.ids.tolist() == [1]
    assert kept.times.tolist() == [0.0, 120.0]
    assert kept.starts.tolist() == [0, 2]


def test_an_outlier_is_replaced_by_the_smaller_of_its_neighbours():
    assert clip_outliers([-60, -20, -70]).tolist() == [-60.0, -70.0, -70.0]


def test_an_outlier_at_the_edge_takes_its_only_neighbour():
    assert clip_outliers([-20, -65]).tolist() == [-65.0, -65.0]


def test_consecutive_outliers_are_clipped_to_the_threshold():
    assert clip_outliers([-20, -10], rssi_th_dbm=-30).tolist() == [-30.0, -30.0]


def test_clipping_never_borrows_a_neighbour_from_another_contact():
    # contacts [0, 2) and [2, 4): sample 2 is first of its contact, its neighbour is -80 only
    out = clip_outliers([-60, -50, -20, -80], starts=[0, 2, 4])
    assert out.tolist() == [-60.0, -50.0, -80.0, -80.0]


# --- Fading reduction (8), Table 2 -----------------------------------------------------------
def test_the_linear_mean_averages_powers_not_decibels():
    # (8): 10 log10((1e-6 + 1e-7) / 2) = 10 log10(5.5e-7) = -62.596 dB (the dB mean is -65)
    assert linear_mean_db([-60.0, -70.0]) == pytest.approx(-62.596373, abs=1e-6)


def test_the_fading_standard_deviation_reproduces_table_2():
    table_2 = {1: 5.6, 2: 3.5, 3: 2.7, 4: 2.3, 5: 2.0, 8: 1.6, 16: 1.1, 32: 0.78}
    computed = fading_std_db(list(table_2))
    assert computed == pytest.approx(list(table_2.values()), abs=0.05)


def test_ten_minutes_of_packets_make_ten_windows_the_last_one_half_full():
    # windows start at 0, 60, ..., 540 (the last start <= 598); [540, 660) holds 30 packets
    c = bufferize(np.zeros(TEN_MINUTES.size), TEN_MINUTES, np.full(TEN_MINUTES.size, -70.0))
    w = window_means(c)
    assert w.start_s.tolist() == [60.0 * k for k in range(10)]
    assert w.samples.tolist() == [60] * 9 + [30]
    assert w.mean_dbm == pytest.approx(np.full(10, -70.0))


def test_a_window_without_packets_is_empty_and_scores_zero():
    # packets 0..58 s and 300..420 s: windows starting at 120 and 180 s hold none
    t = np.concatenate([np.arange(0, 60, 2.0), np.arange(300, 421, 2.0)])
    result = score_contact(t, np.full(t.size, -60.0))
    detail = result.window_detail
    assert detail.samples[2] == 0 and detail.samples[3] == 0
    assert np.isnan(detail.mean_dbm[2])
    assert result.window_scores[2] == 0.0 and result.window_scores[3] == 0.0


# --- Scores (44)/(49), (50)/(51), Table 5 ----------------------------------------------------
def test_a_is_7_38_for_n_1_7():
    assert pathloss_a(1.7) == pytest.approx(7.38, abs=0.005)


def test_the_erfc_score_on_a_hand_computed_value():
    # gamma = -65 - (-80) = 15 dB, sigma = 5, a = 7.38301, ln(5/2) = 0.91629
    # x0 = -15/5 + 2*5/a = -1.64554;  x1 = 0.91629 * a/5 + x0 = -0.29254
    # pi = erfc(x1/sqrt2) / erfc(x0/sqrt2) = Phi(0.29254) / Phi(1.64554) = 0.61506 / 0.95007
    assert score_erfc(15.0, 5.0) == pytest.approx(0.6473876, abs=1e-6)


def test_the_erfc_score_is_the_ratio_of_equation_44_with_the_standard_erfc():
    a, s, u = pathloss_a(), 4.0, math.log(5 / 2)
    for g in (-5.0, 0.0, 8.0, 20.0):
        eq44 = erfc(2**-0.5 * (u / (s / a) - g / s + 2 * s / a)) / erfc(
            2**-0.5 * (-g / s + 2 * s / a)
        )
        assert score_erfc(g, s) == pytest.approx(eq44, rel=1e-12)


def test_the_erfc_score_stays_finite_where_both_erfc_underflow():
    # gamma = -200 dB: both erfc arguments are ~ +35, erfc ~ 1e-540 underflows to 0
    pi = score_erfc(-200.0, 5.0)
    assert np.isfinite(pi) and 0.0 <= pi < 1e-20


def test_sigma_grows_with_fewer_samples_per_table_5():
    assert window_sigma_db([1, 2, 3, 4, 5, 6, 60]).tolist() == [9.6, 7.5, 6.7, 6.3, 6.0, 5.0, 5.0]


def test_the_piecewise_score_on_hand_computed_values():
    # (51), > 5 samples: (-67.5 + 75)/15 = 0.5; below P_min 0; above P_L = -60: 1
    assert score_piecewise([-67.5, -80.0, -50.0], [60, 60, 60]).tolist() == [0.5, 0.0, 1.0]
    # one sample: Delta_P = 39, (-55.5 + 75)/39 = 0.5
    assert score_piecewise(-55.5, 1) == 0.5
    assert score_linear(-70.0, p_min_dbm=-75.0, delta_p_db=20.0) == 0.25


def test_an_empty_window_scores_zero_with_both_scores():
    assert score_piecewise(np.nan, 0) == 0.0
    assert score_exact(np.nan, 0) == 0.0


def test_the_tangent_at_one_half_reproduces_table_5_to_the_decibel():
    # Section 6.0.1: the lines fit (49) in value and slope where pi = 1/2; Table 5 gives them
    # rounded to whole dB and says P_min is "almost constant, around -75 dBm".
    p_min, delta = piecewise_fit(np.array(inria.SIGMA_TOTAL_DB))
    assert p_min == pytest.approx(inria.P_MIN_DBM, abs=1.0)
    assert delta == pytest.approx(inria.DELTA_P_DB, abs=1.0)


def test_the_exact_and_piecewise_scores_agree_at_the_centre_of_each_line():
    # Where the piecewise score is 1/2, the exact one is 1/2 to the table's rounding (1 dB of
    # a slope of 1/Delta_P): within 0.05 for every row of Table 5.
    samples = np.arange(1, 7)
    centre = np.array(inria.P_MIN_DBM) + np.array(inria.DELTA_P_DB) / 2
    assert score_piecewise(centre, samples) == pytest.approx(np.full(6, 0.5))
    assert score_exact(centre, samples) == pytest.approx(np.full(6, 0.5), abs=0.05)


def test_the_map_threshold_on_gamma_is_two_sigma_squared_over_a():
    # z_MAP = gamma/a - 2 s^2/a^2 >= 0 iff gamma >= 2 s^2/a = 32/7.383 = 4.334 dB (s = 4)
    a = pathloss_a()
    threshold = 2 * 16 / a
    assert map_distance_m(threshold) == pytest.approx(5.0)
    assert map_distance_m(threshold + 0.5) < 5.0
    # the text's "2 s^2/a^2" (0.587 dB) is not the threshold: 1 dB still gives d_max
    assert map_distance_m(1.0) == 5.0


# --- Contact scores (52)-(55) -----------------------------------------------------------------
def test_the_cumulative_mean_and_softmax_scores_on_hand_computed_values():
    s = [0.2, 0.5, 1.0, 0.0]
    assert cumulative_score(s) == pytest.approx(1.7)  # (52)
    assert mean_score(s) == pytest.approx(0.425)  # (53)
    # (55), b = 0.1: 0.1 ln((e^2 + e^5 + e^10 + e^0)/4) = 0.1 ln(5545.82) = 0.86208
    assert softmax_mean_score(s) == pytest.approx(0.8620799, abs=1e-7)


def test_the_softmax_of_equal_scores_is_that_score():
    assert softmax_mean_score([0.3] * 15) == pytest.approx(0.3)


def test_the_contact_vector_counts_both_ends_of_the_duration():
    # non-null scores at windows 1 and 3: D = 3 - 1 + 1 = 3 min, N = 2, mean 0.9/5 = 0.18
    theta = contact_vector([0, 0.3, 0, 0.6, 0])
    assert (theta.mean, theta.duration_min, theta.nonnull) == pytest.approx((0.18, 3.0, 2))
    assert contact_vector([0, 0.4, 0]).duration_min == 1.0


def test_empty_contacts_score_zero_everywhere():
    assert cumulative_score([]) == 0.0
    assert mean_score([]) == 0.0
    assert softmax_mean_score([]) == 0.0
    assert contact_vector([]) == inria.ContactVector(0.0, 0.0, 0)
    assert aggregate_probability([]) == 0.0
    result = score_contacts([], [], [])
    assert len(result) == 0 and result.window_scores.size == 0


def test_a_single_sample_contact_is_filtered_out_but_scores_with_table_5_row_1():
    assert len(score_contact([10.0], [-55.5])) == 0
    kept = score_contact([10.0], [-55.5], filter_short=False)
    # one window, one sample: Delta_P = 39 -> (-55.5 + 75)/39 = 0.5
    assert kept.windows.tolist() == [1]
    assert kept.window_scores.tolist() == [0.5]
    assert kept.cumulative.tolist() == [0.5]


def test_the_chain_on_a_noiseless_contact_at_one_metre():
    # (7): -80 - 17 log10(1/5) = -68.118 dBm; (51): (-68.118 + 75)/15 = 0.45883 per window
    q = mean_rssi_dbm(1.0)
    assert q == pytest.approx(-68.1175, abs=1e-4)
    result = score_contact(TEN_MINUTES, np.full(TEN_MINUTES.size, q))
    assert result.window_scores == pytest.approx(np.full(10, 0.4588327))
    assert result.cumulative[0] == pytest.approx(4.588327)
    assert result.mean[0] == pytest.approx(0.4588327)
    assert result.softmax[0] == pytest.approx(0.4588327)
    assert (result.duration_min[0], result.nonnull[0]) == (10.0, 10)
    assert risk_level(result.mean)[0] == 1  # 3/15 <= 0.459 <= 7/15


def test_the_batch_chain_matches_contact_by_contact():
    rng = np.random.default_rng(7)
    ids = np.repeat([5, 9, 11], TEN_MINUTES.size)
    t = np.tile(TEN_MINUTES, 3) + rng.uniform(0, 1, ids.size)
    q = rng.normal(-68, 6, ids.size)
    batch = score_contacts(ids, t, q, exact=True)
    for k, contact in enumerate((5, 9, 11)):
        one = score_contact(t[ids == contact], q[ids == contact], exact=True)
        assert batch.cumulative[k] == pytest.approx(one.cumulative[0])
        assert batch.softmax[k] == pytest.approx(softmax_mean_score(one.window_scores))
        assert batch.duration_min[k] == contact_vector(one.window_scores).duration_min


# --- Risk levels, thresholds, aggregation (56)/(57) ------------------------------------------
def test_risk_levels_put_both_thresholds_in_the_medium_level():
    levels = risk_level([0.0, 3 / 15, 0.3, 7 / 15, 0.5])
    assert levels.tolist() == [0, 1, 1, 1, 2]


def test_cumulative_scores_are_filtered_to_the_largest():
    assert filter_cum_scores([3.0, 9.0, 1.0, 7.0], n_max=2).tolist() == [1, 3]
    assert filter_cum_scores([3.0, 9.0]).tolist() == [1, 0]


def test_the_threshold_for_a_false_alarm_rate_never_exceeds_it():
    negatives = np.array([0, 0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    threshold = threshold_for_false_alarm_rate(negatives, 0.3)
    assert threshold == 0.3  # 3 of 10 above: 0.4, 0.5, 0.6
    assert np.mean(negatives > threshold) <= 0.3
    # ties: 4 negatives at 0 -> no threshold alarms on exactly 70 %; the best is 0 (60 %)
    assert threshold_for_false_alarm_rate(negatives, 0.7) == 0.0
    assert np.mean(negatives > 0.0) == 0.6


def test_the_papers_aggregation_examples_recomputed():
    # (56), r0 = 0.007. Case 2: 4 x 10 -> 1 - e^-0.28 = 0.2442 (report: 0.244)
    assert aggregate_probability([10, 10, 10, 10]) == pytest.approx(0.24422, abs=5e-5)
    # Case 3: 20 x 4 -> 1 - e^-0.56 = 0.4288 (report: 0.43)
    assert aggregate_probability([4] * 20) == pytest.approx(0.42879, abs=5e-5)
    # Case 1: 5 + 7 + 10 + 10 = 32 -> 1 - e^-0.224 = 0.2007. Erratum: the report prints
    # 0.13, which would need a total of 19.9.
    assert aggregate_probability([5, 7, 10, 10]) == pytest.approx(0.20068, abs=5e-5)


def test_r0_gives_ten_percent_for_15_minutes_at_2_metres():
    # Table 4: 1 - e^(-15 * 0.007) = 0.0997 ~ 10 %
    assert aggregate_probability(np.ones(15)) == pytest.approx(0.0997, abs=1e-4)


def test_equation_57_equals_56_when_the_contact_spans_all_its_windows():
    scores = np.full(15, 0.5)  # cumulative 7.5; mean 0.5 x D = 15 min -> 7.5
    theta = contact_vector(scores)
    by_57 = aggregate_probability([theta.mean], minutes=[theta.duration_min])
    assert by_57 == pytest.approx(aggregate_probability([cumulative_score(scores)]))


def test_uwb_minutes_each_score_one():
    # 40 close-contact minutes from the proximeters: P = 1 - e^(-0.007 * 40) = 0.2442
    assert aggregate_probability([1.0], minutes=[40]) == pytest.approx(1 - math.exp(-0.28))


# --- Parameters ------------------------------------------------------------------------------
def test_the_params_default_to_the_reports_values():
    p = InriaParams()
    assert (p.p_dmax_dbm, p.pathloss_n, p.d_c_m, p.sigma_sh_db, p.r0_per_min) == (
        -80.0,
        1.7,
        2.0,
        4.0,
        0.007,
    )
    assert p.delta_p_db == (39.0, 27.0, 23.0, 21.0, 20.0, 15.0)
    assert (p.d_th_s, p.t_win_s, p.t_step_s, p.softmax_b) == (120.0, 120.0, 60.0, 0.1)


def test_the_params_read_django_settings_when_set(settings):
    settings.RISK_INRIA_R0_PER_MIN = 0.01
    settings.RISK_INRIA_SIGMA_TOTAL_DB = [6.9, 5.3, 4.8, 4.6, 4.5, 4.1]
    p = InriaParams.from_settings()
    assert p.r0_per_min == 0.01
    assert p.sigma_total_db == (6.9, 5.3, 4.8, 4.6, 4.5, 4.1)
    assert p.d_c_m == 2.0


def test_a_settings_override_changes_the_chain(settings):
    settings.RISK_INRIA_P_MIN_DBM = [-70.0] * 6
    q = np.full(TEN_MINUTES.size, -67.5)
    moved = score_contact(TEN_MINUTES, q, params=InriaParams.from_settings())
    assert moved.mean[0] == pytest.approx((-67.5 + 70) / 15)


# --- Properties ------------------------------------------------------------------------------
rssi = st.floats(-150, 0, allow_nan=False)
counts = st.integers(0, 100)


@given(q=rssi, m=counts)
def test_every_window_score_lies_in_zero_one(q, m):
    assert 0.0 <= score_exact(q, m) <= 1.0
    assert 0.0 <= score_piecewise(q, m) <= 1.0


@given(q1=rssi, q2=rssi, m=st.integers(1, 100))
def test_window_scores_never_decrease_with_rssi(q1, q2, m):
    lo, hi = sorted((q1, q2))
    assert score_exact(lo, m) <= score_exact(hi, m) + 1e-12
    assert score_piecewise(lo, m) <= score_piecewise(hi, m)


@given(scores=st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_the_softmax_mean_lies_between_the_mean_and_the_largest_score(scores):
    sm = softmax_mean_score(scores)
    assert mean_score(scores) - 1e-9 <= sm <= max(scores) + 1e-9


@given(values=st.lists(rssi, min_size=1, max_size=30))
def test_the_linear_mean_lies_between_the_smallest_and_largest_sample(values):
    mean = linear_mean_db(values)
    assert min(values) - 1e-9 <= mean <= max(values) + 1e-9


@given(scores=st.lists(st.floats(0, 15), max_size=20), more=st.floats(0, 15))
def test_the_probability_lies_in_zero_one_and_grows_with_every_contact(scores, more):
    p = aggregate_probability(scores)
    assert 0.0 <= p < 1.0
    assert aggregate_probability([*scores, more]) >= p - 1e-12  # summation order


@given(seed=st.integers(0, 2**32 - 1))
def test_the_chain_does_not_depend_on_the_order_packets_arrive_in(seed):
    rng = np.random.default_rng(seed)
    ids = np.repeat([1, 2], 90)
    t = np.tile(np.arange(0.0, 360.0, 4.0), 2)
    q = rng.normal(-68, 8, ids.size)
    shuffle = rng.permutation(ids.size)
    a = score_contacts(ids, t, q)
    b = score_contacts(ids[shuffle], t[shuffle], q[shuffle])
    assert a.cumulative == pytest.approx(b.cumulative)
    assert a.softmax == pytest.approx(b.softmax)


def test_two_directions_combine_to_their_mean_in_db_or_the_one_present():
    out = inria.combine_directions([-60.0, np.nan, -70.0, np.nan], [-70.0, -65.0, np.nan, np.nan])
    assert out[:3].tolist() == [-65.0, -65.0, -70.0]
    assert np.isnan(out[3])
