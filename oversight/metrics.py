"""The Prometheus gauge of unusual activity: today's alerts per rule, read at scrape time.

Labelled by rule only: an alert names a staff account, the metric never does (nor a person).
"""

from prometheus_client.core import GaugeMetricFamily

NAME = "proximeter_oversight_alerts"
HELP = "Alerts of unusual activity raised today (local day, so far), per rule"


class UnusualActivity:
    def describe(self):
        """The name, without a query (registering must not touch the database)."""
        return [GaugeMetricFamily(NAME, HELP, labels=["rule"])]

    def collect(self):
        from oversight.selectors import alerts_today_per_rule

        gauge = GaugeMetricFamily(NAME, HELP, labels=["rule"])
        try:
            counts = alerts_today_per_rule()
        except Exception:  # a database down: /healthz says so; metrics stay scrapeable
            return
        for rule, count in counts.items():
            gauge.add_metric([rule], count)
        yield gauge
