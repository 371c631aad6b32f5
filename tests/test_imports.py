"""Bulk imports of devices and people: files, row errors by line, idempotence, speed, admin."""

import io
import json
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assets.imports import import_devices
from assets.models import Device, DeviceEvent, DeviceState
from core.imports import BadRow, read_rows
from registration.imports import import_people
from registration.models import Association, Person

pytestmark = pytest.mark.django_db(databases="__all__")

DEVICE_HEADER = "device_id,tag_id,dev_eui,firmware,batch"
PEOPLE_HEADER = "person_id,given_name,family_name,email,department,active"


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(command: str, *args) -> tuple[int, str]:
    """A management command's exit status and standard output."""
    out = io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def devices(tmp_path: Path, *lines: str, header: str = DEVICE_HEADER):
    report = import_devices(rows=read_rows(write(tmp_path, "devices.csv", header, *lines)))
    return report, dict(report.errors)


def people(tmp_path: Path, *lines: str, header: str = PEOPLE_HEADER, **options):
    rows = read_rows(write(tmp_path, "people.csv", header, *lines))
    report = import_people(rows=rows, **options)
    return report, dict(report.errors)


def device_rows() -> list[dict]:
    return list(Device.objects.order_by("pk").values())


def people_rows() -> list[dict]:
    return list(Person.objects.order_by("pk").values())


# --- Reading files -----------------------------------------------------------


def test_csv_lines_are_numbered_as_an_editor_shows_them_despite_bom_semicolons_and_spaces(
    tmp_path,
):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeff Device ID ; tag_id ;firmware\r\n"
        " D-1 ; 17 ; 1.0 \r\n"
        "\r\n"
        ';;\r\nD-2;18;"two\r\nlines"\r\n'
        "D-3;19;3.0\r\n".encode()
    )
    rows = read_rows(path)
    assert rows.columns == ("device_id", "tag_id", "firmware")
    assert list(rows) == [
        (2, {"device_id": "D-1 ", "tag_id": "17 ", "firmware": "1.0 "}),
        (5, {"device_id": "D-2", "tag_id": "18", "firmware": "two\r\nlines"}),
        (7, {"device_id": "D-3", "tag_id": "19", "firmware": "3.0"}),
    ]


def test_a_row_with_more_values_than_the_header_is_a_bad_row_on_its_line(tmp_path):
    rows = list(read_rows(write(tmp_path, "d.csv", "device_id,tag_id", "D-1,1", "D-2,2,oops")))
    assert rows[1] == (3, BadRow("has 3 values but the header names 2 columns"))


def test_json_entries_are_numbered_from_one(tmp_path):
    path = tmp_path / "people.json"
    path.write_text(json.dumps([{"Person ID": 7}, "nonsense"]))
    rows = read_rows(path)
    assert rows.unit == "entry"
    assert list(rows) == [(1, {"person_id": 7}), (2, BadRow("is a str, not an object"))]


