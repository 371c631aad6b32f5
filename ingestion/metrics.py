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


class IntegrationActivity:
    """Uplinks per integration in the last 5 minutes, and silence, read at scrape time."""

    @staticmethod
    def _families():
        from prometheus_client.core import GaugeMetricFamily

        recent = GaugeMetricFamily(
            "proximeter_ingest_uplinks_last_5m",
            "Uplinks accepted in the last 5 minutes, per network server",
            labels=["integration"],
        )
        silent = GaugeMetricFamily(
            "proximeter_ingest_integration_silent",
            "1 when a network server that usually sends has been silent in working hours",
            labels=["integration"],
        )
        return recent, silent

    def describe(self):
        """The names, without a query (registering must not touch the database)."""
        return list(self._families())

    def collect(self):
        from ingestion.selectors import integration_activity

        recent, silent = self._families()
        try:
            for activity in integration_activity():
                recent.add_metric([activity.integration], activity.last_5_min)
                silent.add_metric([activity.integration], int(activity.silent))
        except Exception:  # a database down: /healthz says so; metrics stay scrapeable
            return
        yield recent
        yield silent
