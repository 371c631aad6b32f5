"""Naming a trace's contacts in tests: the four-eyes step that follows every trace.

A trace names nobody; a test that needs the names (or the follow-ups the named close
contacts become) asks as the trace's author and has a second medic approve, as the
service does. tests/cases/test_reveals.py tests the step itself.
"""

import json

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder

from cases import reveals
from cases.apis import follow_ups_data
from tests.personas import make_persona


def approver():
    """A second medic (created once per test database)."""
    found = get_user_model().objects.filter(username="medic-2").first()
    return found or make_persona("second_medic")


def name_contacts(trace, medic, *, scope="close", reason="to tell them"):
    """Ask as `medic` (the author) and approve as a second medic: (result, follow-ups)."""
    reveal, result, touched = reveals.reveal_ask(
        trace=trace, scope=scope, reason=reason, urgent=False, acting_user=medic
    )
    if result is None:
        _reveal, result, touched = reveals.reveal_decide(
            reveal_id=reveal.pk, approve=True, comment="approved", acting_user=approver()
        )
    trace.refresh_from_db()
    return result, touched


def name_over_api(client, trace_id, *, scope="close", reason="to tell them") -> dict:
    """Ask through the API as the author signed in on `client`; a second medic approves.
    Returns {"result": the named result, "follow_ups": as the API shows them}."""
    asked = client.post(
        f"/api/tracing/traces/{trace_id}/reveal",
        {"scope": scope, "reason": reason},
        content_type="application/json",
    )
    assert asked.status_code in (200, 202), asked.content
    if asked.status_code == 200:
        return {"result": asked.json()["result"], "follow_ups": asked.json()["follow_ups"]}
    _reveal, result, touched = reveals.reveal_decide(
        reveal_id=asked.json()["reveal"]["id"], approve=True, comment="ok", acting_user=approver()
    )
    shown = json.dumps(
        {"result": result, "follow_ups": follow_ups_data(touched)}, cls=DjangoJSONEncoder
    )
    return json.loads(shown)  # as the API would have answered it
