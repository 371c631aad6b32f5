"""What the portal takes of a delivery, whichever way it came: one rule for every path.

    webhook (views.py) ─┐
    MQTT (mqtt.py)     ─┼─> delivery_verdict: an encounter uplink? ──> uplink_accept (inbox)
    backfill           ─┘                      no: why not (ignored_<reason>)

An encounter uplink is a real (not simulated) uplink on the encounter FPort. Anything
else is acknowledged and not stored: the network server must not send it again.
"""

from django.utils.translation import gettext as _

from encounters.payload import ENCOUNTER_FPORT
from ingestion import services
from ingestion.parsers import Delivery

# The reasons of delivery_verdict besides an event name (metrics: ignored_<reason>).
SIMULATED = "simulated"
NO_FPORT = "no_fport"
OTHER_FPORT = "other_fport"


def delivery_verdict(delivery: Delivery) -> str | None:
    """None for an encounter uplink (to accept); else why it is ignored: the network
    server's event name (`join`, `downlink_ack`, ...), `simulated`, `no_fport` (a MAC-only
    frame) or `other_fport`."""
    if not delivery.is_uplink:
        return delivery.event
    if delivery.simulated:
        return SIMULATED
    if not delivery.fport:
        return NO_FPORT
    if delivery.fport != ENCOUNTER_FPORT:
        return OTHER_FPORT
    return None


def verdict_detail(delivery: Delivery, reason: str) -> str:
    """The sentence that tells the network server's operator why (the webhook's answer)."""
    if reason == SIMULATED:
        return _("Simulated uplinks are not stored.")
    if reason == NO_FPORT:
        return _("A MAC-only frame carries no encounters.")
    if reason == OTHER_FPORT:
        return _("FPort %(fport)s does not carry encounters.") % {"fport": delivery.fport}
    return _("%(event)s events are not stored.") % {"event": reason}


def delivery_take(*, integration: str, delivery: Delivery) -> str:
    """Accept an encounter uplink into the inbox, or ignore the delivery; the outcome, as
    the deliveries metric names it: `accepted`, `duplicate` or `ignored_<reason>`.

    Raises spool.SpoolUnavailable when neither the inbox nor this host's spool could keep
    it (the caller must then make the network server or broker deliver it again).
    """
    reason = delivery_verdict(delivery)
    if reason is not None:
        return f"ignored_{reason}"
    if services.uplink_accept(integration=integration, delivery=delivery):
        return "accepted"
    return "duplicate"
