"""Demo accounts: one per role and an ordinary person (demo mode only; listed in the README)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.services import user_set_roles
from core.roles import Role

DEMO_PASSWORD = "demo"

# username, given name, family name, person ID, roles, staff
DEMO_ACCOUNTS = (
    ("desk", "Dana", "Desk", "700001", {Role.REGISTRATION}, False),
    ("assets", "Arno", "Assets", "700002", {Role.ASSETS}, False),
    ("medic", "Mira", "Medic", "700003", {Role.MEDICAL}, False),
    # The second pair of eyes: approves medic's requests to name a trace's contacts.
    ("medic-2", "Max", "Medic", "700007", {Role.MEDICAL}, False),
    ("privacy", "Pia", "Privacy", "700004", {Role.PRIVACY}, False),
    ("admin", "Ada", "Admin", "700005", set(), True),
    ("person", "Per", "Person", "700006", set(), False),
)


def load_demo_accounts(stdout=None) -> int:
    """Create the demo accounts that do not exist yet; returns how many were created."""
    User = get_user_model()
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    created = 0
    for username, given, family, person_id, roles, staff in DEMO_ACCOUNTS:
        if User.objects.filter(username=username).exists():
            continue
        user = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=given,
            last_name=family,
            email=f"{username}@example.org",
            person_id=person_id,
            is_staff=staff,
            is_superuser=staff,
        )
        user_set_roles(user=user, roles=roles)
        created += 1
    if stdout is not None:
        stdout.write(f"Demo accounts: {created} created, password '{DEMO_PASSWORD}' for each.")
    return created
