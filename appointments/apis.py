"""Appointments API: people book for themselves; the desk runs the day and the campaigns."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments import emails, selectors, services
from appointments.models import Booking, Campaign, Location, OpeningHours
from core import fields
from core.permissions import AnySignedInPerson, IsRegistration
from core.validators import one_line
from registration.selectors import person_for_user


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def location_data(location: Location) -> dict:
    return {"id": location.pk, "name": location.name, "address": location.address}


def slot_data(slot) -> dict:
    return {
        "id": slot.pk,
        "starts_at": _when(slot.starts_at),
        "ends_at": _when(slot.ends_at),
        "location": location_data(slot.location),
        "free": slot.capacity - getattr(slot, "taken", 0),
    }


def booking_data(booking: Booking) -> dict:
    return {
        "id": booking.pk,
        "campaign": {
            "id": booking.campaign_id,
            "name": booking.campaign.name,
            "kind": booking.campaign.kind,
        },
        "status": booking.status,
        "status_label": booking.get_status_display(),
        "starts_at": _when(booking.slot.starts_at),
        "ends_at": _when(booking.slot.ends_at),
        "location": location_data(booking.slot.location),
        "slot_id": booking.slot_id,
        "email_problem": booking.email_problem,
        "calendar": {
            "ics": reverse("my-booking-calendar", args=[booking.pk]),
            **emails.calendar_links(booking),
        },
    }


# --- What the answers hold (the views build them as dicts, above) ----------------


class LocationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()

    class Meta:
        ref_name = "AppointmentLocation"


class SlotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = fields.DateTimeField()
    ends_at = fields.DateTimeField()
    location = LocationOutput()
    free = serializers.IntegerField(help_text=gettext_lazy("Places left."))

    class Meta:
        ref_name = "AppointmentSlot"


class BookingOutput(serializers.Serializer):
    class CampaignOutput(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        kind = serializers.ChoiceField(choices=Campaign.Kind.choices)

        class Meta:
            ref_name = "BookingCampaign"

    id = serializers.IntegerField()
    campaign = CampaignOutput()
    status = serializers.ChoiceField(choices=Booking.Status.choices)
    status_label = serializers.CharField()
    starts_at = fields.DateTimeField()
    ends_at = fields.DateTimeField()
    location = LocationOutput()
    slot_id = serializers.IntegerField()
    email_problem = serializers.CharField(
        help_text=gettext_lazy("Why the last e-mail about it could not be sent (blank: none).")
    )

    class CalendarOutput(serializers.Serializer):
        ics = serializers.CharField(
            help_text=gettext_lazy("Download of the calendar entry (.ics).")
        )
        google = serializers.URLField(help_text=gettext_lazy("Adds it to Google Calendar."))
        outlook = serializers.URLField(help_text=gettext_lazy("Adds it to Outlook.com."))

        class Meta:
            ref_name = "BookingCalendarLinks"

    calendar = CalendarOutput(help_text=gettext_lazy("Add to calendar."))

    class Meta:
        ref_name = "Booking"


class DeskBookingOutput(BookingOutput):
    class PersonOutput(serializers.Serializer):
        person_id = serializers.CharField()
        name = serializers.CharField()
        department = serializers.CharField()

        class Meta:
            ref_name = "DeskBookingPerson"

    person = PersonOutput()
    registration_url = serializers.CharField(help_text=gettext_lazy("Where checking in leads."))

    class Meta:
        ref_name = "DeskBooking"


class RecallProgressOutput(serializers.Serializer):
    invited = serializers.IntegerField()
    swapped = serializers.IntegerField()
    booked = serializers.IntegerField()
    not_booked = serializers.IntegerField()

    class Meta:
        ref_name = "RecallProgress"


# --- The person's side ---------------------------------------------------------


class MyCampaignsApi(APIView):
    """Campaigns I can book for, with their locations and my active booking in each."""

    permission_classes = [AnySignedInPerson]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        kind = serializers.ChoiceField(choices=Campaign.Kind.choices)
        kind_label = serializers.CharField()
        starts_on = fields.DateField()
        ends_on = fields.DateField()
        locations = LocationOutput(many=True)
        booking = BookingOutput(allow_null=True, help_text=gettext_lazy("My active booking in it."))
        lead_minutes = serializers.IntegerField(
            help_text=gettext_lazy(
                "Times that start sooner than this many minutes cannot be booked."
            )
        )
        time_zone = serializers.CharField(
            help_text=gettext_lazy("The desks' time zone, the times' zone.")
        )
        full_days = serializers.ListField(
            child=fields.DateField(),
            help_text=gettext_lazy("Days ahead whose times are all taken."),
        )
        waiting_days = serializers.ListField(
            child=fields.DateField(), help_text=gettext_lazy("Full days I wait for (not yet told).")
        )

        class Meta:
            ref_name = "MyCampaign"

    @extend_schema(
        responses=OutputSerializer(many=True), operation_id="appointments_mine_campaigns_retrieve"
    )
    def get(self, request):
        person = person_for_user(request.user)
        active = {
            b.campaign_id: b
            for b in selectors.bookings_of_person(person=person)
            if b.status in Booking.ACTIVE
        }
        waiting = selectors.waiting_days_of_person(person=person)
        return Response(
            [
                {
                    "id": c.pk,
                    "name": c.name,
                    "kind": c.kind,
                    "kind_label": c.get_kind_display(),
                    "starts_on": c.starts_on,
                    "ends_on": c.ends_on,
                    "locations": [location_data(loc) for loc in c.locations.all() if loc.active],
                    "booking": booking_data(active[c.pk]) if c.pk in active else None,
                    "lead_minutes": settings.APPOINTMENTS_LEAD_MINUTES,
                    "time_zone": settings.TIME_ZONE,
                    "full_days": selectors.full_days(campaign=c),
                    "waiting_days": waiting.get(c.pk, []),
                }
                for c in selectors.campaigns_for_person(person=person)
            ]
        )


class CampaignFreeSlotsApi(APIView):
    """Times with room left in a campaign I may book for (optionally at one location)."""

    permission_classes = [AnySignedInPerson]

    class InputSerializer(serializers.Serializer):
        location = serializers.IntegerField(required=False)

    @extend_schema(
        parameters=[InputSerializer],
        responses=SlotOutput(many=True),
        operation_id="appointments_mine_campaigns_slots_retrieve",
    )
    def get(self, request, campaign_id: int):
        person = person_for_user(request.user)
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        open_to_me = {c.pk: c for c in selectors.campaigns_for_person(person=person)}
        if campaign_id not in open_to_me:
            return Response(
                {"detail": _("This campaign is not open to you.")}, status=status.HTTP_404_NOT_FOUND
            )
        location = None
        if "location" in params.validated_data:
            location = get_object_or_404(Location, pk=params.validated_data["location"])
        slots = selectors.free_slots(campaign=open_to_me[campaign_id], location=location)
        return Response([slot_data(s) for s in slots])


class MyWaitlistJoinApi(APIView):
    """Tell me when a time frees up on this full day (POST {day})."""

    permission_classes = [AnySignedInPerson]

    class InputSerializer(serializers.Serializer):
        day = fields.DateField()

        class Meta:
            ref_name = "WaitlistJoin"

    class OutputSerializer(serializers.Serializer):
        campaign_id = serializers.IntegerField()
        day = fields.DateField()

        class Meta:
            ref_name = "WaitlistEntry"

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)

    @extend_schema(responses={201: OutputSerializer})
    def post(self, request, campaign_id: int):
        person = person_for_user(request.user)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        open_to_me = {c.pk: c for c in selectors.campaigns_for_person(person=person)}
        if campaign_id not in open_to_me:
            return Response(
                {"detail": _("This campaign is not open to you.")}, status=status.HTTP_404_NOT_FOUND
            )
        entry = services.waitlist_join(
            person=person, campaign=open_to_me[campaign_id], day=data.validated_data["day"]
        )
        return Response(
            {"campaign_id": entry.campaign_id, "day": entry.day}, status=status.HTTP_201_CREATED
        )


class SlotInput(serializers.Serializer):
    slot_id = serializers.IntegerField()


class MyBookingsApi(APIView):
    """My appointments (GET), or book one (POST {slot_id})."""

    permission_classes = [AnySignedInPerson]

    def get_serializer(self, *args, **kwargs):
        return SlotInput(*args, **kwargs)

    @extend_schema(
        responses=BookingOutput(many=True), operation_id="appointments_mine_bookings_retrieve"
    )
    def get(self, request):
        person = person_for_user(request.user)
        return Response([booking_data(b) for b in selectors.bookings_of_person(person=person)])

    @extend_schema(responses={201: BookingOutput})
    def post(self, request):
        person = person_for_user(request.user)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_create(person=person, slot_id=data.validated_data["slot_id"])
        return Response(booking_data(booking), status=status.HTTP_201_CREATED)


def _my_booking(request, booking_id: int) -> Booking:
    """Only the person's own bookings exist for them: another person's is a 404."""
    person = person_for_user(request.user)
    return get_object_or_404(
        Booking.objects.select_related("slot__location", "campaign", "person"),
        pk=booking_id,
        person=person,
    )


class MyBookingRescheduleApi(APIView):
    permission_classes = [AnySignedInPerson]

    def get_serializer(self, *args, **kwargs):
        return SlotInput(*args, **kwargs)

    @extend_schema(responses=BookingOutput)
    def post(self, request, booking_id: int):
        booking = _my_booking(request, booking_id)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_reschedule(
            booking=booking, slot_id=data.validated_data["slot_id"]
        )
        return Response(booking_data(booking))


class MyBookingCalendarApi(APIView):
    """My booking's calendar entry (.ics) to add it to a calendar; another person's: 404."""

    permission_classes = [AnySignedInPerson]

    @extend_schema(
        responses={(200, "text/calendar"): OpenApiTypes.STR},
        operation_id="appointments_mine_bookings_calendar_retrieve",
    )
    def get(self, request, booking_id: int):
        booking = _my_booking(request, booking_id)
        method = "CANCEL" if booking.status == Booking.Status.CANCELLED else "PUBLISH"
        response = HttpResponse(
            emails.booking_calendar(booking, method=method),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
        return response


class MyBookingCancelApi(APIView):
    permission_classes = [AnySignedInPerson]

    @extend_schema(request=None, responses=BookingOutput)
    def post(self, request, booking_id: int):
        booking = services.booking_cancel(booking=_my_booking(request, booking_id))
        return Response(booking_data(booking))


# --- The desk's side -----------------------------------------------------------


class LocationListApi(APIView):
    """Locations with their opening hours (GET), or add one (POST)."""

    permission_classes = [IsRegistration]

    class LocationInput(serializers.Serializer):
        class PeriodSerializer(serializers.Serializer):
            weekday = serializers.ChoiceField(choices=OpeningHours.Weekday.choices)
            opens = serializers.TimeField()
            closes = serializers.TimeField()

        name = serializers.CharField(max_length=100, validators=[one_line])
        address = serializers.CharField(
            max_length=200, required=False, default="", allow_blank=True
        )
        opening_hours = PeriodSerializer(many=True)

    InputSerializer = LocationInput

    class OutputSerializer(LocationOutput):
        class PeriodOutput(serializers.Serializer):
            weekday = serializers.ChoiceField(choices=OpeningHours.Weekday.choices)
            weekday_label = serializers.CharField()
            opens = serializers.TimeField()
            closes = serializers.TimeField()

            class Meta:
                ref_name = "OpeningHours"

        active = serializers.BooleanField()
        opening_hours = PeriodOutput(many=True)

        class Meta:
            ref_name = "LocationWithHours"

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)

    @extend_schema(
        responses=OutputSerializer(many=True), operation_id="appointments_locations_retrieve"
    )
    def get(self, request):
        return Response(
            [
                {
                    **location_data(loc),
                    "active": loc.active,
                    "opening_hours": [
                        {
                            "weekday": p.weekday,
                            "weekday_label": p.get_weekday_display(),
                            "opens": p.opens,
                            "closes": p.closes,
                        }
                        for p in loc.opening_hours.all()
                    ],
                }
                for loc in Location.objects.prefetch_related("opening_hours")
            ]
        )

    @extend_schema(responses={201: LocationOutput})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        location = services.location_create(**data.validated_data)
        return Response(location_data(location), status=status.HTTP_201_CREATED)


class CampaignCreateApi(APIView):
    """Create a campaign and generate its slots from the locations' opening hours."""

    permission_classes = [IsRegistration]

    class CampaignInput(serializers.Serializer):
        name = serializers.CharField(max_length=100, validators=[one_line])
        kind = serializers.ChoiceField(
            choices=Campaign.Kind.choices, default=Campaign.Kind.DISTRIBUTION
        )
        starts_on = fields.DateField()
        ends_on = fields.DateField()
        slot_minutes = serializers.IntegerField(min_value=5, max_value=240, default=15)
        capacity_per_slot = serializers.IntegerField(min_value=1, max_value=100, default=4)
        location_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)

    InputSerializer = CampaignInput

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        slots = serializers.IntegerField(help_text=gettext_lazy("Slots generated."))

        class Meta:
            ref_name = "CampaignCreated"

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)

    @extend_schema(responses={201: OutputSerializer})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(**data.validated_data, acting_user=request.user)
        return Response(
            {"id": campaign.pk, "name": campaign.name, "slots": campaign.slots.count()},
            status=status.HTTP_201_CREATED,
        )


