"""Who may ask for and approve the end of the service."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.permissions import role_permission
from core.roles import Role, has_role

# The second pair of eyes: another privacy officer, or the medical service.
IsPrivacyOrMedical = role_permission(Role.PRIVACY, Role.MEDICAL)


class IsPrivacyToAsk(BasePermission):
    """Reading is left to the other classes; asking (POST) is the privacy role's alone."""

    message = _("Only the data-protection office (privacy role) may ask to end the service.")

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or has_role(request.user, Role.PRIVACY)
