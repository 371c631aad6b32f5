"""The desk and the wearer report the same loss at the same moment, each a real process.

The test holds the device's row lock (assets) until both processes wait behind it
(tests/cases/test_concurrency.py `held_until_blocked`), so they meet on every run:
one loss is recorded, one holding ended, and the other is told it is done already.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Device, DeviceState
from core.databases import ASSETS
from desk import services
from desk.reconcile import find_disagreements
from registration.models import Association, LostReport
from tests import personas
from tests.cases.test_concurrency import held_until_blocked, outcome_lines
from tests.processes import at_once
from tests.registration.factories import make_device, make_person

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

REPORT = """
from django.contrib.auth import get_user_model
from desk import services
from core.errors import DomainError
user = get_user_model().objects.get(username=sys.argv[3])
try:
    if sys.argv[4] == "desk":
        services.device_report_lost(device_id="p-0300", acting_user=user)
    else:
        services.device_report_lost_by_holder(
            person_id="710243", device_id="P-0300", acting_user=user
        )
    print("ok", sys.argv[4])
except DomainError as refused:
    print("refused", refused.status_code, refused.code, sys.argv[4])
"""

LOCK_DEVICE = "SELECT 1 FROM assets_device WHERE device_id = %s FOR UPDATE"


def test_the_desk_and_the_wearer_reporting_one_loss_at_once_record_it_once(desk, tmp_path):
    make_device("P-0300"), make_person("710243", "Ines", "Adams")
    services.device_assign(
        device_id="P-0300",
        person_id="710243",
        acting_user=desk,
        at=timezone.now() - timedelta(days=2),
    )
    wearer = personas.wearer("710243")
    with held_until_blocked(LOCK_DEVICE, ["P-0300"], waiters=2, using=ASSETS) as held:
        outputs = at_once(REPORT, [[desk.username, "desk"], [wearer.username, "wearer"]], tmp_path)
    assert held.waiters == 2
    said = outcome_lines(outputs)
    assert sorted(line.split()[0] for line in said) == ["ok", "refused"], said
    [refused] = [line.split() for line in said if line.startswith("refused")]
    assert refused[1:3] == ["409", "already_lost"], said
    assert LostReport.objects.count() == 1
    holding = Association.objects.get()
    assert holding.end_reason == "lost" and holding.ended_at is not None
    assert Device.objects.get().state == DeviceState.LOST
    assert Device.objects.get().events.filter(to_state=DeviceState.LOST).count() == 1
    assert find_disagreements() == []
