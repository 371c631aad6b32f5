"""Appointments to pick up or swap a device (the `associations` database).

People book a slot at a desk location so that no crowd forms; a recall
campaign invites the holders of chosen devices to swap them.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.databases import ASSOCIATIONS
from core.validators import one_line
from registration.models import Person


class Location(models.Model):
    """A registration desk people come to."""

    home_database = ASSOCIATIONS

    name = models.CharField(
        verbose_name=_("name"), max_length=100, unique=True, validators=[one_line]
    )
    address = models.CharField(
        verbose_name=_("address"), max_length=200, blank=True, help_text=_("Building, floor, room.")
    )
    active = models.BooleanField(verbose_name=_("active"), default=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """An opening period of a location on a weekday (several a day allow a lunch break)."""

    home_database = ASSOCIATIONS

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.IntegerField(verbose_name=_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(verbose_name=_("opens"))
    closes = models.TimeField(verbose_name=_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        ordering = ["location", "weekday", "opens"]
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="opening_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Campaign(models.Model):
    """A distribution or a recall: slots over a date range at chosen locations."""

    home_database = ASSOCIATIONS

    class Kind(models.TextChoices):
        DISTRIBUTION = "distribution", _("distribution of devices")
        RECALL = "recall", _("recall: swap a device")

    name = models.CharField(
        verbose_name=_("name"), max_length=100, unique=True, validators=[one_line]
    )
    kind = models.CharField(
        verbose_name=_("kind"), max_length=16, choices=Kind.choices, default=Kind.DISTRIBUTION
    )
    starts_on = models.DateField(verbose_name=_("starts on"))
    ends_on = models.DateField(verbose_name=_("ends on"))
    slot_minutes = models.PositiveSmallIntegerField(verbose_name=_("slot minutes"), default=15)
    capacity_per_slot = models.PositiveSmallIntegerField(
        verbose_name=_("capacity per slot"), default=4
    )
    locations = models.ManyToManyField(
        Location, verbose_name=_("locations"), related_name="campaigns"
    )
    active = models.BooleanField(
        verbose_name=_("active"), default=True, help_text=_("Open for booking.")
    )
    created_by = models.CharField(verbose_name=_("created by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5), name="campaign_slot_at_least_5_min"
            ),
            models.CheckConstraint(
                condition=Q(capacity_per_slot__gte=1), name="campaign_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    """A time at a location with room for `capacity` people."""

    home_database = ASSOCIATIONS

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="slots"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="slots"
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"), db_index=True)
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    capacity = models.PositiveSmallIntegerField(verbose_name=_("capacity"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "location", "starts_at"], name="one_slot_per_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.starts_at:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    """A person's appointment in a slot. One active booking per person and campaign."""

    home_database = ASSOCIATIONS

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CHECKED_IN = "checked_in", _("checked in")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (Status.BOOKED, Status.CHECKED_IN)

    slot = models.ForeignKey(
        Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="bookings"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="bookings"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        to_field="person_id",
        related_name="bookings",
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.BOOKED,
        db_index=True,
    )
    booked_at = models.DateTimeField(verbose_name=_("booked at"))
    changed_at = models.DateTimeField(verbose_name=_("changed at"))
    sequence = models.PositiveIntegerField(
        verbose_name=_("sequence"),
        default=0,
        help_text=_("Grows by one with each change (move, cancel): the calendar entry's SEQUENCE."),
    )
    reminded_at = models.DateTimeField(verbose_name=_("reminded at"), null=True, blank=True)
    checked_in_by = models.CharField(verbose_name=_("checked in by"), max_length=150, blank=True)
    email_problem = models.CharField(
        verbose_name=_("email problem"),
        max_length=200,
        blank=True,
        help_text=_("Why the last e-mail about it could not be sent."),
    )

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["slot__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "campaign"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="one_active_booking_per_person_and_campaign",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(person)s at %(slot)s") % {"person": self.person_id, "slot": self.slot}


class RecallInvitation(models.Model):
    """The holder of a recalled device was invited to book a swap."""

    home_database = ASSOCIATIONS

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="invitations"
    )
    device_id = models.CharField(verbose_name=_("device ID"), max_length=32)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        to_field="person_id",
        related_name="recall_invitations",
    )
    invited_at = models.DateTimeField(verbose_name=_("invited at"))

    class Meta:
        verbose_name = _("recall invitation")
        verbose_name_plural = _("recall invitations")
        ordering = ["campaign", "device_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "device_id"], name="one_invitation_per_device"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.device_id}"


class WaitlistEntry(models.Model):
    """A person waits for a time to free up on a full day of a campaign (any location).

    A cancellation on that day e-mails each waiting person once (`notified_at`).
    """

    home_database = ASSOCIATIONS

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="waitlist")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, to_field="person_id", related_name="waitlist_entries"
    )
    day = models.DateField(help_text=_("A day in the organisation's time zone."))
    created_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "created_at"]
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person", "day"], name="one_waitlist_entry_per_person_and_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.day}"
