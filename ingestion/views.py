"""Webhooks of the network servers. Who may call them: holders of an ingest token (bearer).

Plain Django views, not DRF: they sit on the hot path, answer within
milliseconds, and need none of the session machinery.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ingestion import intake, metrics, services
from ingestion.models import Integration
from ingestion.parsers import BodyError, load_json_object, parse_chirpstack, parse_tts
from ingestion.spool import SpoolUnavailable


def _answer(integration: str, outcome: str, status: int, **extra) -> JsonResponse:
    metrics.DELIVERIES.labels(integration=integration, outcome=outcome).inc()
    return JsonResponse({"status": outcome.split("_", 1)[0], **extra}, status=status)


def _webhook(request, integration: str, parse):
    header = request.headers.get("Authorization", "")
    scheme, __, token = header.partition(" ")
    if scheme.lower() != "bearer" or not services.ingest_token_is_valid(token.strip()):
        return _answer(
            integration, "rejected_token", 401, detail=_("A valid ingest token is required.")
        )
    content_type = request.content_type or ""
    if content_type not in ("application/json", ""):
        return _answer(
            integration,
            "rejected_content_type",
            415,
            detail=_("Send the JSON marshaler's body as application/json."),
        )
    if len(request.body) > settings.INGEST_MAX_BODY_BYTES:
        return _answer(
            integration, "rejected_size", 413, detail=_("The body is too large for one uplink.")
        )
    try:
        delivery = parse(load_json_object(request.body))
    except BodyError as error:
        return _answer(integration, "rejected_body", 400, detail=str(error))
    reason = intake.delivery_verdict(delivery)
    if reason is not None:
        return _answer(
            integration,
            f"ignored_{reason}",
            200,
            detail=intake.verdict_detail(delivery, reason),
        )
    try:
        accepted = services.uplink_accept(integration=integration, delivery=delivery)
    except SpoolUnavailable as error:
        # The one 5xx: neither the inbox nor this host's spool could keep the uplink.
        return _answer(
            integration,
            "failed_spool",
            507,
            detail=_(
                "The inbox's database does not answer and the local spool cannot be "
                "written (%(error)s); the uplink was not kept."
            )
            % {"error": error},
        )
    if accepted:
        return _answer(integration, "accepted", 202)
    return _answer(integration, "duplicate", 200, detail=_("This delivery was accepted before."))


@csrf_exempt
@login_not_required
@require_POST
def tts_webhook(request):
    """The Things Stack v3 webhook (every message type)."""
    return _webhook(request, Integration.TTS, parse_tts)


@csrf_exempt
@login_not_required
@require_POST
def chirpstack_webhook(request):
    """ChirpStack v4 (and v3) HTTP integration: `POST ...?event=<type>`."""
    event = request.GET.get("event")
    return _webhook(request, Integration.CHIRPSTACK, lambda data: parse_chirpstack(data, event))
