"""Operations endpoints: health for load balancers, metrics for Prometheus."""

import hmac
import ipaddress
import time

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core.databases import ALIASES
from core.metrics import scrape_registry
from core.replicas import replica_report


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure of a dependency is what we report
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database_check(alias: str):
    def check() -> None:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")

    return check


def _redis_check() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


# Checks an app adds (name -> a function returning {"status": ..., ...}); a "warning"
# is shown without failing the answer: a load balancer must not take the portal out.
EXTRA_CHECKS: dict = {}


def register_check(name: str, check) -> None:
    EXTRA_CHECKS[name] = check


@login_not_required  # public: load balancers and orchestrators ask it
@never_cache
def healthz(request):
    """Each database alias and Redis (when configured): 200 when all answer, else 503;
    each replica's lag and where reads go; and what the apps add (the network servers'
    activity), as warnings."""
    checks = {f"database:{alias}": _timed(_database_check(alias)) for alias in ALIASES}
    checks["redis"] = _timed(_redis_check) if settings.REDIS_URL else {"status": "not configured"}
    # A replica down or behind is a warning: its reads go to the primary meanwhile.
    for replica, report in replica_report().items():
        lag = report["lag_seconds"]
        checks[f"replica:{replica}"] = {
            "status": "ok" if report["in_use"] else "warning",
            "lag_seconds": None if lag is None or lag == float("inf") else round(lag, 3),
            "reads": "replica" if report["in_use"] else "primary",
            **({} if lag is not None else {"error": "unreachable"}),
        }
    for name, check in EXTRA_CHECKS.items():
        try:
            checks.update(check())
        except Exception as exc:  # the databases' own checks say why
            checks[name] = {"status": "unknown", "error": type(exc).__name__}
    healthy = all(result["status"] != "error" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def _metrics_allowed(request) -> bool:
    if settings.METRICS_TOKEN:
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if presented and hmac.compare_digest(presented, settings.METRICS_TOKEN):
            return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        client in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


@login_not_required  # Prometheus has no session: allowed networks or the metrics token
def metrics(request):
    if not _metrics_allowed(request):
        return HttpResponseForbidden("Metrics are for the monitoring system only.")
    registry = scrape_registry()
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
