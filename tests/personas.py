"""The portal's typical users, each with a fixed username and the roles of their work.

Every account is made through the portal's own code for roles
(`accounts.services.user_set_roles`, which also gives the admin to the roles
that manage records there), so a persona holds exactly what a person signed
in through the identity provider with those groups would hold. Asking for a
persona twice gives the same account.

    medic()                         "medic": the medical service
    wearer("810002")                "wearer-810002": no role, person 810002 of the directory
    persona_for(Role.ASSETS)        the persona of a role ("arno"); persona_for(None): "charlie"
    medic(username="mia")           a test that needs another name (or another field) says so

A wearer is linked to the directory by the person number only: the test makes
the `Person` it needs (names, department), as before.

The fixtures of tests/conftest.py (`desk`, `medic`, `person`, ...) are these personas.
"""

from django.contrib.auth import get_user_model

from accounts.services import user_set_roles
from core.roles import Role

PASSWORD = "pw"  # every local account's; demo mode signs in with it

# kind: (username, roles, other fields of the account)
PERSONAS = {
    "clerk": ("desk", {Role.REGISTRATION}, {"first_name": "Dana", "last_name": "Desk"}),
    "second_clerk": ("desk-2", {Role.REGISTRATION}, {}),
    "medic": ("medic", {Role.MEDICAL}, {}),
    "second_medic": ("medic-2", {Role.MEDICAL}, {}),
    # At the desk and in the medical service, as Alice is at the identity provider.
    "desk_medic": ("doc", {Role.REGISTRATION, Role.MEDICAL}, {}),
    "privacy_officer": ("dpo", {Role.PRIVACY}, {"first_name": "Dora", "last_name": "Privacy"}),
    "asset_manager": ("arno", {Role.ASSETS}, {}),
    # Staff and superuser, no role of the portal.
    "superuser": ("root", set(), {"is_staff": True, "is_superuser": True}),
    # Holds no role and is linked to no person of the directory (MY DATA says so).
    "person": ("charlie", set(), {}),
    # Holds no role; linked to a person of the directory (username: wearer-<person_id>).
    "wearer": ("wearer-{person_id}", set(), {}),
}

# The persona of each role, and of no role.
OF_ROLE = {
    None: "person",
    Role.REGISTRATION: "clerk",
    Role.MEDICAL: "medic",
    Role.ASSETS: "asset_manager",
    Role.PRIVACY: "privacy_officer",
}


def make_persona(kind: str, *, username: str | None = None, roles=None, **fields):
    """The account of persona `kind`; `username`, `roles` and fields replace the persona's own.

    The same username asked for again gives the account made the first time, as it is.
    """
    default_username, default_roles, default_fields = PERSONAS[kind]
    fields = {**default_fields, **fields}
    if username is None:
        username = default_username.format(**fields)
    existing = get_user_model().objects.filter(username=username).first()
    if existing is not None:
        return existing
    return make_user(username, *(default_roles if roles is None else roles), **fields)


def make_user(username: str, *roles: Role, **fields):
    """An account that is no persona: make_user("alice", Role.MEDICAL, person_id="810001")."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    user_set_roles(user=user, roles=set(roles))
    return user


def clerk(**overrides):
    return make_persona("clerk", **overrides)


def second_clerk(**overrides):
    return make_persona("second_clerk", **overrides)


def medic(**overrides):
    return make_persona("medic", **overrides)


def second_medic(**overrides):
    return make_persona("second_medic", **overrides)


def desk_medic(**overrides):
    return make_persona("desk_medic", **overrides)


def privacy_officer(**overrides):
    return make_persona("privacy_officer", **overrides)


def asset_manager(**overrides):
    return make_persona("asset_manager", **overrides)


def superuser(**overrides):
    return make_persona("superuser", **overrides)


def person(**overrides):
    return make_persona("person", **overrides)


def wearer(person_id: str, **overrides):
    return make_persona("wearer", person_id=person_id, **overrides)


def persona_for(role: Role | None, **overrides):
    """The persona of `role` (the person with no role for None): one per parametrised role."""
    return make_persona(OF_ROLE[role], **overrides)
