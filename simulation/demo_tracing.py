"""A demo case traced and its close contacts named, as the demo does it everywhere: one demo
medic asks, the other approves (four eyes, docs/four-eyes.md)."""

from cases import reveals
from cases import services as cases
from cases.models import Case


def trace_and_name(case: Case, *, medic, second) -> list:
    """Trace `case` as `medic`, name its close contacts with `second`'s approval when the
    service asks for it. The follow-ups the naming created or touched."""
    trace, _link = cases.case_trace(case=case, reason="Demo: positive PCR", acting_user=medic)
    reveal, _result, touched = reveals.reveal_ask(
        trace=trace,
        scope="close",
        reason="Demo: tell the close contacts",
        urgent=False,
        acting_user=medic,
    )
    if reveal.status == reveal.Status.WAITING:
        _reveal, _result, touched = reveals.reveal_decide(
            reveal_id=reveal.pk, approve=True, comment="Demo", acting_user=second
        )
    return touched
