"""Donation codes and uploads: medical role, single use, expiry, all-or-nothing validation."""

import json
from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.zones.conftest import donate, now_s, point
from zones import codes, services
from zones.models import ArchivedCoordinate, Coordinate, DonationCode, TrustedSource

pytestmark = pytest.mark.django_db(databases="__all__")


def test_only_the_medical_service_issues_codes_and_only_the_hash_is_kept(api, medic, person):
    body = {"symptom_onset": timezone.now().isoformat()}
    assert api.post("/api/zones/donation-codes", body, format="json").status_code in (401, 403)
    api.force_authenticate(person)
    assert api.post("/api/zones/donation-codes", body, format="json").status_code == 403
    api.force_authenticate(medic)
    response = api.post("/api/zones/donation-codes", body, format="json")
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    code = response.json()["code"]
    assert len(code) == 12 and code[4] == code[9] == "-"
    assert set(code.replace("-", "")) <= set(codes.CODE_ALPHABET)
    stored = DonationCode.objects.get()
    assert code.replace("-", "") not in stored.code_hash
    assert stored.code_hash == codes.code_hash(codes.code_normalise(code))
    assert {f.name for f in DonationCode._meta.fields} == {
        "id",
        "code_hash",
        "expires_at",
        "window_start",
        "window_end",
    }  # no person, no medic, no moment of issue
    assert (stored.expires_at.minute, stored.expires_at.second) == (0, 0)
    assert timezone.localtime(stored.window_start).time() == time(0)


def test_the_window_starts_3_days_before_symptoms_or_7_days_before_a_positive_test():
    now = timezone.now()
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    onset = services.donation_code_issue(symptom_onset=now - timedelta(days=2), now=now)
    assert onset.window_start == day - timedelta(days=5)  # from the start of that day
    test = services.donation_code_issue(positive_test=now, now=now)
    assert test.window_start == day - timedelta(days=7)
    hour = now.replace(minute=0, second=0, microsecond=0)
    assert test.expires_at == test.window_end == hour + timedelta(hours=49)  # to the hour


def test_a_code_needs_exactly_one_of_symptom_onset_or_positive_test(api, medic):
    api.force_authenticate(medic)
    response = api.post("/api/zones/donation-codes", {}, format="json")
    assert response.status_code == 400
    assert "exactly one" in response.json()["detail"]


def test_a_code_allows_one_upload_and_the_second_is_refused_with_a_clear_401(api, code):
    first = donate(api, code, [point(ago=600), point(ago=900, lat=47.3701)])
    assert first.status_code == 201, first.json()
    assert first.json() == {"stored": 2, "duplicates": 0}
    assert ArchivedCoordinate.objects.count() == 2
    second = donate(api, code, [point(ago=1200)])
    assert second.status_code == 401
    assert "used already" in second.json()["detail"]
    assert Coordinate.objects.count() == 2
    assert not DonationCode.objects.exists()  # used: nothing of it is kept


def test_a_code_is_accepted_as_typed_in_lower_case_without_dashes(api, code):
    assert donate(api, code.replace("-", " ").lower(), [point()]).status_code == 201


def test_an_expired_or_unknown_code_is_refused_with_a_clear_401(api, code):
    DonationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = donate(api, code, [point()])
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    unknown = donate(api, "ABCD-EFGH-JK", [point()])
    assert unknown.status_code == 401
    assert "not known" in unknown.json()["detail"]
    other = donate(api, "dXNlcjpwdw==", [point()], scheme="Basic")
    assert other.status_code == 401
    assert "Authorization: DonationCode <code>" in other.json()["detail"]
    assert Coordinate.objects.count() == 0


def test_an_invalid_entry_is_named_nothing_is_stored_and_the_code_stays_usable(api, code):
    coords = [point(ago=60 * n) for n in range(1, 30)]
    coords[17]["accuracy"] = 1.5
    coords[20]["lat"] = -91
    del coords[3]["long"]
    response = donate(api, code, coords)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "coords[17].accuracy: must be between 0 and 1" in detail
    assert "coords[20].lat: must be between -90 and 90" in detail
    assert "coords[3].long: missing" in detail
    assert "Nothing was stored" in detail and "send the whole list again" in detail
    assert Coordinate.objects.count() == ArchivedCoordinate.objects.count() == 0
    assert DonationCode.objects.exists()  # still usable
    coords[17]["accuracy"], coords[20]["lat"], coords[3]["long"] = 1.0, -33.9, 18.4
    assert donate(api, code, coords).status_code == 201


