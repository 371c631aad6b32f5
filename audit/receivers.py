"""The audit trail listens: an account's person number changing is audited, whoever changes it.

The person number decides whose MY DATA an account sees. It comes from the
identity provider at each sign-in (accounts.services.user_sync_from_claims);
any change, by that path or any other that saves the account (a shell, a
script), is written to the audit trail. A change by raw SQL is not seen here:
docs/security.md says who can do that.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver

from audit.models import AuditEntry
from audit.services import audit_record

IDENTITY_PROVIDER = "identity provider"


@dataclass(frozen=True)
class Actor:
    """Who acted when no portal user did."""

    name: str

    def get_username(self) -> str:
        return self.name


@receiver(pre_save, sender=get_user_model(), dispatch_uid="audit_person_id_changes")
def audit_person_id_change(sender, instance, raw=False, update_fields=None, **kwargs):
    by = instance.__dict__.pop("_person_id_changed_by", "outside the portal")  # this save only
    if raw or instance.pk is None:
        return
    if update_fields is not None and "person_id" not in update_fields:
        return
    before = sender.objects.filter(pk=instance.pk).values_list("person_id", flat=True).first()
    if before is None or before == instance.person_id:
        return
    if by == IDENTITY_PROVIDER and not before:
        return  # an account's first sign-in: the provider states the number, nothing changes
    # No target: this shows nobody's data, so it is not a "consulted on" date in MY DATA.
    audit_record(
        acting_user=Actor(by),
        action=AuditEntry.Action.PERSON_ID_CHANGED,
        details={
            "account": instance.get_username(),
            "previous_person_id": before,
            "person_id": instance.person_id,
        },
    )
