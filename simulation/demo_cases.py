"""Demo cases: the demo medic's cases of the simulated week, traced, named with the second
demo medic's approval (four eyes), followed up, some notified.

So that the Cases and Follow-ups pages, the chain and the supervisor figures show
something on a fresh `make run`. Runs after the demo encounters; only once.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases import services
from cases.models import Case, FollowUp
from core.errors import DomainError
from encounters.models import Encounter
from registration.models import Association
from simulation.demo_person import DEMO_PERSON_ID
from simulation.demo_tracing import trace_and_name

CASES = 6  # index people traced
NOTIFIED = 3  # follow-ups e-mailed (the console backend prints them)


def _index_people() -> list[str]:
    """People holding a device now, in a fixed order (the simulation is seeded). Not the demo
    person: they are a close contact of a case of their own (simulation/demo_person.py)."""
    return list(
        Association.objects.filter(ended_at__isnull=True)
        .exclude(person_id=DEMO_PERSON_ID)
        .order_by("person_id")
        .values_list("person_id", flat=True)[: CASES * 4]
    )


def load_demo_cases(stdout=None) -> int:
    if Case.objects.exists() or not Encounter.objects.exists():
        return 0
    medic = get_user_model().objects.filter(username="medic").first()
    second = get_user_model().objects.filter(username="medic-2").first()
    if medic is None or second is None:
        return 0
    today = timezone.localdate()
    opened = []
    for n, person_id in enumerate(_index_people()):
        if len(opened) == CASES:
            break
        case = services.case_open(
            person_id=person_id,
            acting_user=medic,
            symptom_onset=today - timedelta(days=2 + n % 3),
            notes="Demo case: positive PCR, isolating at home.",
        )
        try:
            touched = trace_and_name(case, medic=medic, second=second)
        except DomainError:
            break  # the hourly limit: enough for a demo
        if touched:
            opened.append((case, touched))
        else:
            services.case_update(case=case, acting_user=medic, status=Case.Status.CLOSED)
    follow_ups = [f for _case, touched in opened for f in touched]
    for follow_up in follow_ups[:NOTIFIED]:
        services.notification_send(follow_up_id=follow_up.pk, acting_user=medic)
    for follow_up in follow_ups[NOTIFIED : NOTIFIED + 2]:
        follow_up.refresh_from_db()
        services.followup_set_status(
            follow_up_id=follow_up.pk,
            status=FollowUp.Status.IN_QUARANTINE,
            version=follow_up.version,
            note="Called: stays at home.",
            acting_user=medic,
        )
    if len(follow_ups) > NOTIFIED + 2:
        last = follow_ups[-1]
        last.refresh_from_db()
        if last.is_open:
            services.followup_set_status(
                follow_up_id=last.pk,
                status=FollowUp.Status.LOST,
                version=last.version,
                note="No answer after three calls.",
                acting_user=medic,
            )
    if stdout is not None:
        stdout.write(
            f"Demo cases: {Case.objects.count()} opened, {len(opened)} with close contacts, "
            f"{FollowUp.objects.count()} follow-ups."
        )
    return len(opened)
