"""End to end in Chromium: a person books an appointment, the desk checks them in.

Bob books a time to pick up his device on APPOINTMENTS and sees the
confirmation; Alice (registration desk) opens DESK DAY for the location and
the day, checks Bob in, lands on REGISTRATION with Bob chosen and hands out a
device by scanning it. The screenshots in test-artifacts/ feed the user guide.

The confirmation email is queued with Celery when the booking commits; no
worker runs here, and nothing waits for it.
"""

import re
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from appointments import emails, services
from appointments.models import Booking, Campaign, Location, OpeningHours, Slot, WaitlistEntry
from appointments.selectors import bookable_from
from assets.models import Device
from desk.services import device_assign
from registration.models import Association, Person
from tests.browser import day_label, open_page, phone_sized, scan, screenshot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def appointment_data(desk):
    """Main desk open all day every day; a hand-out campaign today and tomorrow; a recall."""
    today = timezone.localdate()
    Person.objects.create(
        person_id="810002",
        given_name="Bob",
        family_name="Brown",
        department="Finance",
        email="bob@example.org",
    )
    Device.objects.create(device_id="P-3001", tag_id=3001)

    location = Location.objects.create(name="Main desk", address="Building A, ground floor")
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=day, opens=time(0, 0), closes=time(23, 59))
        for day in range(7)
    )
    hand_out = services.campaign_create(
        name="Autumn hand-out",
        kind=Campaign.Kind.DISTRIBUTION,
        starts_on=today,
        ends_on=today + timedelta(days=1),
        slot_minutes=30,
        capacity_per_slot=2,
        location_ids=[location.pk],
        acting_user=desk,
    )

    # Devices handed out over the last weeks (for the chart), two of them recalled.
    people = [
        ("810005", "Carla", "Clark", "Laboratory"),
        ("810006", "Dave", "Dunn", "Workshop"),
        ("810007", "Erin", "Evans", "HSE"),
        ("810008", "Frank", "Fischer", "Finance"),
        ("810009", "Gina", "Gruber", "Laboratory"),
    ]
    now = timezone.now()
    for number, (person_id, given, family, department) in enumerate(people):
        Person.objects.create(
            person_id=person_id,
            given_name=given,
            family_name=family,
            department=department,
            email=f"{given.lower()}@example.org",
        )
        device_id = f"P-20{number + 1:02d}"
        Device.objects.create(
            device_id=device_id, tag_id=2001 + number, firmware="1.0.3" if number < 2 else "1.1.0"
        )
        device_assign(
            device_id=device_id,
            person_id=person_id,
            acting_user=desk,
            at=now - timedelta(days=3 + 4 * number),
        )

    recall = services.campaign_create(
        name="Battery recall",
        kind=Campaign.Kind.RECALL,
        starts_on=today,
        ends_on=today + timedelta(days=1),
        slot_minutes=30,
        capacity_per_slot=2,
        location_ids=[location.pk],
        acting_user=desk,
    )
    services.recall_invite(campaign=recall, firmware=["1.0.3"], batches=[])

    # Bob will book the first time far enough ahead to be bookable.
    bob_slot = (
        Slot.objects.filter(campaign=hand_out, starts_at__gte=bookable_from(now))
        .order_by("starts_at")
        .first()
    )
    # Carla booked the recall's swap at the same time.
    carla_slot = Slot.objects.get(campaign=recall, starts_at=bob_slot.starts_at)
    services.booking_create(person=Person.objects.get(person_id="810005"), slot_id=carla_slot.pk)
    return {"location": location, "campaign": hand_out, "slot": bob_slot}


