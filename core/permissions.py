"""Who may use an API view: every view names one of these (the default denies)."""

from rest_framework.permissions import BasePermission, IsAuthenticated

from core.roles import Role, has_role


class DenyAll(BasePermission):
    """The default for a view that has not said who may use it."""

    message = "This endpoint has no access rule; nobody may use it."

    def has_permission(self, request, view) -> bool:
        return False


class AnySignedInPerson(IsAuthenticated):
    """Any signed-in person, with or without a role (MY DATA, APPOINTMENTS)."""


def role_permission(*roles: Role) -> type[BasePermission]:
    """A permission class that admits holders of any of `roles`."""
    names = " or ".join(role.value for role in roles)

    class HasRole(BasePermission):
        message = f"Only the {names} role may do this."

        def has_permission(self, request, view) -> bool:
            return any(has_role(request.user, role) for role in roles)

    HasRole.__name__ = "Has" + "Or".join(role.name.title() for role in roles) + "Role"
    return HasRole


IsRegistration = role_permission(Role.REGISTRATION)
IsMedical = role_permission(Role.MEDICAL)
IsPrivacy = role_permission(Role.PRIVACY)
IsAssets = role_permission(Role.ASSETS)
