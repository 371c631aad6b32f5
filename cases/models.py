"""The medical service's cases and the follow-up of their close contacts (the `default` database).

A case is an index person and the dates its trace window derives from; each
close contact a trace of the case finds becomes a follow-up, which lasts until
CONTACT_FOLLOW_UP_DAYS after the day of the last exposure. These are the
medical service's conclusions, like the audit trail's `disclosed` list: they
hold person numbers and days of exposure, never an encounter, a device or a tag.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.dates import format_datetime


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    reference = models.CharField(max_length=100, unique=True)
    person_id = models.CharField(max_length=32, db_index=True, help_text=_("The index person."))
    symptom_onset = models.DateField(null=True, blank=True)
    positive_test = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(db_index=True)
    created_by = models.CharField(max_length=150)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The follow-up whose contact became this case: the chain between cases.
    source_follow_up = models.OneToOneField(
        "cases.FollowUp",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="became_case",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open case per person: a second positive test adds to the open one.
            models.UniqueConstraint(
                fields=["person_id"], condition=Q(status="open"), name="one_open_case_per_person"
            )
        ]

    def __str__(self) -> str:
        return self.reference


class CaseTrace(models.Model):
    """A trace run for a case: of its index person (degree 1), or of one of its contacts
    (degree 2, `follow_up` says whose). The trace itself (tracing.Trace) is purged after
    TRACE_RESULT_RETENTION_DAYS; this summary stays with the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="traces")
    trace = models.OneToOneField(
        "tracing.Trace", null=True, on_delete=models.SET_NULL, related_name="case_link"
    )
    degree = models.PositiveSmallIntegerField(default=1)
    follow_up = models.ForeignKey(
        "cases.FollowUp",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="traced_from",
    )
    traced_person_id = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    author = models.CharField(max_length=150)
    policy = models.CharField(max_length=16)
    window_from = models.DateTimeField()
    window_to = models.DateTimeField()
    close_contacts = models.PositiveIntegerField()
    # When its close contacts were named and became follow-ups (a trace is pseudonymous first).
    followed_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} trace {format_datetime(self.created_at)}"


class FollowUp(models.Model):
    class Status(models.TextChoices):
        TO_CONTACT = "to_contact", _("to contact")
        NOTIFIED = "notified", _("notified")
        IN_QUARANTINE = "in_quarantine", _("in quarantine")
        BECAME_CASE = "became_case", _("became a case")
        RELEASED = "released", _("released")
        LOST = "lost", _("lost to follow-up")

    OPEN = (Status.TO_CONTACT, Status.NOTIFIED, Status.IN_QUARANTINE)

    person_id = models.CharField(max_length=32, db_index=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        help_text=_("The case it began in."),
    )
    degree = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TO_CONTACT)
    last_exposure = models.DateTimeField(help_text=_("The end of the last encounter with a case."))
    end_date = models.DateField(help_text=_("Last day of quarantine or monitoring (inclusive)."))
    assigned_to = models.CharField(max_length=150, db_index=True)
    created_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    changed_by = models.CharField(max_length=150)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=500, blank=True)
    # Bumped by every change: a medic's change names the version it saw (two medics at once).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["end_date", "pk"]
        constraints = [
            # One open follow-up per person: a new exposure moves its end instead.
            models.UniqueConstraint(
                fields=["person_id"],
                condition=Q(status__in=["to_contact", "notified", "in_quarantine"]),
                name="one_open_follow_up_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk} ({self.get_status_display()}, until {self.end_date})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Exposure(models.Model):
    """One trace that found the person a close contact: a follow-up has one or more."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="exposures")
    case_trace = models.ForeignKey(CaseTrace, on_delete=models.CASCADE, related_name="exposures")
    first_exposure = models.DateTimeField(help_text=_("The start of the first encounter in it."))
    last_exposure = models.DateTimeField()

    class Meta:
        ordering = ["last_exposure", "pk"]

    def __str__(self) -> str:
        return f"exposure of follow-up {self.follow_up_id}"


class FollowUpEvent(models.Model):
    """Who did what when to a follow-up."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened by a trace")
        RE_EXPOSED = "re_exposed", _("exposed again")
        STATUS = "status", _("status changed")
        NOTIFIED = "notified", _("notified by e-mail")
        NOTIFY_FAILED = "notify_failed", _("e-mail failed")
        AUTO_CLOSED = "auto_closed", _("closed at its end date")

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    old_end_date = models.DateField(null=True, blank=True)
    new_end_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_datetime(self.at)}"


class Notification(models.Model):
    """One e-mail to a contact: what it said they should do, until when, and whether it left."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="notifications")
    at = models.DateTimeField()
    sent_by = models.CharField(max_length=150)
    to_email = models.CharField(max_length=254, blank=True)
    until = models.DateField()
    sent = models.BooleanField()
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"notification {format_datetime(self.at)} ({'sent' if self.sent else 'failed'})"


class Reveal(models.Model):
    """A request to name the contacts of a case's trace (cases/reveals.py).

    Four eyes: it waits for a second person's approval, unless the service's
    setting lets this trace through (`because` is empty) or it is an urgent
    break-glass reveal, which the data-protection office reviews afterwards.
    It holds who asked and decided, never a contact's identity.
    """

    class Scope(models.TextChoices):
        CLOSE = "close", _("the close contacts")
        ALL = "all", _("every contact")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        NOT_NEEDED = "not_needed", _("no approval needed")
        BREAK_GLASS = "break_glass", _("break-glass")

    class Review(models.TextChoices):
        REVIEWED = "reviewed", _("reviewed")
        ESCALATED = "escalated", _("escalated")

    case_trace = models.ForeignKey(CaseTrace, on_delete=models.CASCADE, related_name="reveals")
    scope = models.CharField(max_length=8, choices=Scope.choices)
    reason = models.CharField(max_length=500)
    urgent = models.BooleanField(default=False)
    because = models.JSONField(default=list, help_text=_("Why a second person must approve."))
    status = models.CharField(max_length=16, choices=Status.choices)
    requested_by = models.CharField(max_length=150, db_index=True)
    requested_at = models.DateTimeField(db_index=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    review = models.CharField(max_length=16, choices=Review.choices, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One waiting request per trace: two clicks (or two tabs) ask once.
            models.UniqueConstraint(
                fields=["case_trace"], condition=Q(status="waiting"), name="one_waiting_reveal"
            )
        ]

    def __str__(self) -> str:
        return f"reveal {self.pk} ({self.status})"
