"""The spool: an uplink the inbox cannot take is kept on local disk, answered 2xx, and moved
into the inbox exactly once when the database answers again (ingestion/spool.py)."""

import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connections
from django.utils import timezone

from ingestion import services, spool
from ingestion.models import InboxUplink
from tests.ingestion.test_webhooks import tts

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def spool_folder(settings, tmp_path):
    settings.INGEST_SPOOL_DIR = str(tmp_path / "spool")
    return tmp_path / "spool"


@pytest.fixture
def database_down(monkeypatch):
    """The inbox's INSERT fails as it does when PostgreSQL does not answer."""

    def refuse(**values):
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "inbox_insert", refuse)
    return monkeypatch


def test_an_uplink_the_inbox_cannot_take_is_spooled_answered_202_and_moved_in_later(
    post, database_down, spool_folder
):
    body = tts()
    answer = post("/api/ingest/tts", body)
    assert answer.status_code == 202 and answer.json() == {"status": "accepted"}
    assert not InboxUplink.objects.exists()
    [kept] = spool.spooled()
    # What the inbox row keeps, nothing more (no gateway, no signal, no position).
    assert set(json.loads(kept.read_bytes())) == {
        "integration", "delivery_key", "fport", "payload", "dev_eui", "received_at",
        "accepted_at", "status", "attempts",
    }  # fmt: skip
    assert "gateway" not in kept.read_text()
    database_down.undo()
    assert services.spool_flush() == 1
    row = InboxUplink.objects.get()
    assert (row.status, row.integration) == ("pending", "tts")
    assert spool.spooled() == []
    assert services.spool_flush() == 0
    # The network server's repeat is recognised once the row is in.
    assert post("/api/ingest/tts", body).json()["status"] == "duplicate"


def test_a_spool_file_moved_twice_after_a_crash_is_in_the_inbox_once(post, database_down):
    post("/api/ingest/tts", tts())
    [kept] = spool.spooled()
    database_down.undo()
    # The mover committed the INSERT, then died before deleting the file.
    services.inbox_insert(**spool._decode(kept.read_bytes()))
    assert services.spool_flush() == 1
    assert InboxUplink.objects.count() == 1 and spool.spooled() == []


def _values(n: int) -> dict:
    now = timezone.now()
    return {
        "integration": "tts",
        "delivery_key": f"as:up:{n}",
        "fport": 10,
        "payload": b"\x01\x02",
        "dev_eui": "70B3D57ED0051234",
        "received_at": now,
        "accepted_at": now,
        "status": "pending",
        "attempts": 0,
    }


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_many_writers_and_two_movers_at_once_move_each_uplink_exactly_once():
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: spool.spool_write(_values(n)), range(200)))
    assert len(spool.spooled()) == 200

    def mover(_):
        try:
            return services.spool_flush()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        moved = sum(pool.map(mover, range(2)))
    assert moved >= 200  # each file by one mover, or by both (then the second changed nothing)
    assert InboxUplink.objects.count() == 200 and spool.spooled() == []


def test_bad_bodies_are_still_refused_while_the_database_is_down(post, database_down):
    assert post("/api/ingest/tts", b"{not json").status_code == 400
    assert post("/api/ingest/tts", {"end_device_ids": 7}).status_code == 400
    assert spool.spooled() == []


def test_an_unwritable_spool_is_the_only_5xx_and_says_so(post, database_down, spool_folder):
    spool_folder.parent.mkdir(exist_ok=True)
    spool_folder.write_text("a file where the folder should be")
    answer = post("/api/ingest/tts", tts())
    assert answer.status_code == 507
    assert "spool cannot be written" in answer.json()["detail"]


def test_an_unreadable_spool_file_is_set_aside_never_deleted(spool_folder):
    spool_folder.mkdir()
    broken = spool_folder / f"00000000000000000001-1-ab{spool.SUFFIX}"
    broken.write_bytes(b"\x00 not json")
    assert services.spool_flush() == 0
    assert not broken.exists() and (spool_folder / broken.name).with_suffix(".unreadable").exists()


def test_the_spool_writes_durably(monkeypatch, spool_folder):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    spool.spool_write({"integration": "tts", "delivery_key": "k", "payload": b"\x01"})
    assert len(synced) == 2  # the file, then the folder that names it