def test_a_person_books_and_the_desk_checks_them_in(page, live_server, oidc, appointment_data):
    url = live_server.url
    slot = appointment_data["slot"]
    starts = timezone.localtime(slot.starts_at)
    day, at = day_label(slot.starts_at), f"{starts:%H:%M}"

    # Bob: APPOINTMENTS, the one location is chosen, the free times are grouped by day.
    sign_in(page, url, "bob", "bob-pw")
    open_page(page, "Appointments")
    expect(page.get_by_text("Book, move or cancel a time").first).to_be_visible()
    campaign = page.get_by_role("region", name="Autumn hand-out")
    expect(campaign).to_contain_text("At Main desk, Building A, ground floor.")
    expect(page.get_by_role("region", name="Battery recall")).to_have_count(0)  # not invited
    # A calendar marks the days with free times; the chosen day's times only are listed.
    calendar = campaign.get_by_role("table", name="Days with free times")
    expect(campaign).to_contain_text(f"time zone: {settings.TIME_ZONE}")
    day_button = calendar.get_by_role("button", name=re.compile(rf"^{day}, \d+ free$"))
    # Keyboard only: choose the day, Tab to the time, Enter; the confirm step takes the focus.
    day_button.focus()
    page.keyboard.press("Enter")
    times = campaign.get_by_role("region", name=day)
    expect(times.get_by_role("heading", name=day)).to_be_focused()
    wanted = times.get_by_role("button", name=f"{at}, 2 places left")
    presses = 0
    while not wanted.evaluate("b => b === document.activeElement") and presses < 15:
        page.keyboard.press("Tab")
        presses += 1
    assert presses < 15, "the chosen time is more than 15 Tab presses from the day"
    page.keyboard.press("Enter")
    book = campaign.get_by_role("button", name="Book this time")
    expect(book).to_be_focused()
    expect(campaign.locator(".slot-confirm")).to_contain_text(f"{day}, {at}")
    # Times of other days are not on the page until their day is chosen.
    assert campaign.locator(".slot-day").count() == 1
    screenshot(page, "appointments-choose")
    with phone_sized(page):
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 2500, f"the page is {height} px tall at phone width"
        screenshot(page, "appointments-phone")
    campaign.get_by_role("button", name="Book this time").click()

    expect(campaign.get_by_role("status")).to_contain_text(
        f"Booked: {day}, {at} at Main desk. "
        "A confirmation with a calendar entry was emailed to you."
    )
    card = campaign.locator(".booking-card")
    expect(card).to_contain_text(f"{day}, {at}")
    expect(card.get_by_role("button")).to_have_text(["Move", "Cancel"])
    # The confirmation: add to calendar (the person's own .ics, Google Calendar, Outlook.com).
    booking = Booking.objects.get(person_id="810002")
    ics = card.get_by_role("link", name="Calendar file (.ics)")
    expect(ics).to_have_attribute(
        "href", f"/api/appointments/mine/bookings/{booking.pk}/calendar.ics"
    )
    download = page.request.get(url + ics.get_attribute("href"))
    assert download.ok and download.headers["content-type"].startswith("text/calendar")
    assert "no-store" in download.headers["cache-control"]
    assert f"booking-{booking.pk}@" in download.text()
    expect(card.get_by_role("link", name="Google Calendar")).to_have_attribute(
        "href", re.compile(r"^https://calendar\.google\.com/calendar/render\?action=TEMPLATE&")
    )
    expect(card.get_by_role("link", name="Outlook.com")).to_have_attribute(
        "href", re.compile(r"^https://outlook\.live\.com/calendar/0/deeplink/compose\?")
    )
    history = page.get_by_role("table", name="My appointments")
    expect(history).to_contain_text("Main desk")
    expect(history).to_contain_text("booked")
    screenshot(page, "appointments")
    assert booking.slot_id == slot.pk and booking.status == Booking.Status.BOOKED

    sign_out(page)

    # Alice: DESK DAY for the location and the day of Bob's appointment.
    sign_in(page, url, "alice", "alice-pw")
    open_page(page, "Desk day")
    location_id = appointment_data["location"].pk
    expect(page.get_by_label("Location", exact=True)).to_have_value(str(location_id))
    page.get_by_label("Day", exact=True).fill(f"{starts:%d.%m.%Y}")  # typed day first
    page.get_by_label("Day", exact=True).press("Tab")  # leaving the field commits the day
    expect(page).to_have_url(
        re.compile(rf"/desk/\?(?=.*location={location_id})(?=.*date={starts:%Y-%m-%d})")
    )
    bookings = page.get_by_role("table", name=re.compile(r"at Main desk"))
    bob_row = bookings.get_by_role("row").filter(has_text="Bob Brown")
    expect(bob_row).to_contain_text("810002")
    expect(bob_row).to_contain_text("Finance")
    expect(bob_row).to_contain_text("Autumn hand-out")
    expect(bob_row).to_contain_text("booked")
    carla_row = bookings.get_by_role("row").filter(has_text="Carla Clark")
    expect(carla_row).to_contain_text("Recall: swap")
    campaigns = page.get_by_role("region", name="Campaigns")
    expect(campaigns).to_contain_text("0 of 2 invited devices swapped")
    expect(page.get_by_role("img", name="Devices handed out")).to_be_visible()

    bob_row.get_by_role("button", name="Check in").click()
    expect(page).to_have_url(re.compile(r"/registration/\?person=810002$"))
    expect(page.get_by_role("heading", level=2, name="Bob Brown")).to_be_visible()
    expect(page.get_by_role("textbox", name="Device ID")).to_be_focused()
    scan(page, "P-3001")
    expect(page.get_by_role("status")).to_contain_text(
        "Device P-3001 is now held by Bob Brown (810002)."
    )
    assert Association.objects.get(device_id="P-3001", ended_at__isnull=True).person_id == "810002"
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CHECKED_IN

    # Back at the desk: Bob is checked in, and his device counts for Main desk.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/desk/\?"))
    bob_row = page.get_by_role("row").filter(has_text="Bob Brown")
    expect(bob_row).to_contain_text("checked in")
    expect(bob_row.get_by_role("link", name="Registration for Bob Brown")).to_be_visible()
    chart = page.get_by_role("region", name="Devices handed out")
    chart.get_by_role("button", name="Show as table").click()
    expect(chart.get_by_role("table")).to_contain_text("Main desk: in total")
    chart.get_by_role("button", name="Show as chart").click()
    screenshot(page, "desk-day")
    with phone_sized(page):
        screenshot(page, "desk-day-phone")


