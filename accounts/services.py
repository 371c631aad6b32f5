"""Accounts from the identity provider: found by `sub`, roles from the groups claim."""

import logging
from collections.abc import Iterable, Mapping

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from core.roles import ADMIN_ROLES, Role

logger = logging.getLogger(__name__)


def roles_from_claims(claims: Mapping) -> set[Role]:
    """Map the provider's groups claim to portal roles through OIDC_ROLE_MAP.

    Unknown groups are ignored; a claim given as one string counts as one group.
    """
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    roles = set()
    for group in groups:
        role = settings.OIDC_ROLE_MAP.get(str(group))
        if role in Role._value2member_map_:
            roles.add(Role(role))
    return roles


def user_set_roles(*, user, roles: Iterable[Role]) -> bool:
    """Give the user exactly these roles; other (non-role) groups stay. True if changed.

    Admin access (`is_staff`) follows the roles that manage records there;
    superusers keep theirs.
    """
    roles = set(roles)
    staff = user.is_superuser or bool(roles & ADMIN_ROLES)
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    wanted = {role.value for role in roles}
    current = set(
        user.groups.filter(name__in=[r.value for r in Role]).values_list("name", flat=True)
    )
    if wanted == current:
        return False
    user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    # get_or_create: the groups come from a data migration, but a flushed
    # database (or a new role) must not silently drop a role.
    user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in wanted - current))
    user.__dict__.pop("_portal_roles", None)  # roles_of() memo of this request
    logger.info(
        "roles synchronised",
        extra={
            "user_pk": user.pk,
            "added": sorted(wanted - current),
            "removed": sorted(current - wanted),
        },
    )
    return True


def user_sync_from_claims(*, user, claims: Mapping, roles: set[Role] | None = ...) -> None:
    """Bring the account in line with the provider's claims (at every sign-in and API call).

    `roles`: the roles to store (default: those the claims' groups map to); None keeps the
    stored roles (an API token's roles hold for its request only).
    """
    profile = {
        "first_name": str(claims.get("given_name") or "")[:150],
        "last_name": str(claims.get("family_name") or "")[:150],
        "email": str(claims.get("email") or "")[:254],
        "person_id": str(claims.get(settings.OIDC_PERSON_ID_CLAIM) or "")[:32],
    }
    changed = [field for field, value in profile.items() if value and getattr(user, field) != value]
    for field in changed:
        setattr(user, field, profile[field])
    if changed:
        user._person_id_changed_by = "identity provider"  # audit.receivers names it
        user.save(update_fields=changed)
    if roles is ...:
        roles = roles_from_claims(claims)
    if roles is not None:
        user_set_roles(user=user, roles=roles)


def _free_username(preferred: str) -> str:
    User = get_user_model()
    base = (preferred or "user")[:140]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def subject_is_removed(*, sub: str) -> bool:
    """Whether the person with this provider subject was removed from the portal."""
    from accounts.models import RemovedSubject

    return RemovedSubject.objects.filter(sub=sub).exists()


def user_get_or_create_for_subject(*, sub: str, claims: Mapping):
    """The account of the provider's subject `sub`, created on first use.

    Keyed by `sub` through allauth's social account, exactly as the browser
    sign-in does, so a person who first used the API and later the browser
    (or the other way round) is one user. Never matched by email.
    """
    provider = settings.OIDC_PROVIDER_ID
    account = (
        SocialAccount.objects.filter(provider=provider, uid=sub).select_related("user").first()
    )
    if account is not None:
        return account.user
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=_free_username(str(claims.get("preferred_username") or sub))
            )
            SocialAccount.objects.create(user=user, provider=provider, uid=sub, extra_data={})
    except IntegrityError:
        # Two first requests of the same subject at once: the other one won.
        return SocialAccount.objects.select_related("user").get(provider=provider, uid=sub).user
    return user
