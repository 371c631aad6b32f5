"""MY DATA: own encounters, devices, appointments, lost reports; never a peer's identity."""

import csv
import io
import json
import string
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from assets.models import Device
from audit.models import AuditEntry
from audit.services import audit_record
from encounters.models import Encounter
from registration.models import Association, LostReport, Person
from tests import personas
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(databases="__all__")

NOW = timezone.now().replace(microsecond=0)
DAY = timedelta(days=1)


def holds(person_id, device_id, start, end=None, reason="relinquished"):
    Association.objects.create(
        person_id=person_id,
        device_id=device_id,
        started_at=start,
        ended_at=end,
        end_reason=reason if end else "",
        started_by="t",
        ended_by="t" if end else "",
    )


def signed_in(client, person_id: str):
    user = personas.wearer(person_id)
    client.force_login(user)
    return user


def everything_a_person_gets(client) -> str:
    """Every response MY DATA gives, including the unzipped export, as one text."""
    texts = [
        client.get("/api/selfservice/data").content.decode(),
        client.get("/api/selfservice/encounters").content.decode(),
        client.get("/my-data/").content.decode(),
    ]
    export = client.get("/api/selfservice/export")
    with zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content))) as bundle:
        texts += [bundle.read(name).decode() for name in bundle.namelist()]
    return "\n".join(texts)


def test_a_person_sees_their_encounters_merged_by_day_with_the_close_ones_marked(client):
    make_person("1", "Alice", "Adams"), make_person("2", "Bob", "Brown")
    make_device("D-1", tag_id=100), make_device("D-2", tag_id=200)
    holds("1", "D-1", NOW - 10 * DAY), holds("2", "D-2", NOW - 10 * DAY)
    start = (NOW - 2 * DAY).replace(hour=10, minute=0)
    Encounter.objects.create(my_tag=100, ref_tag=200, started_at=start, slots=40)  # 20 min
    Encounter.objects.create(
        my_tag=200, ref_tag=100, started_at=start + timedelta(seconds=30), slots=40
    )
    Encounter.objects.create(
        my_tag=200, ref_tag=100, started_at=start + timedelta(hours=3), slots=4
    )
    signed_in(client, "1")
    days = client.get("/api/selfservice/encounters").json()["days"]
    assert len(days) == 1
    assert [(e["seconds"], e["close_contact_length"]) for e in days[0]["encounters"]] == [
        (1230, True),
        (120, False),
    ]
    assert days[0]["total_seconds"] == 1350
    body = json.dumps(days)
    assert "Bob" not in body and "200" not in body and "D-2" not in body


def test_devices_appointments_lost_reports_and_consultation_dates(client, medic):
    make_person("1", "Alice", "Adams")
    make_device("D-1", tag_id=100), make_device("D-2", tag_id=101)
    holds("1", "D-1", NOW - 10 * DAY, NOW - 5 * DAY, reason="lost")
    holds("1", "D-2", NOW - 4 * DAY)
    LostReport.objects.create(
        device_id="D-1",
        holder_id="1",
        lost_at=NOW - 5 * DAY,
        reported_at=NOW - 5 * DAY,
        reported_by="desk",
    )
    audit_record(
        acting_user=medic,
        action=AuditEntry.Action.TRACE,
        target_person_id="1",
        case_reference="C-SECRET",
        reason="reason-secret",
    )
    signed_in(client, "1")
    data = client.get("/api/selfservice/data").json()
    assert [d["device_id"] for d in data["devices"]] == ["D-2", "D-1"]
    assert data["lost_reports"][0]["device_id"] == "D-1"
    assert data["consulted_on"] == [timezone.localdate().isoformat()]
    text = json.dumps(data)
    assert "medic" not in text and "C-SECRET" not in text and "reason-secret" not in text


def test_the_consultation_dates_can_be_switched_off(client, medic, settings):
    settings.MYDATA_SHOW_CONSULTATIONS = False
    make_person("1")
    audit_record(acting_user=medic, action=AuditEntry.Action.TRACE, target_person_id="1")
    signed_in(client, "1")
    assert "consulted_on" not in client.get("/api/selfservice/data").json()


def test_a_person_without_a_device_gets_an_empty_but_complete_answer(client):
    make_person("1")
    signed_in(client, "1")
    data = client.get("/api/selfservice/data").json()
    assert data["days"] == [] and data["devices"] == [] and data["retention_days"] == 14


def test_a_person_who_held_two_devices_sees_the_encounters_of_each_while_they_held_it(client):
    make_person("1"), make_person("2"), make_person("3")
    make_device("D-1", tag_id=100), make_device("D-2", tag_id=101), make_device("P", tag_id=900)
    switch = NOW - 5 * DAY
    holds("1", "D-1", NOW - 10 * DAY, switch, reason="swapped")
    holds("3", "D-1", switch)  # D-1 went to someone else
    holds("1", "D-2", switch)
    for tag, when in ((100, switch - DAY), (101, switch + DAY), (100, switch + 2 * DAY)):
        Encounter.objects.create(my_tag=900, ref_tag=tag, started_at=when, slots=10)
    signed_in(client, "1")
    starts = [
        e["start"]
        for d in client.get("/api/selfservice/data").json()["days"]
        for e in d["encounters"]
    ]
    assert len(starts) == 2  # not the one after D-1 went to person 3