def test_times_in_the_future_or_outside_the_infectious_window_are_named(api, code):
    coords = [point(), point(ago=-3600), point(ago=5 * 86400), point(ago=1)]
    coords[3]["time"] = 1.5
    response = donate(api, code, coords)
    assert response.status_code == 400
    assert "coords[3].time: must be a Unix time in whole seconds" in response.json()["detail"]
    coords[3]["time"] = now_s()
    response = donate(api, code, coords)
    detail = response.json()["detail"]
    assert "coords[1].time: in the future" in detail
    assert "coords[2].time: outside the donation window" in detail
    assert "coords[0]" not in detail
    assert Coordinate.objects.count() == 0


def test_duplicates_within_an_upload_and_with_stored_points_are_ignored(api, code):
    token = services.trusted_source_create(name="hospital")
    same = point(ago=300)
    response = donate(api, code, [same, dict(same), point(ago=600)])
    assert response.json() == {"stored": 2, "duplicates": 1}
    response = donate(api, token, [same, point(ago=900)], scheme="Bearer")
    assert response.status_code == 201
    assert response.json() == {"stored": 1, "duplicates": 1}
    assert Coordinate.objects.count() == ArchivedCoordinate.objects.count() == 3


def test_a_trusted_source_uploads_inside_the_retention_until_it_is_revoked(api, capsys):
    call_command("create_trusted_source", "lab")
    token = capsys.readouterr().out.strip()
    assert token.startswith("pxz_")
    assert TrustedSource.objects.get().token_hash == codes.token_hash(token)
    assert donate(api, token, [point(ago=13 * 86400)], scheme="Bearer").status_code == 201
    too_old = donate(api, token, [point(ago=15 * 86400)], scheme="Bearer")
    assert too_old.status_code == 400
    assert "coords[0].time: outside the donation window" in too_old.json()["detail"]
    services.trusted_source_revoke(source=TrustedSource.objects.get())
    refused = donate(api, token, [point()], scheme="Bearer")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_two_weeks_of_points_every_five_minutes_are_stored_in_one_upload(api):
    token = services.trusted_source_create(name="bulk")
    coords = [point(ago=60 + 300 * n, lat=47.3 + n * 1e-5) for n in range(4_032)]
    response = donate(api, token, coords, scheme="Bearer")
    assert response.json() == {"stored": 4_032, "duplicates": 0}


def test_the_largest_upload_is_accepted_even_pretty_printed_beyond_django_s_2_5_mb(api):
    token = services.trusted_source_create(name="bulk")
    coords = [point(ago=60 + 60 * n, lat=47.3 + n * 1e-6) for n in range(20_000)]
    body = json.dumps({"coords": coords}, indent=4).encode()
    assert 2_621_440 < len(body) < 4_000_000  # over DATA_UPLOAD_MAX_MEMORY_SIZE
    response = api.generic(
        "POST",
        "/api/zones/coordinates",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json() == {"stored": 20_000, "duplicates": 0}


def test_an_upload_above_the_limit_is_refused_whole(api, code, settings):
    settings.ZONES_MAX_COORDINATES = 10
    response = donate(api, code, [point(ago=60 * n) for n in range(11)])
    assert response.status_code == 400
    assert "at most 10 points" in response.json()["detail"]
    assert Coordinate.objects.count() == 0


def test_nothing_stored_names_a_person_a_code_or_an_upload():
    assert {f.name for f in Coordinate._meta.fields} == {
        "id",
        "latitude",
        "longitude",
        "time",
        "accuracy",
        "received_at",
        "linked",
    }
    assert {f.name for f in ArchivedCoordinate._meta.fields} == {
        "id",
        "latitude",
        "longitude",
        "time",
        "accuracy",
        "received_at",
    }


def test_a_donation_keeps_no_moment_that_links_it_to_its_code_or_medic(api, code):
    donate(api, code, [point()])
    received = timezone.localtime(Coordinate.objects.get().received_at)
    assert received.time() == time(0)  # the day of arrival only
    assert timezone.localtime(ArchivedCoordinate.objects.get().received_at).time() == time(0)
    assert not DonationCode.objects.exists()  # the code's row went with its use


def test_a_body_over_four_megabytes_is_refused_unread(api, code):
    body = b'{"coords": [' + b" " * 4_000_001 + b"]}"
    response = api.generic(
        "POST",
        "/api/zones/coordinates",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"DonationCode {code}",
    )
    assert response.status_code == 413
    assert DonationCode.objects.exists()  # still usable