class CampaignListApi(APIView):
    """Every campaign with its slots and bookings, and a recall's progress."""

    permission_classes = [IsRegistration]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        kind = serializers.ChoiceField(choices=Campaign.Kind.choices)
        starts_on = fields.DateField()
        ends_on = fields.DateField()
        active = serializers.BooleanField()
        locations = LocationOutput(many=True)
        slots = serializers.IntegerField()
        bookings = serializers.IntegerField(help_text=gettext_lazy("Active bookings."))
        progress = RecallProgressOutput(required=False, help_text=gettext_lazy("A recall's only."))

        class Meta:
            ref_name = "CampaignOverview"

    @extend_schema(
        responses=OutputSerializer(many=True), operation_id="appointments_campaigns_retrieve"
    )
    def get(self, request):
        result = []
        for campaign in Campaign.objects.prefetch_related("locations"):
            entry = {
                "id": campaign.pk,
                "name": campaign.name,
                "kind": campaign.kind,
                "starts_on": campaign.starts_on,
                "ends_on": campaign.ends_on,
                "active": campaign.active,
                "locations": [location_data(loc) for loc in campaign.locations.all()],
                "slots": campaign.slots.count(),
                "bookings": campaign.bookings.filter(status__in=Booking.ACTIVE).count(),
            }
            if campaign.kind == Campaign.Kind.RECALL:
                entry["progress"] = vars(selectors.recall_progress(campaign=campaign))
            result.append(entry)
        return Response(result)


