from django.urls import path

from appointments import apis

urlpatterns = [
    # Any signed-in person, about themselves.
    path("mine/campaigns", apis.MyCampaignsApi.as_view(), name="my-campaigns"),
    path(
        "mine/campaigns/<int:campaign_id>/slots",
        apis.CampaignFreeSlotsApi.as_view(),
        name="free-slots",
    ),
    path(
        "mine/campaigns/<int:campaign_id>/waitlist",
        apis.MyWaitlistJoinApi.as_view(),
        name="my-waitlist-join",
    ),
    path("mine/bookings", apis.MyBookingsApi.as_view(), name="my-bookings"),
    path(
        "mine/bookings/<int:booking_id>/reschedule",
        apis.MyBookingRescheduleApi.as_view(),
        name="my-booking-reschedule",
    ),
    path(
        "mine/bookings/<int:booking_id>/calendar.ics",
        apis.MyBookingCalendarApi.as_view(),
        name="my-booking-calendar",
    ),
    path(
        "mine/bookings/<int:booking_id>/cancel",
        apis.MyBookingCancelApi.as_view(),
        name="my-booking-cancel",
    ),
    # The registration desk.
    path("locations", apis.LocationListApi.as_view(), name="locations"),
    path("campaigns", apis.CampaignListApi.as_view(), name="campaigns"),
    path("campaigns/new", apis.CampaignCreateApi.as_view(), name="campaign-create"),
    path(
        "campaigns/<int:campaign_id>/recall", apis.RecallInviteApi.as_view(), name="recall-invite"
    ),
    path("desk", apis.DeskDayApi.as_view(), name="desk-day"),
    path(
        "desk/bookings/<int:booking_id>/check-in",
        apis.DeskCheckInApi.as_view(),
        name="desk-check-in",
    ),
    path(
        "desk/bookings/<int:booking_id>/no-show", apis.DeskNoShowApi.as_view(), name="desk-no-show"
    ),
    path("handouts", apis.HandoutsApi.as_view(), name="handouts"),
]
