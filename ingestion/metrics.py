"""Prometheus counters of ingestion. Labels name outcomes, never a device, tag or DevEUI."""

from prometheus_client import Counter, Histogram

DELIVERIES = Counter(
    "proximeter_ingest_deliveries_total",
    "Webhook deliveries by network server and outcome",
    ["integration", "outcome"],  # accepted, duplicate, ignored_<reason>, rejected_<reason>
)
RECORDS = Counter(
    "proximeter_ingest_records_total",
    "Encounter records decoded, by what became of them",
    ["outcome"],  # stored, unchanged, invalid_<reason>, expired
)
DEAD_LETTERS = Counter("proximeter_ingest_dead_letters_total", "Uplinks dead-lettered", ["reason"])
LAG = Histogram(
    "proximeter_ingest_lag_seconds",
    "From the network server's receive time to the encounters being stored",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400),
)
SPOOLED = Counter(
    "proximeter_ingest_spooled_total",
    "Uplinks written to the local spool because the inbox's database did not answer",
)
BATCHES = Histogram(
    "proximeter_ingest_batch_rows",
    "Inbox rows processed per batch (one commit each)",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000),
)
