"""Portal-wide Prometheus metrics. Labels name outcomes and queues, never people or devices."""

import os

import redis
from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, multiprocess, start_http_server
from prometheus_client.core import REGISTRY, GaugeMetricFamily

TRACES = Counter("proximeter_traces_total", "Traces run by the medical service")
LOGIN_FAILURES = Counter("proximeter_login_failures_total", "Failed sign-in attempts")
TASK_FAILURES = Counter(
    "proximeter_celery_task_failures_total", "Celery tasks that failed", ["task"]
)


class CeleryQueueDepth:
    """Messages waiting in each Celery queue, read from Redis at scrape time."""

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


_registered = False


def register_collectors() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(CeleryQueueDepth())
        _registered = True


def serve_worker_metrics() -> int | None:
    """A worker's own /metrics on WORKER_METRICS_PORT (unset: none), for a worker on a host
    without a web process. It serves this host's PROMETHEUS_MULTIPROC_DIR when set (every
    process of the host), else this process. Returns the port, or None."""
    port = settings.WORKER_METRICS_PORT
    if not port:
        return None
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    try:
        start_http_server(port, addr=settings.WORKER_METRICS_ADDR, registry=registry)
    except OSError:  # another worker of this host serves them already
        return None
    return port
