"""Infrastructure receivers: roles follow the provider at every browser sign-in; a removed
person's subject is remembered."""

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in as django_user_logged_in
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.services import user_sync_from_claims
from core.security import record_sign_in


@receiver(user_logged_in)
def sync_roles_at_login(sender, request, user, sociallogin=None, **kwargs) -> None:
    if sociallogin is None or sociallogin.account.provider != settings.OIDC_PROVIDER_ID:
        return  # a demo account: its roles are the demo's
    extra = sociallogin.account.extra_data or {}
    # allauth keeps the userinfo and the ID token's claims; userinfo wins.
    claims = {**extra.get("id_token", {}), **extra.get("userinfo", {})}
    user_sync_from_claims(user=user, claims=claims)


@receiver(django_user_logged_in)
def remember_sign_in_time(sender, request, user, **kwargs) -> None:
    """Every login (provider, demo account, admin): the session's sign-in time (core.security)."""
    if request is not None:
        record_sign_in(request)


@receiver(pre_delete, sender=get_user_model(), dispatch_uid="remember_removed_subjects")
def remember_removed_subject(sender, instance, **kwargs) -> None:
    """A deleted account's provider subject stays out (accounts.models.RemovedSubject)."""
    from accounts.models import RemovedSubject

    for sub in instance.socialaccount_set.filter(provider=settings.OIDC_PROVIDER_ID).values_list(
        "uid", flat=True
    ):
        RemovedSubject.objects.get_or_create(sub=sub, defaults={"username": instance.username})
