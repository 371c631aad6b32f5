"""DP-3T / SwissCovid exposure score (seeds/001_*), on hand-computed values. No database."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk.scoring import dp3t
from risk.scoring.dp3t import (
    DP3TParams,
    attenuation_bucket,
    beacon_minutes,
    bucket_minutes,
    daily_bucket_minutes,
    exposure_notification,
    exposure_score,
    notification_due,
)

DAY = 86_400
TODAY = 20_000  # a UTC day number


def test_an_attenuation_of_exactly_50_db_falls_in_bucket_1():
    # GAEN counts A <= t1 in the first bucket (weight 1).
    assert attenuation_bucket(50.0).item() == 0


def test_an_attenuation_of_exactly_55_db_falls_in_bucket_2():
    # t1 < A <= t2: bucket 2 (weight 0.5).
    assert attenuation_bucket(55.0).item() == 1


def test_attenuations_just_above_a_threshold_fall_in_the_next_bucket():
    assert attenuation_bucket([0, 49, 50.001, 54, 55.001, 90]).tolist() == [0, 0, 1, 1, 2, 2]


def test_the_exposure_score_weights_the_buckets_one_half_and_zero():
    # ES = 1*10 + 0.5*10 + 0*10 = 15 min
    assert exposure_score([10, 10, 10]) == pytest.approx(15.0)


def test_each_bucket_is_capped_at_30_minutes_before_weighting():
    # (45, 40, 100) -> (30, 30, 30) -> 30 + 15 + 0 = 45 min, the largest possible score
    assert exposure_score([45, 40, 100]) == pytest.approx(45.0)


def test_bucket_durations_are_capped_at_30_minutes():
    # 7 beacons x 5 min at 45 dB = 35 min -> 30; 2 x 5 min at 55 dB = 10 min
    att = [45] * 7 + [55, 55]
    assert bucket_minutes(att, [5] * 9).tolist() == [30.0, 10.0, 0.0]


def test_the_exposure_score_is_computed_per_day_on_a_matrix_of_days():
    assert exposure_score([[10, 0, 0], [0, 20, 5]]).tolist() == [10.0, 10.0]


def test_a_beacon_stands_for_the_time_to_the_next_one_at_most_five_minutes():
    # gaps 60 s and 540 s: 1 min, then min(540, 300) s = 5 min; the last beacon takes the
    # previous gap, also capped: 5 min.
    assert beacon_minutes([0, 60, 600]).tolist() == [1.0, 5.0, 5.0]


def test_a_lone_beacon_stands_for_one_scan_interval():
    assert beacon_minutes([1234.0]).tolist() == [5.0]


def test_beacons_of_two_contacts_are_timed_separately_and_keep_their_order():
    # contact 1 at 0, 120; contact 2 at 60, 90 (interleaved in time)
    minutes = beacon_minutes([0, 60, 90, 120], contact_ids=[1, 2, 2, 1])
    assert minutes.tolist() == [2.0, 0.5, 0.5, 2.0]


def test_no_beacon_gives_no_day_and_no_notification():
    days, buckets = daily_bucket_minutes([], [])
    assert days.size == 0 and buckets.shape == (0, 3)
    assert exposure_notification([], [], today=TODAY) is False
    assert beacon_minutes([]).size == 0


def test_twenty_minutes_at_45_db_trigger_a_notification():
    # 20 beacons a minute apart: each stands for 1 min -> B1 = 20 -> ES = 20 >= 15
    t = TODAY * DAY + 60.0 * np.arange(20)
    days, buckets = daily_bucket_minutes(t, np.full(20, 45.0))
    assert days.tolist() == [TODAY]
    assert buckets.tolist() == [[20.0, 0.0, 0.0]]
    assert exposure_notification(t, np.full(20, 45.0), today=TODAY) is True


def test_twenty_minutes_at_55_db_score_ten_and_do_not_notify():
    # B2 = 20 -> ES = 0.5 * 20 = 10 < 15
    t = TODAY * DAY + 60.0 * np.arange(20)
    assert exposure_notification(t, np.full(20, 55.0), today=TODAY) is False


def test_the_notification_triggers_at_exactly_15_minutes_and_not_below():
    assert notification_due([TODAY], [15.0], today=TODAY) is True
    assert notification_due([TODAY], [14.99], today=TODAY) is False


def test_the_look_back_is_the_current_day_and_the_nine_days_before():
    assert dp3t.LOOKBACK_DAYS == 10
    assert notification_due([TODAY - 9], [20.0], today=TODAY) is True
    assert notification_due([TODAY - 10], [20.0], today=TODAY) is False
    assert notification_due([TODAY + 1], [20.0], today=TODAY) is False


def test_the_look_back_is_a_parameter():
    assert notification_due([TODAY - 10], [20.0], today=TODAY, lookback_days=11) is True


def test_durations_are_capped_per_day_not_over_the_whole_look_back():
    # 25 min with a different key on each of two days at 40 dB: each day B1 = 25 (no cap
    # reached, though 50 min over the look-back)
    t = np.concatenate(
        [TODAY * DAY + 60.0 * np.arange(25), (TODAY - 1) * DAY + 60.0 * np.arange(25)]
    )
    days, buckets = daily_bucket_minutes(t, np.full(50, 40.0), contact_ids=[1] * 25 + [2] * 25)
    assert days.tolist() == [TODAY - 1, TODAY]
    assert buckets[:, 0].tolist() == [25.0, 25.0]


def test_a_beacon_followed_by_a_long_silence_counts_five_minutes_not_the_silence():
    # one key seen 0..24 min on day 1 and again the next day: its last beacon of day 1
    # stands for min(gap, 300 s) = 5 min -> 24 + 5 = 29 min on day 1
    t = np.concatenate(
        [(TODAY - 1) * DAY + 60.0 * np.arange(25), TODAY * DAY + 60.0 * np.arange(25)]
    )
    _days, buckets = daily_bucket_minutes(t, np.full(50, 40.0))
    assert buckets[:, 0].tolist() == [29.0, 25.0]


def test_the_params_default_to_the_document_values():
    p = DP3TParams()
    assert (p.t1_db, p.t2_db, p.weights, p.bucket_cap_min, p.threshold_min) == (
        50.0,
        55.0,
        (1.0, 0.5, 0.0),
        30.0,
        15.0,
    )


def test_the_params_read_django_settings_when_set(settings):
    settings.RISK_DP3T_T1_DB = 48.0
    settings.RISK_DP3T_WEIGHTS = [1.0, 0.6, 0.1]
    p = DP3TParams.from_settings()
    assert p.t1_db == 48.0
    assert p.weights == (1.0, 0.6, 0.1)
    assert p.t2_db == 55.0  # not set: the document's value


durations = st.floats(0, 200, allow_nan=False)


@given(b=st.tuples(durations, durations, durations), extra=durations, which=st.integers(0, 2))
def test_the_exposure_score_never_decreases_with_more_exposure_and_stays_within_45(b, extra, which):
    more = list(b)
    more[which] += extra
    assert exposure_score(list(b)) <= exposure_score(more) + 1e-12
    assert 0.0 <= exposure_score(more) <= 45.0


@given(a=st.floats(0, 120), b=st.floats(0, 120))
def test_the_bucket_never_decreases_with_attenuation(a, b):
    lo, hi = sorted((a, b))
    assert attenuation_bucket(lo) <= attenuation_bucket(hi)
