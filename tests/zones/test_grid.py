"""Which zone a point lies in: squares at several latitudes, at borders, below zero; hexagons."""

from decimal import Decimal

import h3
import pytest

from zones import grid

FINE = 1_000  # 0.0001° in 1e-7 degree
COARSE = 100_000  # 0.01°


@pytest.mark.parametrize(
    ("lat", "long", "row", "column", "centre"),
    [
        (0.0, 0.0, 0, 0, (0.005, 0.005)),
        (0.00999, 0.00999, 0, 0, (0.005, 0.005)),
        (45.123456, 7.654321, 4512, 765, (45.125, 7.655)),
        (-33.9249, 18.4241, -3393, 1842, (-33.925, 18.425)),  # Cape Town: floor goes down
        (78.2232, 15.6267, 7822, 1562, (78.225, 15.625)),  # Longyearbyen
        (-0.001, -0.001, -1, -1, (-0.005, -0.005)),
    ],
)
def test_a_point_falls_in_the_coarse_square_whose_indices_floor_its_coordinates(
    lat, long, row, column, centre
):
    assert grid.square_indices(lat, long, COARSE) == (row, column)
    assert grid.square_centre(row, column, COARSE) == centre


def test_a_point_exactly_on_a_border_belongs_to_the_square_north_and_east_of_it():
    # 0.29 / 0.01 is 28.999999999999996 in floating point: naive flooring puts it in row 28.
    assert 0.29 / 0.01 < 29
    assert grid.square_indices(0.29, 0.29, COARSE) == (29, 29)
    assert grid.square_indices(45.0, 7.0, FINE) == (450_000, 70_000)
    assert grid.square_indices(-33.9, -0.07, COARSE) == (-3390, -7)
    assert grid.square_indices(-33.9000001, -0.0700001, COARSE) == (-3391, -8)


def test_negative_coordinates_floor_downwards_not_towards_zero():
    assert grid.square_indices(-0.291, -0.0001, COARSE) == (-30, -1)
    assert grid.square_indices(-0.0001, -0.0001, FINE) == (-1, -1)
    assert grid.square_centre(-1, -1, FINE) == (-0.00005, -0.00005)


def test_the_pole_closes_the_last_row_and_longitude_180_is_minus_180():
    assert grid.square_indices(90.0, 0.0, COARSE) == (8999, 0)
    assert grid.square_indices(89.995, 180.0, COARSE) == (8999, -18000)
    assert grid.square_indices(0.0, -180.0, COARSE) == (0, -18000)


@pytest.mark.parametrize("lat", [0.0, 45.0, -33.9, 78.0])
def test_centres_are_the_exact_decimals_of_the_cell_at_any_latitude(lat):
    row, column = grid.square_indices(lat + 0.00003, 8.12345, FINE)
    centre_lat, centre_long = grid.square_centre(row, column, FINE)
    assert repr(centre_long) == "8.12345"
    assert abs(centre_lat - (lat + 0.00005)) < 1e-12
    assert Decimal(repr(centre_lat)).as_tuple().exponent >= -5  # no 0.4500050000000001


def test_the_fine_square_nests_in_the_coarse_square_also_below_zero():
    for lat, long in [(45.123456, 7.654321), (-33.9249, -18.4241), (-0.00001, 0.00001)]:
        fine = grid.square_cell(*grid.square_indices(lat, long, FINE))
        coarse = grid.square_cell(*grid.square_indices(lat, long, COARSE))
        assert grid.square_parent(fine, FINE, COARSE) == coarse


@pytest.mark.parametrize(("lat", "expected_m2"), [(0.0, 123.64), (45.0, 87.43), (78.0, 25.71)])
def test_a_square_s_area_shrinks_with_the_cosine_of_its_latitude(lat, expected_m2):
    # 0.0001° of a 6,371,008.8 m sphere is 11.1195 m; x 11.1195 m x cos(lat).
    assert grid.square_area_m2(lat + 0.00005, FINE) == pytest.approx(expected_m2, abs=0.01)


@pytest.mark.parametrize(("lat", "long"), [(0.0, 0.0), (45.0, 7.0), (-33.9, 18.4), (78.0, 15.6)])
def test_hexagons_are_h3_cells_whose_parent_is_the_coarser_resolution(lat, long):
    spec = grid.Grid(spec_id=3, shape="hexagon", resolution=12)
    parent = grid.Grid(spec_id=2, shape="hexagon", resolution=9)
    cell = grid.cell_of(spec, lat, long)
    assert cell == h3.latlng_to_cell(lat, long, 12)
    assert grid.parent_of(spec, cell, parent) == h3.cell_to_parent(cell, 9)
    assert 200 < grid.area_m2(spec, cell, lat) < 400  # "about 300 m²": H3 cells vary


def test_an_area_is_the_hundredth_of_a_degree_around_its_centre_cut_at_the_antimeridian():
    assert grid.area_boxes(47.37, 8.54) == [(47.365, 47.375, 8.535, 8.545)]
    assert grid.area_boxes(10.0, 179.999) == [
        (9.995, 10.005, 179.994, 180.0),
        (9.995, 10.005, -180.0, -179.996),
    ]
