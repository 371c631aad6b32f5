"""Portal-wide Prometheus metrics. Labels name outcomes and queues, never people or devices."""

import redis
from django.conf import settings
from prometheus_client import Counter
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
