"""Prometheus counters of location exposure. No label names an area, a zone, a time or a source."""

from prometheus_client import Counter

COORDINATES = Counter(
    "proximeter_zones_coordinates_total",
    "Donated coordinates by what became of them",
    ["outcome"],  # stored, duplicate
)
LINKED = Counter("proximeter_zones_linked_total", "Coordinates linked to their geo-zones")