class RecallInviteApi(APIView):
    """Invite the holders of devices with these firmware versions or batches to book a swap."""

    permission_classes = [IsRegistration]

    class RecallInput(serializers.Serializer):
        firmware = serializers.ListField(
            child=serializers.CharField(max_length=32), required=False, default=list
        )
        batches = serializers.ListField(
            child=serializers.CharField(max_length=64), required=False, default=list
        )

    InputSerializer = RecallInput

    class OutputSerializer(serializers.Serializer):
        invited = serializers.IntegerField(
            help_text=gettext_lazy("Holders invited by this request.")
        )
        progress = RecallProgressOutput()

        class Meta:
            ref_name = "RecallInvited"

    def get_serializer(self, *args, **kwargs):
        return self.InputSerializer(*args, **kwargs)

    @extend_schema(responses=OutputSerializer)
    def post(self, request, campaign_id: int):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        invited = services.recall_invite(campaign=campaign, **data.validated_data)
        return Response(
            {"invited": invited, "progress": vars(selectors.recall_progress(campaign=campaign))}
        )


class DeskDayApi(APIView):
    """The day's bookings at a location."""

    permission_classes = [IsRegistration]

    class InputSerializer(serializers.Serializer):
        location = serializers.IntegerField()
        date = fields.DateField(required=False)

    class OutputSerializer(serializers.Serializer):
        location = LocationOutput()
        date = fields.DateField()
        bookings = DeskBookingOutput(many=True)

        class Meta:
            ref_name = "DeskDay"

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        location = get_object_or_404(Location, pk=params.validated_data["location"])
        day = params.validated_data.get("date") or timezone.localdate()
        bookings = selectors.desk_day(location=location, day=day)
        return Response(
            {
                "location": location_data(location),
                "date": day,
                "bookings": [_desk_booking(b) for b in bookings],
            }
        )