def test_a_missing_file_an_unknown_type_or_a_bad_file_is_a_clear_command_error(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_devices", str(tmp_path / "absent.csv"))
    with pytest.raises(CommandError, match=r"unknown file type \.xlsx"):
        call_command("import_people", str(write(tmp_path, "people.xlsx", "x")))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("person_id,given_name,family_name\n1,Zoë,Ørsted\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_people", str(latin1))
    with pytest.raises(CommandError, match="no tag_id column"):
        call_command("import_devices", str(write(tmp_path, "d.csv", "device_id;tagid", "D;1")))
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_people", str(write(tmp_path, "p.json", "[{")))


# --- Devices -----------------------------------------------------------------


def test_malformed_device_rows_are_reported_by_line_while_the_valid_rows_are_stored(tmp_path):
    report, errors = devices(
        tmp_path,
        "D-1,1,,1.0,B1",
        ",2,,1.0,B1",
        "D-3,three,,1.0,B1",
        "D-4,4294967296,,1.0,B1",
        "D-5,-5,,1.0,B1",
        "D-6,6,70B3D57ED00,1.0,B1",
        "D 7,7,,1.0,B1",
        "D-8,4294967295,70-b3-d5-7e-d0-00-00-08,1.0,B1",
        "D-9,0,70:B3:D5:7E:D0:00:00:09,,",
    )
    assert errors == {
        3: "device_id is required",
        4: "tag_id 'three' is not a whole number",
        5: "tag_id 4294967296 is out of range (0 to 4294967295)",
        6: "tag_id '-5' is not a whole number",
        7: "dev_eui '70B3D57ED00' is not 16 hexadecimal digits",
        8: "device_id 'D 7' may contain only letters, digits and dashes",
    }
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert dict(Device.objects.values_list("device_id", "dev_eui")) == {
        "D-1": None,
        "D-8": "70B3D57ED0000008",
        "D-9": "70B3D57ED0000009",
    }
    assert report.summary() == "3 created, 0 updated, 0 unchanged, 0 deactivated, 6 errors."


def test_a_row_with_several_bad_fields_names_them_all(tmp_path):
    _, errors = devices(tmp_path, ",x,zz,1.0,B1")
    assert errors == {
        2: "device_id is required; tag_id 'x' is not a whole number; "
        "dev_eui 'zz' is not 16 hexadecimal digits"
    }


def test_a_new_device_is_in_stock_with_a_first_event_naming_the_actor_and_the_batch(tmp_path):
    rows = read_rows(write(tmp_path, "d.csv", DEVICE_HEADER, "D-1,1,,1.0,B7", "D-2,2,,1.0,"))
    import_devices(rows=rows, actor="arno")
    device = Device.objects.get(device_id="D-1")
    assert device.state == DeviceState.IN_STOCK
    event = device.events.get()
    assert (event.actor, event.from_state, event.to_state) == ("arno", "", DeviceState.IN_STOCK)
    assert event.note == "imported from batch B7"
    assert DeviceEvent.objects.get(device__device_id="D-2").note == "imported"


def test_device_ids_tags_and_dev_euis_repeated_in_the_file_are_errors_on_the_later_line(
    tmp_path,
):
    report, errors = devices(
        tmp_path,
        "D-1,1234,70B3D57ED0000001,1.0,B1",
        "D-2,1235,,1.0,B1",
        "D-1,1236,,1.0,B1",
        "D-4,1235,,1.0,B1",
        "D-5,1237,70-b3-d5-7e-d0-00-00-01,1.0,B1",
        "D-6,1238,,1.0,B1",
    )
    assert errors == {
        4: "device_id D-1 already used on line 2",
        5: "tag_id 1235 already used on line 3",
        6: "dev_eui 70B3D57ED0000001 already used on line 2",
    }
    assert report.created == 3
    assert set(Device.objects.values_list("device_id", flat=True)) == {"D-1", "D-2", "D-6"}


def test_a_tag_or_dev_eui_of_another_device_is_refused_and_a_device_keeps_its_tag(tmp_path):
    devices(tmp_path, "D-1,1,70B3D57ED0000001,1.0,B1", "D-2,2,,1.0,B1")
    before = device_rows()
    report, errors = devices(
        tmp_path,
        "D-3,1,,1.0,B2",
        "D-4,4,70B3D57ED0000001,1.0,B2",
        "D-2,22,,1.0,B1",
        "D-5,5,,1.0,B2",
    )
    assert errors == {
        2: "tag_id 1 already belongs to device D-1",
        3: "dev_eui 70B3D57ED0000001 already belongs to device D-1",
        4: "device D-2 has tag_id 2; it cannot become 22 (the tag is burnt into the device)",
    }
    assert report.created == 1
    assert device_rows()[:2] == before


def test_re_importing_the_same_device_file_changes_nothing(tmp_path):
    lines = ["D-1,1,70B3D57ED0000001,1.0,B1", "D-2,2,,1.0,B1", "bad,row"]
    first, _ = devices(tmp_path, *lines)
    before, events = device_rows(), list(DeviceEvent.objects.values())
    again, errors = devices(tmp_path, *lines)
    assert (first.created, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert list(errors) == [4]
    assert device_rows() == before
    assert list(DeviceEvent.objects.values()) == events


def test_changed_firmware_batch_and_dev_eui_are_updated_and_empty_cells_keep_values(tmp_path):
    devices(tmp_path, "D-1,1,70B3D57ED0000001,1.0,B1", "D-2,2,70B3D57ED0000002,1.0,B1")
    report, errors = devices(tmp_path, "D-1,1,70b3d57ed00000aa,2.0,B9", "D-2,2,,,", "D-3,3,,1.0,B2")
    assert errors == {}
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert list(Device.objects.values_list("device_id", "dev_eui", "firmware", "batch")) == [
        ("D-1", "70B3D57ED00000AA", "2.0", "B9"),
        ("D-2", "70B3D57ED0000002", "1.0", "B1"),
        ("D-3", None, "1.0", "B2"),
    ]
    # An update is not a change of state: the history has only the import of each device.
    assert DeviceEvent.objects.count() == 3


def test_fifty_thousand_devices_import_through_the_command_in_seconds(tmp_path, capsys):
    path = tmp_path / "devices.csv"
    path.write_text(
        DEVICE_HEADER
        + "\n"
        + "".join(f"P-{i:06d},{i},{i:016X},1.0,B{i // 1000}\n" for i in range(50_000))
    )
    started = time.perf_counter()
    status, output = run("import_devices", str(path), "--actor", "arno")
    elapsed = time.perf_counter() - started
    assert status == 0, output
    assert "50000 created, 0 updated, 0 unchanged, 0 deactivated, 0 errors." in output
    assert Device.objects.count() == 50_000
    assert DeviceEvent.objects.filter(actor="arno").count() == 50_000

    started = time.perf_counter()
    status, output = run("import_devices", str(path))
    elapsed_again = time.perf_counter() - started
    assert "0 created, 0 updated, 50000 unchanged" in output
    with capsys.disabled():
        print(f"\n50,000 devices: {elapsed:.2f} s to import, {elapsed_again:.2f} s to re-import")


# --- People ------------------------------------------------------------------


def test_malformed_people_rows_are_reported_by_line_while_the_valid_rows_are_stored(tmp_path):
    report, errors = people(
        tmp_path,
        "1,Ada,Lovelace,ada@example.org,Maths,",
        ",Bob,Brown,,,",
        "3,,Curie,,,yes",
        "4,Dan,Dee,not-an-email,,1",
        "5,Eve,Eden,,,maybe",
        "6,Fay,Fox,,,no",
    )
    assert errors == {
        3: "person_id is required",
        4: "given_name is required",
        5: "email 'not-an-email' is not a valid e-mail address",
        6: "active 'maybe' is not one of true/false, yes/no, 1/0",
    }
    assert (report.created, report.error_count) == (2, 4)
    assert dict(Person.objects.values_list("person_id", "active")) == {"1": True, "6": False}


def test_a_person_id_repeated_in_the_file_is_an_error_on_the_later_line(tmp_path):
    _, errors = people(tmp_path, "1,Ada,Lovelace,,,", "2,Bob,Brown,,,", "1,Ada,L,,,")
    assert errors == {4: "person_id 1 already used on line 2"}
    assert Person.objects.get(person_id="1").family_name == "Lovelace"


def test_re_importing_people_changes_nothing_and_a_corrected_file_updates(tmp_path):
    lines = ["1,Ada,Lovelace,ada@example.org,Maths,true", "2,Bob,Brown,,Desk,"]
    people(tmp_path, *lines)
    before = people_rows()
    again, _ = people(tmp_path, *lines)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert people_rows() == before

    corrected, errors = people(tmp_path, "1,Ada,King,ada@example.org,Maths,", "2,Bob,Brown,,,")
    assert errors == {}
    assert (corrected.updated, corrected.unchanged) == (2, 0)
    assert list(Person.objects.values_list("person_id", "family_name", "department")) == [
        ("2", "Brown", ""),
        ("1", "King", "Maths"),
    ]


def test_a_column_the_file_does_not_have_leaves_its_field_as_it_is(tmp_path):
    people(tmp_path, "1,Ada,Lovelace,ada@example.org,Maths,")
    report, _ = people(tmp_path, "1,Ada,Lovelace", header="person_id,given_name,family_name")
    assert report.unchanged == 1
    assert Person.objects.get().email == "ada@example.org"


def test_active_false_deactivates_and_a_listed_person_is_active_again(tmp_path):
    people(tmp_path, "1,Ada,Lovelace,,,", "2,Bob,Brown,,,")
    report, _ = people(tmp_path, "1,Ada,Lovelace,,,no", "2,Bob,Brown,,,")
    assert (report.deactivated, report.unchanged) == (1, 1)
    assert not Person.objects.get(person_id="1").active
    report, _ = people(tmp_path, "1,Ada,Lovelace,,,")
    assert report.updated == 1
    assert Person.objects.get(person_id="1").active


def test_deactivate_missing_deactivates_whoever_the_directory_no_longer_lists(tmp_path):
    people(tmp_path, "1,Ada,Lovelace,,,", "2,Bob,Brown,,,", "3,Cy,Curie,,,", "4,Di,Dow,,,")
    Association.objects.create(
        person_id="3", device_id="D-7", started_at=timezone.now(), started_by="desk"
    )
    path = write(tmp_path, "hr.csv", PEOPLE_HEADER, "1,Ada,Lovelace,,,", "4,Di,Dow,bad,,")
    status, output = run("import_people", str(path), "--deactivate-missing")
    assert status == 1
    assert output.splitlines() == [
        "line 3: email 'bad' is not a valid e-mail address",
        "Cy Curie (3) was deactivated and still holds device D-7: take it back at the desk "
        "(reason: person left).",
        "0 created, 0 updated, 1 unchanged, 2 deactivated, 1 error.",
    ]
    # Di's row had an error, but the directory still lists her: she stays active.
    assert dict(Person.objects.values_list("person_id", "active")) == {
        "1": True,
        "2": False,
        "3": False,
        "4": True,
    }
    status, output = run("import_people", str(path), "--deactivate-missing")
    assert "0 deactivated" in output


def test_deactivate_missing_refuses_a_file_that_lists_nobody(tmp_path):
    people(tmp_path, "1,Ada,Lovelace,,,")
    with pytest.raises(CommandError, match="lists nobody"):
        call_command(
            "import_people", str(write(tmp_path, "e.csv", PEOPLE_HEADER)), "--deactivate-missing"
        )
    assert Person.objects.get().active


def test_a_json_people_file_is_imported_and_its_errors_are_named_by_entry(tmp_path):
    path = tmp_path / "people.json"
    path.write_text(
        json.dumps(
            [
                {"person_id": "1", "given_name": "Ada", "family_name": "Lovelace", "active": True},
                {"person_id": 2, "given_name": "Bob", "family_name": "Brown", "active": False},
                {"person_id": "3", "given_name": "Cy", "family_name": "Curie", "email": "x@"},
                {"person_id": "1", "given_name": "Ada", "family_name": "Byron"},
                ["not", "an", "object"],
            ]
        )
    )
    status, output = run("import_people", str(path))
    assert status == 1
    assert output.splitlines() == [
        "entry 3: email 'x@' is not a valid e-mail address",
        "entry 4: person_id 1 already used on entry 1",
        "entry 5: is a list, not an object",
        "2 created, 0 updated, 0 unchanged, 0 deactivated, 3 errors.",
    ]
    assert dict(Person.objects.values_list("person_id", "active")) == {"1": True, "2": False}


def test_fifty_thousand_people_import_through_the_command_in_seconds(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(
        PEOPLE_HEADER
        + "\n"
        + "".join(
            f"{i:06d},Given{i},Family{i},p{i}@example.org,Dept {i % 40},yes\n"
            for i in range(50_000)
        )
    )
    started = time.perf_counter()
    status, output = run("import_people", str(path), "--deactivate-missing")
    elapsed = time.perf_counter() - started
    assert status == 0, output
    assert "50000 created, 0 updated, 0 unchanged, 0 deactivated, 0 errors." in output
    assert Person.objects.filter(active=True).count() == 50_000

    started = time.perf_counter()
    status, output = run("import_people", str(path), "--deactivate-missing")
    elapsed_again = time.perf_counter() - started
    assert "0 created, 0 updated, 50000 unchanged, 0 deactivated" in output
    with capsys.disabled():
        print(f"\n50,000 people: {elapsed:.2f} s to import, {elapsed_again:.2f} s to re-import")


# --- The commands ------------------------------------------------------------


def test_the_device_command_prints_each_error_then_the_summary_and_exits_1_on_errors(tmp_path):
    path = write(tmp_path, "d.csv", DEVICE_HEADER, "D-1,1,,1.0,B1", "D-2,1,,1.0,B1")
    status, output = run("import_devices", str(path))
    assert status == 1
    assert output.splitlines() == [
        "line 3: tag_id 1 already used on line 2",
        "1 created, 0 updated, 0 unchanged, 0 deactivated, 1 error.",
    ]
    status, output = run(
        "import_devices", str(write(tmp_path, "ok.csv", DEVICE_HEADER, "D-1,1,,1.0,B1"))
    )
    assert (status, output) == (0, "0 created, 0 updated, 1 unchanged, 0 deactivated, 0 errors.\n")


# --- The admin ---------------------------------------------------------------


def test_an_assets_user_sees_devices_and_not_people(client, asset_manager):
    client.force_login(asset_manager)
    index = client.get("/admin/").content.decode()
    assert "/admin/assets/device/" in index
    assert "/admin/assets/deviceevent/" in index
    assert "/admin/registration/" not in index
    assert client.get("/admin/assets/device/").status_code == 200
    assert client.get("/admin/registration/person/").status_code == 403
    assert client.get("/admin/registration/association/").status_code == 403
    assert client.get("/admin/registration/person/import/").status_code == 403


def test_a_registration_user_sees_people_and_not_devices(client, desk):
    client.force_login(desk)
    index = client.get("/admin/").content.decode()
    assert "/admin/registration/person/" in index
    assert "/admin/registration/lostreport/" in index
    assert "/admin/assets/" not in index
    assert client.get("/admin/registration/person/").status_code == 200
    assert client.get("/admin/assets/device/").status_code == 403
    assert client.get("/admin/assets/device/import/").status_code == 403


def test_a_device_state_is_read_only_and_devices_and_holdings_cannot_be_deleted(
    client, superuser, tmp_path
):
    devices(tmp_path, "D-1,1,,1.0,B1")
    device = Device.objects.get()
    client.force_login(superuser)
    page = client.get(f"/admin/assets/device/{device.pk}/change/").content.decode()
    assert 'name="state"' not in page
    assert "changes only through the registration desk" in page
    assert "imported from batch B1" in page  # the history inline
    assert client.get(f"/admin/assets/device/{device.pk}/delete/").status_code == 403
    person = Person.objects.create(person_id="1", given_name="Ada", family_name="Lovelace")
    holding = Association.objects.create(
        person=person, device_id="D-1", started_at=timezone.now(), started_by="desk"
    )
    assert client.get(f"/admin/registration/association/{holding.pk}/delete/").status_code == 403
    page = client.get(f"/admin/registration/association/{holding.pk}/change/").content.decode()
    assert "holding_ends_after" not in page and 'name="_save"' not in page


def test_the_device_upload_page_imports_a_file_and_shows_the_report(client, asset_manager):
    from assets.imports import device_import_run

    client.force_login(asset_manager)
    assert "Import devices from CSV" in client.get("/admin/assets/device/").content.decode()
    upload = io.BytesIO(f"{DEVICE_HEADER}\nD-1,1,,1.0,B1\nD-2,x,,1.0,B1\n".encode())
    upload.name = "delivery.csv"
    response = client.post("/admin/assets/device/import/", {"file": upload})
    # A worker imports it (tests/assets/test_background_import.py runs a real one).
    status_url = response["Location"]
    assert "waiting for a worker" in client.get(status_url).content.decode()
    device_import_run(import_id=int(status_url.rstrip("/").rsplit("/", 1)[1]))
    page = client.get(status_url).content.decode()
    assert "1 created, 0 updated, 0 unchanged, 0 deactivated, 1 error." in page
    assert "line 3: tag_id &#x27;x&#x27; is not a whole number" in page
    assert DeviceEvent.objects.get().actor == "arno"


def test_the_people_upload_page_imports_and_can_deactivate_missing_people(client, desk):
    Person.objects.create(person_id="9", given_name="Old", family_name="Timer")
    client.force_login(desk)
    assert (
        "Import people from CSV/JSON" in client.get("/admin/registration/person/").content.decode()
    )
    upload = io.BytesIO(
        json.dumps([{"person_id": "1", "given_name": "A", "family_name": "B"}]).encode()
    )
    upload.name = "hr.json"
    response = client.post(
        "/admin/registration/person/import/",
        {"file": upload, "deactivate_missing": "on"},
        follow=True,
    )
    assert "Imported hr.json: 1 created, 0 updated, 0 unchanged, 1 deactivated, 0 errors." in (
        response.content.decode()
    )
    assert not Person.objects.get(person_id="9").active


def test_a_bad_upload_is_refused_with_a_message_and_changes_nothing(client, asset_manager):
    client.force_login(asset_manager)
    upload = io.BytesIO(b"whatever")
    upload.name = "devices.xlsx"
    response = client.post("/admin/assets/device/import/", {"file": upload})
    assert response.status_code == 200
    assert "unknown file type .xlsx" in response.content.decode()
    assert not Device.objects.exists()


def test_a_device_added_in_the_admin_starts_in_stock_with_its_first_event(client, asset_manager):
    client.force_login(asset_manager)
    form = {
        "device_id": "D-1",
        "tag_id": "7",
        "dev_eui": "70-b3-d5-7e-d0-00-00-01",
        "firmware": "1.0",
        "batch": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = client.post("/admin/assets/device/add/", form)
    assert response.status_code == 302, response.content.decode()
    device = Device.objects.get()
    assert (device.dev_eui, device.state) == ("70B3D57ED0000001", DeviceState.IN_STOCK)
    assert device.events.get().actor == "arno"
