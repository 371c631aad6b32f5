"""Contact follow-up in English and in French: the e-mails in their recipient's language,
refusals and validation errors in the reader's, and the trace CSV's headers."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import FollowUp
from core.dates import format_date_long
from registration.models import Person
from tests.cases.test_follow_up import open_case, trace, world  # noqa: F401 (a fixture)
from tests.cases.test_reveals import ask, people, run_trace  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(databases="__all__")

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def in_french(day) -> str:
    with translation.override("fr"):
        return format_date_long(day)


@pytest.mark.usefixtures("world")
def test_the_contact_notification_goes_out_in_each_recipients_language(client, medic):
    client.force_login(medic)
    case = open_case(client)
    follow_ups = trace(client, case["id"])["follow_ups"]
    Person.objects.filter(person_id="2").update(language="fr")  # Bob reads French
    Person.objects.filter(person_id="3").update(language="en")  # Cleo English
    sent = client.post(
        reverse("notify-send"),
        {"ids": [f["id"] for f in follow_ups]},
        content_type="application/json",
    )
    assert [o["done"] for o in sent.json()] == [True, True]
    by_address = {message.to[0]: message for message in mail.outbox}
    bob, cleo = by_address["p2@example.org"], by_address["p3@example.org"]
    until = FollowUp.objects.get(person_id="2").end_date
    assert bob.subject == (
        "Service médical : vous avez été un contact étroit, veuillez rester à la maison "
        f"jusqu’au {in_french(until)}"
    )
    assert bob.body.startswith("Bonjour Bob,\n\nune personne testée positive")
    assert "Ce que vous devez faire :" in bob.body
    assert f"jusqu’à la fin du {in_french(until)}" in bob.body
    assert "Service médical" in bob.body and "Hello" not in bob.body
    until = FollowUp.objects.get(person_id="3").end_date
    assert cleo.subject == (
        "Medical service: you were a close contact, please stay at home until "
        f"{until.day} {until:%B %Y}"
    )
    assert cleo.body.startswith("Hello Cleo,\n\na person who tested positive")
    assert "What to do:" in cleo.body and "Bonjour" not in cleo.body
    # The preview shows each e-mail as it will leave, whatever the medic reads.
    previews = client.post(
        reverse("notify-preview"),
        {"ids": [f["id"] for f in follow_ups]},
        content_type="application/json",
        **FR,
    ).json()
    subjects = {p["to_email"]: p["subject"] for p in previews}
    assert subjects["p2@example.org"] == bob.subject
    assert subjects["p3@example.org"] == cleo.subject


def _decide(client, reveal_id, *, approve, comment, capture, **extra):
    with capture(execute=True):
        return client.post(
            reverse("reveal-decide", args=[reveal_id]),
            {"approve": approve, "comment": comment},
            content_type="application/json",
            **extra,
        )


@pytest.mark.usefixtures("world")
def test_the_reveal_e_mails_in_french_to_a_french_approver_in_english_to_the_requester(
    client,
    people,  # noqa: F811 (a fixture)
    django_capture_on_commit_callbacks,
):
    medic, second, _privacy = people
    second.language = "fr"
    second.save()
    client.force_login(medic)
    run = run_trace(client, open_case(client)["id"])
    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(client, run["id"], reason="tell them to stay home")
    reveal_id = asked.json()["reveal"]["id"]
    [waiting] = mail.outbox
    assert waiting.to == ["max@example.org"]
    assert waiting.subject.startswith("Proximeter : medic demande à nommer les contacts")
    assert "Bonjour,\n\nmedic demande à une deuxième personne d’approuver" in waiting.body
    assert "les contacts étroits" in waiting.body
    assert "Raison indiquée : tell them to stay home" in waiting.body  # the reason as given
    assert "Pourquoi une approbation est nécessaire :" in waiting.body
    assert "Toute révélation de noms exige l’approbation" in waiting.body  # reason translated
    assert f"?id={reveal_id}" in waiting.body and "Ce message ne nomme aucun contact." in (
        waiting.body
    )

    client.force_login(second)
    decided = _decide(
        client,
        reveal_id,
        approve=True,
        comment="go ahead",
        capture=django_capture_on_commit_callbacks,
    )
    assert decided.status_code == 200
    told = mail.outbox[-1]
    assert told.to == ["mira@example.org"]
    assert told.subject.endswith("was approved")  # Mira reads English
    assert "medic-2 approved your request to name the close contacts" in told.body
    assert "Comment: go ahead" in told.body and "Bonjour" not in told.body


@pytest.mark.usefixtures("world")
def test_the_reveal_e_mails_in_english_to_the_approver_in_french_to_a_french_requester(
    client,
    people,  # noqa: F811 (a fixture)
    django_capture_on_commit_callbacks,
):
    medic, second, _privacy = people
    medic.language = "fr"
    medic.save()
    client.force_login(medic)
    run = run_trace(client, open_case(client)["id"])
    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(client, run["id"], reason="tell them to stay home")
    [waiting] = mail.outbox
    assert waiting.subject.startswith("Proximeter: medic asks to name the contacts")
    assert "Why it needs approval:" in waiting.body
    assert "Every reveal needs a second person's approval" in waiting.body

    client.force_login(second)
    decided = _decide(
        client,
        asked.json()["reveal"]["id"],
        approve=False,
        comment="no test result yet",
        capture=django_capture_on_commit_callbacks,
    )
    assert decided.status_code == 200
    told = mail.outbox[-1]
    assert told.to == ["mira@example.org"]
    assert told.subject.startswith("Proximeter : votre demande de nommer les contacts du cas")
    assert told.subject.endswith("a été refusée")
    assert "medic-2 a refusé votre demande de nommer les contacts étroits" in told.body
    assert "Commentaire : no test result yet" in told.body
    assert "Personne n’a été nommé." in told.body and "Hello" not in told.body


@pytest.mark.usefixtures("world")
def test_a_refusal_and_a_validation_error_come_back_in_french(client, medic):
    client.force_login(medic)
    case = open_case(client)
    again = client.post(
        reverse("cases"), {"person_id": "710243"}, content_type="application/json", **FR
    )
    assert again.status_code == 409
    assert again.json() == {
        "detail": f"Ines Adams a déjà un cas ouvert, {case['reference']} : complétez-le.",
        "code": "case_open",
    }
    missing = client.post(reverse("cases"), {}, content_type="application/json", **FR)
    assert missing.status_code == 400
    assert missing.json() == {"person_id": ["Ce champ est obligatoire."]}
    # The tracing API: a window given twice.
    traced = client.post(
        reverse("traces"),
        {
            "person_id": "710243",
            "case_reference": case["reference"],
            "reason": "positive PCR",
            "from": (timezone.now() - timedelta(days=3)).isoformat(),
            "positive_test": timezone.now().isoformat(),
        },
        content_type="application/json",
        **FR,
    )
    assert traced.status_code == 400
    assert traced.json()["detail"] == (
        "Indiquez exactement un élément parmi : un début (from), le début des symptômes "
        "ou le test positif."
    )
    # The same refusal in English for an English reader.
    english = client.post(
        reverse("cases"), {"person_id": "710243"}, content_type="application/json"
    )
    assert english.json()["detail"].startswith("Ines Adams already has an open case")


@pytest.mark.usefixtures("world")
def test_the_trace_csv_has_french_headers_when_asked_in_french(client, medic):
    client.force_login(medic)
    case = open_case(client)
    result = trace(client, case["id"])
    french = client.get(reverse("trace-export", args=[result["id"]]), **FR)
    rows = list(csv.reader(io.StringIO(french.content.decode())))
    assert rows[0] == [
        "Référence du cas",
        "Réf. du contact",
        "Contact",
        "Numéro de personne",
        "Service",
        "E-mail",
        "Numéro d’appareil",
        "Contact étroit",
        "Minutes au total",
        "Plus longue rencontre (minutes)",
        "Début de la rencontre (Europe/Zurich)",
        "Durée de la rencontre (minutes)",
        "Rencontre coupée",
        "Probabilité",
    ]
    assert {row[7] for row in rows[1:]} <= {"oui", "non"} and "oui" in {r[7] for r in rows[1:]}
    english = client.get(reverse("trace-export", args=[result["id"]]))
    header = next(csv.reader(io.StringIO(english.content.decode())))
    assert header[0] == "case_reference" and header[10] == "encounter_start (Europe/Zurich)"


@pytest.mark.usefixtures("world")
def test_the_worklist_csv_has_french_headers_when_asked_in_french(client, medic):
    client.force_login(medic)
    trace(client, open_case(client)["id"])
    french = client.get(reverse("follow-ups-export"), {"mine": "false"}, **FR)
    rows = list(csv.reader(io.StringIO(french.content.decode())))
    assert rows[0][:3] == ["Référence du cas", "Numéro de personne", "Nom"]
    assert rows[0][6] == "Dernière exposition (Europe/Zurich)" and len(rows) == 3
    english = client.get(reverse("follow-ups-export"), {"mine": "false"})
    assert next(csv.reader(io.StringIO(english.content.decode())))[0] == "case_reference"