def _desk_booking(booking: Booking) -> dict:
    return {
        **booking_data(booking),
        "person": {
            "person_id": booking.person.person_id,
            "name": booking.person.full_name,
            "department": booking.person.department,
        },
        "registration_url": _registration_url(booking),
    }


def _registration_url(booking: Booking) -> str:
    """Where checking in leads: REGISTRATION with the person chosen (the swap flow for a recall)."""
    url = f"/registration/?person={booking.person_id}"
    return url + "&swap=1" if booking.campaign.kind == Campaign.Kind.RECALL else url


class _DeskBookingApi(APIView):
    permission_classes = [IsRegistration]

    def mark(self, booking, user):  # overridden
        return booking

    @extend_schema(request=None, responses=DeskBookingOutput)
    def post(self, request, booking_id: int):
        booking = get_object_or_404(
            Booking.objects.select_related("slot__location", "campaign", "person"), pk=booking_id
        )
        booking = self.mark(booking, request.user)
        return Response(_desk_booking(booking))


class DeskCheckInApi(_DeskBookingApi):
    def mark(self, booking, user):
        return services.booking_check_in(booking=booking, acting_user=user)


class DeskNoShowApi(_DeskBookingApi):
    def mark(self, booking, user):
        return services.booking_mark_no_show(booking=booking, acting_user=user)


class HandoutsApi(APIView):
    """Devices handed out per day and cumulative, per location (the desk's chart)."""

    permission_classes = [IsRegistration]

    class InputSerializer(serializers.Serializer):
        days = serializers.IntegerField(min_value=7, max_value=365, default=60)

    class OutputSerializer(serializers.Serializer):
        class SeriesOutput(serializers.Serializer):
            location = serializers.CharField(
                help_text=gettext_lazy("A location's name, or: without appointment.")
            )
            daily = serializers.ListField(child=serializers.IntegerField())
            cumulative = serializers.ListField(child=serializers.IntegerField())

            class Meta:
                ref_name = "HandoutSeries"

        dates = serializers.ListField(child=fields.DateField())
        series = SeriesOutput(many=True, help_text=gettext_lazy("Per location: a count per date."))

        class Meta:
            ref_name = "Handouts"

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(selectors.handouts_per_day(days=params.validated_data["days"]))
