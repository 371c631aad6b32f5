"""Which zone a point lies in, a zone's centre, parent and area: pure functions, no database.

Squares (seeds/002, "Overview"): the world is cut into squares of `size`
degrees of latitude by `size` degrees of longitude. A point's cell is

    row = floor(lat / size),  column = floor(long / size)
    centre = ((row + 0.5) x size, (column + 0.5) x size)

computed in whole units of 1e-7° (about 1 cm), so that a point exactly on a
border always falls in the same cell: the one north and east of the border
(0.29 / 0.01 is 28.999… in floating point, which would put it south).
Negative coordinates floor downwards (-0.291 is in row -30, [-0.30, -0.29)).
Longitude 180 is -180; latitude 90 belongs to the northernmost row.

Hexagons: Uber's H3 grid (h3 v4, `latlng_to_cell`), the seed's "Future
Considerations" (equal distances between centres).
"""

import math
from dataclasses import dataclass
from decimal import Decimal

import h3

E7 = 10_000_000  # units of 1e-7 degree per degree
EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
AREA_HALF_E7 = 50_000  # an area request is the 0.01° x 0.01° square around its centre


@dataclass(frozen=True)
class Grid:
    """What the linking job and the exposure request need of a specification."""

    spec_id: int
    shape: str  # "square" or "hexagon"
    size_e7: int | None = None  # squares: the edge in 1e-7 degree
    resolution: int | None = None  # hexagons

    @classmethod
    def of(cls, spec) -> "Grid":
        size = None if spec.size_degrees is None else int(Decimal(spec.size_degrees) * E7)
        return cls(spec.pk, spec.shape, size, spec.h3_resolution)

    @property
    def is_square(self) -> bool:
        return self.shape == "square"

    @property
    def size_degrees(self) -> float | None:
        return None if self.size_e7 is None else self.size_e7 / E7


def to_e7(degrees: float) -> int:
    """Degrees in whole 1e-7 units (the shortest decimal a JSON number stands for, ~1 cm)."""
    return round(degrees * E7)


def square_indices(lat: float, long: float, size_e7: int) -> tuple[int, int]:
    """(row, column) of the square containing the point; borders belong north and east."""
    lat7, long7 = to_e7(lat), to_e7(long)
    if long7 >= 180 * E7:
        long7 -= 360 * E7  # the antimeridian: 180 is -180
    row = min(lat7 // size_e7, 90 * E7 // size_e7 - 1)  # the pole closes the last row
    return row, long7 // size_e7


def square_cell(row: int, column: int) -> str:
    return f"{row}:{column}"


def square_indices_of(cell: str) -> tuple[int, int]:
    row, column = cell.split(":")
    return int(row), int(column)


def square_centre(row: int, column: int, size_e7: int) -> tuple[float, float]:
    """((row + 0.5) x size, (column + 0.5) x size), as the nearest double of the exact decimal."""
    return (2 * row + 1) * size_e7 / (2 * E7), (2 * column + 1) * size_e7 / (2 * E7)


def square_parent(cell: str, size_e7: int, parent_size_e7: int) -> str:
    """The coarser square containing this one (its south-west corner's square)."""
    row, column = square_indices_of(cell)
    return square_cell(row * size_e7 // parent_size_e7, column * size_e7 // parent_size_e7)


def square_area_m2(centre_lat: float, size_e7: int) -> float:
    """Area of the square on a spherical Earth: R² · Δλ · (sin φ₂ - sin φ₁).

    A 0.0001° square is about 123.6 m² at the equator and 83.8 m² at 47.4° N:
    using the true area keeps exposure densities comparable across latitudes
    (the seed's "System Limitations").
    """
    half = size_e7 / (2 * E7)
    south = math.radians(max(-90.0, centre_lat - half))
    north = math.radians(min(90.0, centre_lat + half))
    return EARTH_RADIUS_M**2 * math.radians(size_e7 / E7) * (math.sin(north) - math.sin(south))


def hexagon_cell(lat: float, long: float, resolution: int) -> str:
    return h3.latlng_to_cell(lat, long, resolution)


def hexagon_centre(cell: str) -> tuple[float, float]:
    lat, long = h3.cell_to_latlng(cell)
    return round(lat, 7), round(long, 7)


def hexagon_area_m2(cell: str) -> float:
    return h3.cell_area(cell, unit="m^2")


def cell_of(grid: Grid, lat: float, long: float) -> str:
    if grid.is_square:
        return square_cell(*square_indices(lat, long, grid.size_e7))
    return hexagon_cell(lat, long, grid.resolution)


def centre_of(grid: Grid, cell: str) -> tuple[float, float]:
    if grid.is_square:
        return square_centre(*square_indices_of(cell), grid.size_e7)
    return hexagon_centre(cell)


def parent_of(grid: Grid, cell: str, parent: Grid) -> str:
    """The zone of `parent` this zone sits in (for hexagons: H3's ancestor)."""
    if grid.is_square:
        return square_parent(cell, grid.size_e7, parent.size_e7)
    return h3.cell_to_parent(cell, parent.resolution)


def area_m2(grid: Grid, cell: str, centre_lat: float) -> float:
    if grid.is_square:
        return square_area_m2(centre_lat, grid.size_e7)
    return hexagon_area_m2(cell)


Box = tuple[float, float, float, float]  # south, north, west, east (half-open)


def area_boxes(lat: float, long: float) -> list[Box]:
    """The 0.01° x 0.01° square around a requested centre, as [south, north) x [west, east).

    A zone belongs to the area when its centre does. Near the antimeridian
    the square is cut in two (one box on each side); at the poles it stops.
    """
    lat7, long7 = to_e7(lat), to_e7(long)
    south = max(lat7 - AREA_HALF_E7, -90 * E7)
    north = min(lat7 + AREA_HALF_E7, 90 * E7 + 1)  # +1: the pole itself is inside
    west, east = long7 - AREA_HALF_E7, long7 + AREA_HALF_E7
    spans = [(west, east)]
    if west < -180 * E7:
        spans = [(-180 * E7, east), (west + 360 * E7, 180 * E7)]
    elif east > 180 * E7:
        spans = [(west, 180 * E7), (-180 * E7, east - 360 * E7)]
    return [(south / E7, north / E7, w / E7, e / E7) for w, e in spans]
