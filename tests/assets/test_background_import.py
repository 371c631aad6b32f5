"""Device lists uploaded in the admin are imported by a worker, with progress and a result page."""

import io
import time

import pytest
from django.core.cache import cache

from assets.imports import _counter, device_import_run, progress_key
from assets.models import Device, DeviceImport

pytestmark = pytest.mark.django_db(databases="__all__")

HEADER = "device_id,tag_id,dev_eui,firmware,batch"


def upload(client, text: str, name: str = "delivery.csv"):
    file = io.BytesIO(text.encode())
    file.name = name
    return client.post("/admin/assets/device/import/", {"file": file})


def test_the_upload_returns_at_once_and_the_page_follows_the_import(client, asset_manager):
    client.force_login(asset_manager)
    response = upload(client, f"{HEADER}\nD-1,1,,1.0,B1\n")
    assert response.status_code == 302
    job = DeviceImport.objects.get()
    assert response["Location"] == f"/admin/assets/device/import/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page
    assert not Device.objects.exists()  # not in the request

    device_import_run(import_id=job.pk)  # what the worker does
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page and "1 created" in page
    job.refresh_from_db()
    assert job.status == "done" and bytes(job.data) == b""  # the file is not kept
    assert cache.get(progress_key(job.pk)) is None


def test_a_second_delivery_of_the_task_imports_nothing_twice(asset_manager, client):
    client.force_login(asset_manager)
    upload(client, f"{HEADER}\nD-1,1,,1.0,B1\n")
    job = DeviceImport.objects.get()
    device_import_run(import_id=job.pk)
    device_import_run(import_id=job.pk)
    assert Device.objects.get().events.count() == 1


def test_a_file_that_cannot_be_imported_is_reported_and_changes_nothing(client, asset_manager):
    client.force_login(asset_manager)
    upload(client, "name,colour\nx,y\n")
    job = DeviceImport.objects.get()
    device_import_run(import_id=job.pk)
    page = client.get(f"/admin/assets/device/import/{job.pk}/").content.decode()
    assert "nothing imported" in page and "Nothing was imported." in page
    assert not Device.objects.exists()


def test_an_unknown_kind_of_file_is_refused_at_once(client, asset_manager):
    client.force_login(asset_manager)
    response = upload(client, "whatever", name="devices.xlsx")
    assert response.status_code == 200 and "unknown file type .xlsx" in response.content.decode()
    assert not DeviceImport.objects.exists()


@pytest.mark.parametrize("persona", ["clerk", "medic", "privacy_officer"])
def test_other_roles_see_no_import(client, asset_manager, persona):
    from tests.personas import make_persona

    client.force_login(asset_manager)
    upload(client, f"{HEADER}\nD-1,1,,1.0,B1\n")
    job = DeviceImport.objects.get()
    client.force_login(make_persona(persona))
    response = client.get(f"/admin/assets/device/import/{job.pk}/")
    assert response.status_code in (302, 403)
    page = response.content.decode()
    assert "D-1" not in page and "delivery.csv" not in page


def test_an_unknown_import_is_a_404(client, asset_manager):
    client.force_login(asset_manager)
    assert client.get("/admin/assets/device/import/999999/").status_code == 404


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_real_worker_imports_the_upload(client, asset_manager, app_celery_worker):
    client.force_login(asset_manager)
    rows = "\n".join(f"W-{n},{1000 + n},,1.0,B9" for n in range(1200))
    status_url = upload(client, f"{HEADER}\n{rows}\n")["Location"]
    deadline = time.monotonic() + 90
    while DeviceImport.objects.get().status in ("queued", "running"):
        assert time.monotonic() < deadline, "the worker did not finish the import"
        time.sleep(0.2)
    assert "1200 created" in client.get(status_url).content.decode()
    assert Device.objects.filter(batch="B9").count() == 1200


def test_the_progress_count_adds_rows_and_starts_again_when_lost():
    key = progress_key(424242)
    cache.delete(key)
    advance = _counter(key)
    advance(500)  # no count yet (evicted, or never set): it starts
    advance(200)
    assert cache.get(key) == 700
    cache.delete(key)
    advance(5)
    assert cache.get(key) == 5
    cache.delete(key)


RUN = """
from assets.imports import device_import_run
print("status", device_import_run(import_id=int(sys.argv[3])).status)
"""


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_one_import_delivered_to_two_workers_at_once_is_imported_once(
    client, asset_manager, tmp_path
):
    from tests.processes import at_once

    client.force_login(asset_manager)
    upload(client, f"{HEADER}\nD-1,1,,1.0,B1\nD-2,2,,1.0,B1\n")
    job = DeviceImport.objects.get()
    outputs = at_once(RUN, [[str(job.pk)], [str(job.pk)]], tmp_path)
    assert all("status" in out for out in outputs), outputs
    job.refresh_from_db()
    assert job.status == "done" and "2 created" in job.summary
    assert Device.objects.count() == 2
    assert sum(d.events.count() for d in Device.objects.all()) == 2
