"""Who may use an API view: every view names one of these (the default denies)."""

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, pgettext
from rest_framework.permissions import BasePermission, IsAuthenticated

from core.roles import Role, has_role


class DenyAll(BasePermission):
    """The default for a view that has not said who may use it."""

    message = gettext_lazy("This endpoint has no access rule; nobody may use it.")

    def has_permission(self, request, view) -> bool:
        return False


class AnySignedInPerson(IsAuthenticated):
    """Any signed-in person, with or without a role (MY DATA, APPOINTMENTS)."""


def role_permission(*roles: Role) -> type[BasePermission]:
    """A permission class that admits holders of any of `roles`."""

    def refusal() -> str:
        names = pgettext("between role names", " or ").join(role.value for role in roles)
        return gettext("Only the %(roles)s role may do this.") % {"roles": names}

    class HasRole(BasePermission):
        message = lazy(refusal, str)()  # in the language of the request that is refused

        def has_permission(self, request, view) -> bool:
            return any(has_role(request.user, role) for role in roles)

    HasRole.__name__ = "Has" + "Or".join(role.name.title() for role in roles) + "Role"
    return HasRole


IsRegistration = role_permission(Role.REGISTRATION)
IsMedical = role_permission(Role.MEDICAL)
IsPrivacy = role_permission(Role.PRIVACY)
IsAssets = role_permission(Role.ASSETS)
