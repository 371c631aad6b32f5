"""Demo devices, people and holdings: enough for every desk page to show something real."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from assets.models import Device
from desk import services
from registration.models import Person
from simulation.demo_accounts import DEMO_ACCOUNTS
from simulation.demo_person import DEMO_PERSON_ID

GIVEN = [
    "Alice",
    "Bruno",
    "Carla",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Katrin",
    "Luca",
    "Maya",
    "Nils",
    "Olga",
    "Pavel",
    "Rita",
    "Sami",
    "Tina",
    "Ugo",
]
FAMILY = [
    "Adams",
    "Berger",
    "Clark",
    "Dubois",
    "Eriksson",
    "Fontana",
    "Garcia",
    "Huber",
    "Ivanova",
    "Jansen",
    "Keller",
    "Lopez",
    "Meyer",
    "Novak",
    "Olsen",
    "Perrin",
    "Rossi",
    "Schmid",
]
DEPARTMENTS = ["HSE", "IT", "Accelerators", "Physics", "Engineering", "Finance", "HR", "Site"]

DEMO_DEVICES = 400
DEMO_PEOPLE = 300


def load_demo_registration(stdout=None) -> int:
    """Devices P-0001.., people 700001.. (the demo accounts first), most holding a device."""
    if Device.objects.exists() or Person.objects.exists():
        return 0
    rng = random.Random(2021)
    Device.objects.bulk_create(
        Device(
            device_id=f"P-{n:04d}",
            tag_id=0x00A0_0000 + n,
            dev_eui=f"70B3D57ED005{n:04X}",
            batch=f"B{1 + n // 200}",
            firmware="1.4.2" if n <= 250 else "1.5.0",
        )
        for n in range(1, DEMO_DEVICES + 1)
    )
    people = [
        Person(
            person_id=person_id,
            given_name=given,
            family_name=family,
            email=f"{username}@example.org",
            department="HSE",
        )
        for username, given, family, person_id, *_ in DEMO_ACCOUNTS
    ]
    people += [
        Person(
            person_id=str(710000 + n),
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            email=f"person{n}@example.org",
            department=rng.choice(DEPARTMENTS),
        )
        for n in range(1, DEMO_PEOPLE - len(people) + 1)
    ]
    Person.objects.bulk_create(people)

    clerk = get_user_model().objects.get(username="desk")
    start = timezone.now() - timedelta(days=20)
    # The demo person gets theirs apart (simulation/demo_person.py).
    holders = [p for p in people if p.person_id != DEMO_PERSON_ID]
    for n, person in enumerate(holders[: int(len(holders) * 0.8)], start=1):
        services.device_assign(
            device_id=f"P-{n:04d}",
            person_id=person.person_id,
            acting_user=clerk,
            at=start + timedelta(minutes=n),
        )
    services.device_report_lost(
        device_id="P-0007", acting_user=clerk, lost_at=timezone.now() - timedelta(days=2)
    )
    services.device_mark_broken(device_id="P-0399", acting_user=clerk, note="cracked case")
    if stdout is not None:
        stdout.write(f"Demo registration: {DEMO_DEVICES} devices, {len(people)} people.")
    return len(people)
