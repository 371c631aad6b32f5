"""The portal's roles: Django groups, given by the identity provider's groups claim."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    REGISTRATION = "registration"
    MEDICAL = "medical"
    ASSETS = "assets"
    PRIVACY = "privacy"


ROLE_DESCRIPTIONS = {
    Role.REGISTRATION: _("registration desk"),
    Role.MEDICAL: _("medical service"),
    Role.ASSETS: _("asset team"),
    Role.PRIVACY: _("data-protection office"),
}


# Roles that manage records in the Django admin (each sees only its own models).
ADMIN_ROLES = frozenset({Role.ASSETS, Role.REGISTRATION, Role.PRIVACY})


def roles_of(user) -> set[Role]:
    """The roles a signed-in user holds (none for anonymous users)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = user._portal_roles = frozenset(role for role in Role if role.value in names)
    return set(cached)


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)
