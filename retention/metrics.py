"""Prometheus metrics of the purge."""

from prometheus_client import Counter, Gauge

PURGED = Counter("proximeter_purge_rows_removed_total", "Rows removed by the retention purge")
LAST_PURGE = Gauge(
    "proximeter_purge_last_run_timestamp_seconds",
    "When the purge last ran",
    multiprocess_mode="max",
)
