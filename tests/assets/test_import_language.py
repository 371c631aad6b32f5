"""A background device import writes its report in the language of whoever uploaded it."""

import io

import pytest
from django.utils import translation

from assets.imports import device_import_run
from assets.models import DeviceImport

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate("en")


def upload_and_run(client, text: str) -> str:
    file = io.BytesIO(text.encode())
    file.name = "delivery.csv"
    client.post("/admin/assets/device/import/", {"file": file})
    job = DeviceImport.objects.get()
    with translation.override("en"):  # the worker's own language
        device_import_run(import_id=job.pk)
    job.refresh_from_db()
    return "\n".join(job.messages)


def test_the_report_is_in_french_for_an_uploader_who_chose_french(client, asset_manager):
    asset_manager.language = "fr"
    asset_manager.save(update_fields=["language"])
    client.force_login(asset_manager)
    said = upload_and_run(client, "device_id,tag_id\nD-1,x\n")
    assert "tag_id 'x' n’est pas un nombre entier" in said
    page = client.get(f"/admin/assets/device/import/{DeviceImport.objects.get().pk}/")
    assert "Téléversé par" in page.content.decode() and "terminé" in page.content.decode()


def test_the_report_is_in_english_for_an_uploader_without_a_choice(client, asset_manager):
    client.force_login(asset_manager)
    assert "tag_id 'x' is not a whole number" in upload_and_run(client, "device_id,tag_id\nD-1,x\n")
