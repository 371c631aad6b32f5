"""Portal-wide Prometheus metrics. Labels name outcomes and queues, never people or devices."""

import os

import redis
from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, multiprocess, start_http_server
from prometheus_client.core import REGISTRY, GaugeMetricFamily

from core.replicas import replica_report

TRACES = Counter("proximeter_traces_total", "Traces run by the medical service")
LOGIN_FAILURES = Counter("proximeter_login_failures_total", "Failed sign-in attempts")
TASK_FAILURES = Counter(
    "proximeter_celery_task_failures_total", "Celery tasks that failed", ["task"]
)


class CeleryQueueDepth:
    """Messages waiting in each Celery queue, read from Redis at scrape time."""

    def describe(self):
        """The name, without asking Redis (registering happens at start-up)."""
        return [GaugeMetricFamily("proximeter_celery_queue_depth", "", labels=["queue"])]

    def collect(self):
        gauge = GaugeMetricFamily(
            "proximeter_celery_queue_depth", "Messages waiting per queue", labels=["queue"]
        )
        if settings.REDIS_URL:
            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
            )
            try:
                for queue in {settings.CELERY_TASK_DEFAULT_QUEUE}:
                    gauge.add_metric([queue], client.llen(queue))
            except redis.RedisError:
                pass  # /healthz reports Redis; metrics stay scrapeable without it
            finally:
                client.close()
        yield gauge


class ReplicaLag:
    """Each configured replica's lag behind its primary, and whether reads go to it."""

    def describe(self):
        return [
            GaugeMetricFamily("proximeter_database_replica_lag_seconds", "", labels=["alias"]),
            GaugeMetricFamily("proximeter_database_replica_in_use", "", labels=["alias"]),
        ]

    def collect(self):
        lag = GaugeMetricFamily(
            "proximeter_database_replica_lag_seconds",
            "Seconds a replica is behind its primary (0: caught up); absent: it does not answer",
            labels=["alias"],
        )
        in_use = GaugeMetricFamily(
            "proximeter_database_replica_in_use",
            "1 while reads go to the replica, 0 while it is bypassed (lagging or down)",
            labels=["alias"],
        )
        for alias, report in replica_report().items():
            if report["lag_seconds"] is not None:
                lag.add_metric([alias], report["lag_seconds"])
            in_use.add_metric([alias], 1 if report["in_use"] else 0)
        yield lag
        yield in_use


# Collectors that read their figures at scrape time (a queue's depth, the inbox's activity).
# In multiprocess mode (PROMETHEUS_MULTIPROC_DIR) the scrape builds a registry of its own,
# which must get them too: they are not counters that a process writes to the folder.
SCRAPE_COLLECTORS: list = []


def add_scrape_collector(collector) -> None:
    if any(type(known) is type(collector) for known in SCRAPE_COLLECTORS):
        return
    SCRAPE_COLLECTORS.append(collector)
    REGISTRY.register(collector)


def register_collectors() -> None:
    add_scrape_collector(CeleryQueueDepth())
    add_scrape_collector(ReplicaLag())


def scrape_registry():
    """What /metrics serves: every process of this host (multiprocess), or this process;
    with the scrape-time collectors either way."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    for collector in SCRAPE_COLLECTORS:
        registry.register(collector)
    return registry


def serve_worker_metrics() -> int | None:
    """A worker's own /metrics on WORKER_METRICS_PORT (unset: none), for a worker on a host
    without a web process. It serves this host's PROMETHEUS_MULTIPROC_DIR when set (every
    process of the host), else this process. Returns the port, or None."""
    port = settings.WORKER_METRICS_PORT
    if not port:
        return None
    try:
        start_http_server(port, addr=settings.WORKER_METRICS_ADDR, registry=scrape_registry())
    except OSError:  # another worker of this host serves them already
        return None
    return port