def test_anonymous_callers_are_refused_and_another_persons_id_is_ignored(client):
    assert client.get("/api/selfservice/data").status_code in (401, 403)
    assert client.get("/api/selfservice/export").status_code in (401, 403)
    make_person("1", "Alice", "Adams"), make_person("2", "Bob", "Brown")
    signed_in(client, "1")
    for url in ("/api/selfservice/data?person_id=2", "/api/selfservice/encounters?person_id=2"):
        body = client.get(url).content.decode()
        assert "Bob" not in body
    assert client.get("/api/selfservice/data?person_id=2").json()["person"]["person_id"] == "1"


def test_an_account_that_is_no_person_is_told_so(client, person):
    client.force_login(person)
    response = client.get("/api/selfservice/data")
    assert response.status_code == 403 and "not linked to a person" in response.json()["detail"]


token = st.text(alphabet=string.ascii_uppercase, min_size=8, max_size=8)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[
        Phase.explicit,
        Phase.reuse,
        Phase.generate,
    ],  # show a failure as found, not shrunk for minutes
)
@given(
    tokens=st.lists(token, min_size=3, max_size=7, unique=True),
    meetings=st.lists(
        st.tuples(
            st.integers(0, 6), st.integers(0, 6), st.integers(1, 12 * 24 * 60), st.integers(1, 90)
        ),
        min_size=1,
        max_size=40,
    ),
    data=st.data(),
)
def test_no_answer_export_or_page_for_one_person_names_another_person_device_or_tag(
    client, tokens, meetings, data
):
    for model in (Encounter, Association, LostReport, Person, Device):
        model.objects.all().delete()
    get_user_model().objects.all().delete()
    tags = {}
    # Every identifier is distinctive, so finding one in a text is never a coincidence.
    for n, person_token in enumerate(tokens):
        person_id = f"PX{person_token}"
        make_person(person_id, f"G{person_token}", f"F{person_token}")
        tag = 3_000_000_000 + data.draw(st.integers(0, 999_999_999), label="tag") // 7 * 7 + n
        make_device(f"DEV-{person_token}", tag_id=tag, dev_eui=f"{tag:016X}")
        holds(person_id, f"DEV-{person_token}", NOW - 13 * DAY)
        tags[person_id] = tag
    ids = list(tags)
    for a, b, minutes_ago, slots in meetings:
        a, b = ids[a % len(ids)], ids[b % len(ids)]
        if a != b:
            Encounter.objects.get_or_create(
                my_tag=tags[a],
                ref_tag=tags[b],
                started_at=NOW - timedelta(minutes=minutes_ago),
                defaults={"slots": slots},
            )
    for person_id in ids:
        client.logout()
        signed_in(client, person_id)
        seen = everything_a_person_gets(client)
        for other_token, other_id in zip(tokens, ids, strict=True):
            if other_id == person_id:
                continue
            for identifier in (
                other_id,
                f"G{other_token}",
                f"F{other_token}",
                f"DEV-{other_token}",
                str(tags[other_id]),
                f"{tags[other_id]:016X}",
            ):
                assert identifier not in seen, f"{person_id} sees {identifier}"


def test_the_export_is_streamed_a_day_at_a_time_and_reads_back(client):
    """The ZIP is written as it is sent: its JSON and CSV hold every encounter, once."""
    make_person("1", "Alice", "Adams"), make_person("2", "Bob", "Brown")
    make_device("D-1", tag_id=100), make_device("D-2", tag_id=200)
    holds("1", "D-1", NOW - 10 * DAY), holds("2", "D-2", NOW - 10 * DAY)
    for day in range(1, 9):
        for hour in range(6):
            Encounter.objects.create(
                my_tag=100, ref_tag=200, started_at=NOW - day * DAY + timedelta(hours=hour), slots=7
            )
    signed_in(client, "1")
    response = client.get("/api/selfservice/export")
    assert response.streaming and response["Content-Type"] == "application/zip"
    chunks = list(response.streaming_content)
    assert len(chunks) > 2  # sent in pieces, not built whole first
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as bundle:
        data = json.loads(bundle.read("my-data.json"))
        rows = list(csv.reader(io.StringIO(bundle.read("my-data.csv").decode())))
    assert sum(len(d["encounters"]) for d in data["days"]) == 48
    assert len([r for r in rows if r[0] == "encounter"]) == 48
    assert all(r[3] == "3.5" for r in rows if r[0] == "encounter")
