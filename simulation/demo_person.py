"""The demo's `person` account: a device, encounters, a booking and a consultation, so that
MY DATA shows something real on a fresh `make run`.

Three steps, each a loader of its own (simulation/management/commands/demo_data.py), each
doing only what is still missing, so that running `demo_data` again changes nothing:

- the device, before the simulated encounters: the person holds P-0240 from the day the
  other holders got theirs, so the simulated traffic includes their device and the encounters
  are theirs by the holding (as every trace and MY DATA count them);
- the booking, after the recall campaign: P-0240 is of batch B2, so the person is invited to
  the recall and books its next free time from tomorrow on (an upcoming appointment);
- the consultation, after the demo cases: someone the person met long enough tests positive,
  is traced, the contacts are named with a second medic's approval, and the person is told
  by e-mail what to do (MY DATA: the notification and the day they were consulted).

Everything is written through the portal's services, as the desk, a person booking and the
medical service would (each into its own database, the identity-revealing steps audited).
Only the choice of who tests positive is made here, outside the portal, as the world makes
it: one of the person's real peers in the simulation, so that the story holds.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from appointments import services as appointments
from appointments.models import Booking, Campaign
from assets.models import Device, DeviceState
from cases import services as cases
from cases.models import Case, FollowUp, Notification
from core.errors import DomainError
from desk import services as desk
from registration.models import Association, Person
from simulation.demo_tracing import trace_and_name
from tracing import contacts
from tracing.selectors import contacts_of

DEMO_PERSON_ID = "700006"  # the `person` account (simulation/demo_accounts.py)
DEMO_PERSON_DEVICE = "P-0240"  # batch B2: the demo's recall invites its holder
HELD_SINCE_DAYS = 20  # as the other demo holders (simulation/demo_registration.py)


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def load_demo_person_device(stdout=None) -> int:
    """The person holds a device, from before the simulated week. Returns 1 when assigned."""
    if Association.objects.filter(person_id=DEMO_PERSON_ID, ended_at__isnull=True).exists():
        return 0
    clerk = _user("desk")
    in_stock = Device.objects.filter(
        device_id=DEMO_PERSON_DEVICE, state=DeviceState.IN_STOCK
    ).exists()
    if (
        clerk is None
        or not in_stock
        or not Person.objects.filter(person_id=DEMO_PERSON_ID).exists()
    ):
        return 0
    desk.device_assign(
        device_id=DEMO_PERSON_DEVICE,
        person_id=DEMO_PERSON_ID,
        acting_user=clerk,
        at=timezone.now() - timedelta(days=HELD_SINCE_DAYS),
    )
    if stdout is not None:
        stdout.write("Demo person: holds a device.")
    return 1


def load_demo_person_booking(stdout=None) -> int:
    """An upcoming appointment: the next free time of the recall from tomorrow on."""
    recall = Campaign.objects.filter(kind=Campaign.Kind.RECALL).order_by("pk").first()
    person = Person.objects.filter(person_id=DEMO_PERSON_ID).first()
    if recall is None or person is None:
        return 0
    if Booking.objects.filter(person=person, campaign=recall, status__in=Booking.ACTIVE).exists():
        return 0
    if not recall.invitations.filter(person=person).exists():
        return 0  # not a holder of a recalled device: nothing to book
    tomorrow = timezone.localdate() + timedelta(days=1)
    for slot in recall.slots.filter(starts_at__date__gte=tomorrow).order_by("starts_at")[:20]:
        try:
            appointments.booking_create(person=person, slot_id=slot.pk)
        except DomainError:
            continue  # full, or closed: the next time
        if stdout is not None:
            stdout.write("Demo person: one upcoming appointment.")
        return 1
    return 0


def _close_peers() -> list[tuple[str, object]]:
    """The people the demo person met for longer than the close-contact threshold within the
    retention, with their latest such meeting's start, the most recent first."""
    now = timezone.now()
    window = contacts.trace_window(
        now=now,
        retention=timedelta(days=settings.ENCOUNTER_RETENTION_DAYS),
        start=now - timedelta(days=settings.ENCOUNTER_RETENTION_DAYS),
    )
    _, _, by_peer = contacts_of(person_id=DEMO_PERSON_ID, window=window)
    threshold = settings.TRACING_CLOSE_CONTACT_MINUTES * 60
    latest = {}
    for key, pieces in by_peer.items():
        close = [p.start for p in contacts.merge(pieces) if p.seconds > threshold]
        if key.kind == "person" and close:
            latest[key.value] = max(close)
    return sorted(latest.items(), key=lambda item: (item[1], item[0]), reverse=True)


def _follow_up_by_tracing_a_peer():
    """One of the person's close peers tests positive: a case, its trace, the contacts named
    with the second medic's approval. Returns the person's follow-up, or None."""
    medic, second = _user("medic-2"), _user("medic")  # medic-2 asks: medic's hourly limit
    if medic is None or second is None:  # is the demo cases' (simulation/demo_cases.py)
        return None
    open_cases = set(
        Case.objects.filter(status=Case.Status.OPEN).values_list("person_id", flat=True)
    )
    today = timezone.localdate()
    for peer_id, met_at in _close_peers():
        if peer_id in open_cases:
            continue
        # Symptoms began the day after the meeting: the infectious period covers it.
        onset = min(timezone.localdate(met_at) + timedelta(days=1), today)
        case = cases.case_open(
            person_id=peer_id,
            acting_user=medic,
            symptom_onset=onset,
            notes="Demo case: positive PCR, isolating at home.",
        )
        touched = trace_and_name(case, medic=medic, second=second)
        mine = [f for f in touched if f.person_id == DEMO_PERSON_ID]
        if mine:
            return mine[0]
        return None  # one case is enough for a demo, whatever it found
    return None


def load_demo_person_consultation(stdout=None) -> int:
    """The person, a close contact of a demo case, is told what to do. Returns 1 when told."""
    if Notification.objects.filter(follow_up__person_id=DEMO_PERSON_ID, sent=True).exists():
        return 0
    medic = _user("medic")
    if medic is None:
        return 0
    follow_up = (
        FollowUp.objects.filter(person_id=DEMO_PERSON_ID, status__in=FollowUp.OPEN)
        .order_by("pk")
        .first()
    )
    if follow_up is None:
        try:
            follow_up = _follow_up_by_tracing_a_peer()
        except DomainError:
            return 0  # an hourly limit or a rule: the demo goes without
    if follow_up is None:
        return 0
    cases.notification_send(follow_up_id=follow_up.pk, acting_user=medic)
    if stdout is not None:
        stdout.write("Demo person: told as a close contact of a demo case.")
    return 1
