"""The two stages of seeds/002's formula on hand-computed values, and the periods of a request."""

import math

import pytest

from zones import exposure


def test_stage_one_rates_one_confident_point_per_ten_square_metres_per_hour_at_46_percent():
    # A = 20 m² = 2 units of 10 m², t = 0.5 h, two points of accuracy 0.5 (Σλ = 1, λ̄ = 0.5):
    # M·x = λ̄·x / (A·t) = 0.5·2 / (2·0.5) = 1
    # Er = 2·100 / (1 + e^-1) - 100 = 200 / 1.3678794 - 100 = 146.2117 - 100 = 46.2117
    rating = exposure.region_exposure_rating(accuracy_sum=1.0, area_m2=20, hours=0.5, unit_m2=10)
    assert rating == pytest.approx(46.2117, abs=1e-4)


def test_stage_one_is_zero_without_points_and_approaches_the_maximum_for_dense_zones():
    assert exposure.region_exposure_rating(accuracy_sum=0, area_m2=84, hours=1, unit_m2=10) == 0
    # M·x = 3 → 200 / (1 + e^-3) - 100 = 200 / 1.0497871 - 100 = 90.5148
    assert exposure.sigmoid_rating(3, maximum=100) == pytest.approx(90.5148, abs=1e-4)
    assert exposure.sigmoid_rating(10_000, maximum=100) == 100


def test_one_person_in_a_fine_square_gives_the_same_rating_for_any_period_length():
    # 0.0001° square at 47° N: 84.3246 m² = 8.43246 units. A point every 5 minutes, λ = 0.9:
    # 10 min: Σλ = 1.8, t = 1/6 h → M·x = 1.8 / (8.43246 / 6) = 1.28077 → Er = 56.516
    # 1 h:  Σλ = 10.8, t = 1 h   → M·x = 10.8 / 8.43246       = 1.28077 → Er = 56.516
    short = exposure.region_exposure_rating(
        accuracy_sum=1.8, area_m2=84.3246, hours=1 / 6, unit_m2=10
    )
    long = exposure.region_exposure_rating(accuracy_sum=10.8, area_m2=84.3246, hours=1, unit_m2=10)
    assert short == pytest.approx(long) == pytest.approx(56.516, abs=1e-3)


def test_stage_two_sums_the_person_s_points_times_their_accuracy_times_the_zone_rating():
    # Zone-period A rated 50 %: 4 of my points, mean accuracy 0.5 → 0.5·4·0.50 = 1.0
    # Zone-period B rated 20 %: 1 point of accuracy 1.0          → 1.0·1·0.20 = 0.2
    # G = 1.2; E = 2·100 / (1 + e^-1.2) - 100 = 200 / 1.3011942 - 100 = 53.7050
    risk = exposure.user_exposure_risk([(0.5, 4, 50.0), (1.0, 1, 20.0)])
    assert risk == pytest.approx(53.7050, abs=1e-4)
    assert risk == pytest.approx(200 / (1 + math.exp(-1.2)) - 100)
    assert exposure.user_exposure_risk([]) == 0


def test_periods_start_at_the_request_s_start_and_the_last_one_ends_at_its_end():
    start, end, ten_minutes = 1_000, 1_000 + 25 * 60, 600
    assert exposure.period_of(time=1_000, start=start, end=end, seconds=ten_minutes) == (
        1_000,
        1_600,
    )
    assert exposure.period_of(time=1_599, start=start, end=end, seconds=ten_minutes) == (
        1_000,
        1_600,
    )
    assert exposure.period_of(time=1_600, start=start, end=end, seconds=ten_minutes) == (
        1_600,
        2_200,
    )
    assert exposure.period_of(time=2_400, start=start, end=end, seconds=ten_minutes) == (
        2_200,
        2_500,
    )
