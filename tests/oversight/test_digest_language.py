"""The weekly digest goes out in each privacy officer's language."""


import io

import pytest
from django.core import mail
from django.core.management import call_command

from core.roles import Role
from tests.oversight.test_digest import SUNDAY, week  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def officers(make_user):
    make_user("dpo-en", Role.PRIVACY, email="en@example.org", language="en")
    make_user("dpo-fr", Role.PRIVACY, email="fr@example.org", language="fr")
    make_user("dpo-browser", Role.PRIVACY, email="default@example.org")  # no choice: default


def digests(settings) -> dict[str, mail.EmailMessage]:
    call_command("send_privacy_digest", "--until", SUNDAY.isoformat(), stdout=io.StringIO())
    return {message.to[0]: message for message in mail.outbox}


def test_an_officer_who_reads_english_gets_it_in_english(week, officers, settings):  # noqa: F811
    message = digests(settings)["en@example.org"]
    assert message.subject == (
        "Unusual activity, 16 Nov 2026 to 22 Nov 2026: 6 alerts, 1 break-glass"
    )
    body = message.body
    assert body.startswith("Hello,\n\nthis is the Proximeter Portal's weekly digest")
    assert "Mon 16 Nov 2026 to Sun 22 Nov 2026 (Europe/Zurich)" in body
    assert "  break-glass reveal: 1\n" in body
    assert "  Thu 19 Nov 2026, 22:05  medic-2  case C-2026-042  not reviewed yet\n" in body
    assert "  - medic ran 15 traces on Wed 18 Nov 2026: their usual is 2 a day" in body
    assert "Bonjour" not in body


def test_an_officer_who_reads_french_gets_it_in_french(week, officers, settings):  # noqa: F811
    message = digests(settings)["fr@example.org"]
    assert message.subject.startswith("Activité inhabituelle, du 16 ")
    assert message.subject.endswith(": 6 alertes, 1 accès d’urgence")
    body = message.body
    assert body.startswith("Bonjour,\n\nvoici le résumé hebdomadaire de l’activité inhabituelle")
    for line in (
        "Alertes par règle\n",
        "  beaucoup de traçages en une journée : 1\n",
        "  beaucoup d’exports en une journée : 0\n",
        "  révélation en accès d’urgence : 1\n",
        "  refusé par la limite horaire : 1\n",
        "Révélations en accès d’urgence (1), chacune à examiner sur la page Audit\n",
        "Alertes, les plus récentes d’abord\n",
    ):
        assert line in body
    assert "  medic-2  cas C-2026-042  pas encore examiné\n" in body
    # The alerts' sentences themselves, and their numbers, are French.
    assert "  - medic a lancé 15 traçages le " in body
    assert "son habitude est de 2 par jour" in body
    assert (
        "a révélé des noms de contacts en urgence sans approbation (accès d’urgence) 1 fois" in body
    )
    assert "/audit/?since=2026-11-16&until=2026-11-22" in body
    for english in ("Hello", "Alerts per rule", "their usual", "not reviewed yet", "none"):
        assert english not in body


def test_an_officer_without_a_choice_gets_the_portals_default(week, officers, settings):  # noqa: F811
    message = digests(settings)["default@example.org"]
    assert settings.LANGUAGE_CODE == "en"
    assert message.subject.startswith("Unusual activity, 16 Nov 2026")


def test_a_quiet_week_says_so_in_french(officers, medic, settings):
    body = digests(settings)["fr@example.org"].body
    assert (
        "Révélations en accès d’urgence (0), chacune à examiner sur la page Audit\n  aucune\n"
        in body
    )
    assert "Alertes, les plus récentes d’abord\n  aucune\n" in body
    assert digests(settings)["fr@example.org"].subject.endswith(": 0 alerte, 0 accès d’urgence")
