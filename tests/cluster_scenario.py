"""A short day of the portal, run in a process of its own on whatever databases its settings name.

    python manage.py shell -c "from tests.cluster_scenario import main; main()"

tests/test_clusters.py runs it with the production settings (proximeter.settings) pointed at
four servers through *_FILE secrets: the desk hands out two devices over its API, a webhook
delivers an uplink with one encounter between them, the inbox is drained, and a medic traces one
of the two over the API. Prints one JSON line of what came back.
"""

import json
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assets.models import Device
from encounters.payload import EncounterRecord, encode
from ingestion.services import inbox_drain, ingest_token_create
from registration.models import Association
from simulation import bodies
from tests import personas
from tests.registration.factories import make_person


def main() -> None:
    now = timezone.now()
    client = Client()
    people = {"1": ("Alice", 0x5100_0001, "70B3D57E51000001"), "2": ("Bob", 0x5100_0002, "")}
    for person_id, (given, tag, dev_eui) in people.items():
        make_person(person_id, given, "Cluster", email=f"c{person_id}@example.org")
        Device.objects.create(device_id=f"CL-{person_id}", tag_id=tag, dev_eui=dev_eui or None)
    client.force_login(personas.clerk())
    handed = [
        client.post(
            reverse("device-assign"),
            {"device_id": f"CL-{person_id}", "person_id": person_id},
            content_type="application/json",
        ).status_code
        for person_id in people
    ]
    # The devices were handed out this morning (the desk stamps "now").
    Association.objects.filter(device_id__startswith="CL-").update(
        started_at=now - timedelta(hours=6)
    )

    token = ingest_token_create(name="cluster")
    start = int((now - timedelta(hours=2)).timestamp())
    uplink = bodies.tts_uplink(
        dev_eui=people["1"][2],
        device_id="prox-cl-1",
        payload=encode(people["1"][1], [EncounterRecord(people["2"][1], start, 40)]),
        f_cnt=1,
        received_at=now - timedelta(minutes=5),
        gateways=2,
    )
    delivered = client.post(
        "/api/ingest/tts",
        json.dumps(uplink),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    ).status_code
    drained = inbox_drain()

    client.force_login(personas.medic())
    trace = client.post(
        reverse("traces"),
        {
            "person_id": "1",
            "from": (now - timedelta(days=1)).isoformat(),
            "case_reference": "C-CL-1",
            "reason": "positive PCR",
        },
        content_type="application/json",
    )
    body = trace.json()
    print(
        json.dumps(
            {
                "handed": handed,
                "delivered": delivered,
                "drained": drained,
                "trace": trace.status_code,
                "contacts": [
                    {"total_seconds": c["total_seconds"], "close_contact": c["close_contact"]}
                    for c in body.get("contacts", [])
                ],
            }
        )
    )


def replica_probe() -> None:
    """What a trace, MY DATA (person 1's), /healthz and /metrics see now; where reads route.

    Run after main(), with the replica variables set; prints one JSON line.
    """
    from django.db import router

    from audit.models import AuditEntry
    from core.replicas import replica_reads
    from encounters.models import Encounter

    client = Client()
    client.force_login(personas.medic())
    traces_before = AuditEntry.objects.filter(action=AuditEntry.Action.TRACE).count()
    trace = client.post(
        reverse("traces"),
        {
            "person_id": "1",
            "from": (timezone.now() - timedelta(days=1)).isoformat(),
            "case_reference": "C-CL-1",
            "reason": "positive PCR",
        },
        content_type="application/json",
    )
    traces_after = AuditEntry.objects.filter(action=AuditEntry.Action.TRACE).count()
    client.force_login(personas.wearer("1"))
    mine = client.get(reverse("my-encounters"))
    health = client.get("/healthz")
    metrics = client.get("/metrics").content.decode()
    print(
        json.dumps(
            {
                "trace": trace.status_code,
                "trace_seconds": sum(c["total_seconds"] for c in trace.json()["contacts"]),
                "audited": traces_after - traces_before,
                "my_data": mine.status_code,
                "my_seconds": sum(day["total_seconds"] for day in mine.json()["days"]),
                "health": health.status_code,
                "health_checks": health.json()["checks"],
                "metrics": [line for line in metrics.splitlines() if "replica" in line],
                "read_under_replica_reads": replica_reads(lambda: router.db_for_read(Encounter))(),
                "write_under_replica_reads": replica_reads(
                    lambda: router.db_for_write(Encounter)
                )(),
                "read_outside": router.db_for_read(Encounter),
            }
        )
    )
