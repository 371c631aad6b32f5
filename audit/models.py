"""The audit trail (default database): every identity-revealing join, chained so edits show.

Each entry carries its place in the chain and a keyed hash (HMAC) of its
content and of the entry before it; `manage.py verify_audit` recomputes the
chain, holds it against the signed checkpoints kept outside the database,
and names the first entry that does not match (audit/chain.py,
audit/checkpoints.py). The portal offers no way to edit or delete an entry.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dates import format_datetime


class AuditEntry(models.Model):
    """Who did what about whom, when and why."""

    class Action(models.TextChoices):
        TRACE = "trace", _("traced close contacts")
        TRACE_REOPENED = "trace_reopened", _("reopened a trace")
        TRACE_EXPORTED = "trace_exported", _("exported a trace")
        CONTACTS_REVEALED = "contacts_revealed", _("named contacts who are not close contacts")
        TRACE_REFUSED = "trace_refused", _("was refused a trace (hourly limit)")
        PERSON_ID_CHANGED = "person_id_changed", _("an account's person number changed")
        CASE_OPENED = "case_opened", _("opened a case")
        CONTACT_NOTIFIED = "contact_notified", _("notified a close contact")
        CLUSTER_OPENED = "cluster_opened", _("opened a cluster of cases")
        FOLLOW_UPS_EXPORTED = "follow_ups_exported", _("exported follow-ups (CSV)")
        # Naming contacts: asked, decided by a second person, done; or urgently, reviewed after.
        REVEAL_REQUESTED = "reveal_requested", _("asked a second person to approve naming contacts")
        REVEAL_APPROVED = "reveal_approved", _("approved naming a trace's contacts")
        REVEAL_REFUSED = "reveal_refused", _("refused naming a trace's contacts")
        TRACE_REVEALED = "trace_revealed", _("named a trace's close contacts")
        BREAK_GLASS = "break_glass", _("named contacts urgently, without approval (break-glass)")
        BREAK_GLASS_REVIEWED = "break_glass_reviewed", _("reviewed a break-glass reveal")
        # The end of the service: asked, approved by a second person, carried out.
        DECOMMISSION_REQUESTED = "decommission_requested", _("asked to end the service")
        DECOMMISSION_APPROVED = "decommission_approved", _("approved ending the service")
        DECOMMISSIONED = "decommissioned", _("erased the service's personal data (end of service)")

    position = models.PositiveBigIntegerField(
        verbose_name=_("position"),
        unique=True,
        help_text=_("Its place in the chain: 1, 2, 3, ... without a gap."),
    )
    at = models.DateTimeField(verbose_name=_("at"), db_index=True)
    actor = models.CharField(
        verbose_name=_("actor"),
        max_length=150,
        db_index=True,
        help_text=_("Portal account (user name)."),
    )
    action = models.CharField(verbose_name=_("action"), max_length=32, choices=Action.choices)
    target_person_id = models.CharField(
        verbose_name=_("target person number"), max_length=32, db_index=True, blank=True
    )
    case_reference = models.CharField(verbose_name=_("case reference"), max_length=100, blank=True)
    reason = models.CharField(verbose_name=_("reason"), max_length=500, blank=True)
    details = models.JSONField(
        verbose_name=_("details"),
        default=dict,
        help_text=_("Window, policy, number of contacts, ..."),
    )
    previous_hash = models.CharField(
        verbose_name=_("previous hash"),
        max_length=64,
        unique=True,
        help_text=_("Two entries never follow the same one (no fork)."),
    )
    entry_hash = models.CharField(verbose_name=_("entry hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        ordering = ["-position"]
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{format_datetime(self.at)} {self.actor} {self.action} {self.target_person_id}"


class Disclosure(models.Model):
    """An audited action showed this person's identity: as the person traced or as a contact.

    MY DATA lists the dates ("your data was consulted on"), never by whom or
    why. The same person numbers are in the entry's hashed `details`; this
    table only lets MY DATA find them on every database.
    """

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="disclosures")
    person_id = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "person_id"], name="disclosed_once_per_entry")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in entry {self.entry_id}"