def test_the_links_in_the_emails_open_the_right_booking(page, live_server, oidc, appointment_data):
    """The confirmation e-mail's links: move opens the times, cancel asks once more."""
    bob = Person.objects.get(person_id="810002")
    booking = services.booking_create(person=bob, slot_id=appointment_data["slot"].pk)
    body = emails.booking_email(booking, "confirmation").body
    move_link = f"{settings.PORTAL_URL}/appointments/?booking={booking.pk}&action=move"
    cancel_link = f"{settings.PORTAL_URL}/appointments/?booking={booking.pk}&action=cancel"
    assert move_link in body and cancel_link in body
    path = lambda link: link.removeprefix(settings.PORTAL_URL)  # noqa: E731 (the live server's)

    sign_in(page, live_server.url, "bob", "bob-pw")
    page.goto(live_server.url + path(move_link))
    campaign = page.get_by_role("region", name="Autumn hand-out")
    expect(campaign.get_by_role("heading", name="Move to another time")).to_be_visible()

    page.goto(live_server.url + path(cancel_link))
    campaign = page.get_by_role("region", name="Autumn hand-out")
    expect(campaign.get_by_role("button", name="No, keep it")).to_be_focused()
    with phone_sized(page):
        expect(campaign.get_by_role("button", name="Yes, cancel the appointment")).to_be_visible()
    campaign.get_by_role("button", name="Yes, cancel the appointment").click()
    expect(campaign.get_by_role("status")).to_contain_text("Cancelled your appointment")
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED

    # The same link again, or one for Carla's booking: nothing opens, the page says why.
    carla = Booking.objects.get(person_id="810005")
    for stale in (cancel_link, cancel_link.replace(str(booking.pk), str(carla.pk))):
        page.goto(live_server.url + path(stale))
        expect(page.locator(".linked-gone")).to_contain_text("no longer booked")
        expect(page.get_by_role("button", name="Yes, cancel the appointment")).to_have_count(0)


def test_a_person_asks_to_be_told_when_a_full_day_frees_up(
    page, live_server, oidc, appointment_data, desk
):
    site = Location.objects.create(name="Site desk")
    OpeningHours.objects.bulk_create(
        OpeningHours(location=site, weekday=day, opens=time(9), closes=time(10)) for day in range(7)
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    small = services.campaign_create(
        name="Site hand-out",
        kind=Campaign.Kind.DISTRIBUTION,
        starts_on=tomorrow,
        ends_on=tomorrow,
        slot_minutes=30,
        capacity_per_slot=1,
        location_ids=[site.pk],
        acting_user=desk,
    )
    for person_id, slot in zip(("810006", "810007"), small.slots.all(), strict=True):
        services.booking_create(person=Person.objects.get(person_id=person_id), slot_id=slot.pk)

    sign_in(page, live_server.url, "bob", "bob-pw")
    open_page(page, "Appointments")
    campaign = page.get_by_role("region", name="Site hand-out")
    full = campaign.get_by_role("region", name="Full days")
    expect(full).to_contain_text(day_label(tomorrow))
    with phone_sized(page):
        expect(full.get_by_role("button")).to_be_visible()
    full.get_by_role(
        "button", name=f"Tell me when a time frees up on {day_label(tomorrow)}"
    ).click()
    expect(full.get_by_role("status")).to_contain_text(
        f"We will e-mail you once when a time frees up on {day_label(tomorrow)}."
    )
    expect(full).to_contain_text("we will e-mail you when a time frees up.")
    [entry] = WaitlistEntry.objects.all()
    assert (entry.person_id, entry.campaign_id, entry.day) == ("810002", small.pk, tomorrow)
    page.reload()
    expect(page.get_by_role("region", name="Full days")).to_contain_text(
        "we will e-mail you when a time frees up."
    )
