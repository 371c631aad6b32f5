"""Every API operation of /api/schema/, with generated inputs, as each kind of user: no 5xx.

Schemathesis reads the drf-spectacular schema from the WSGI app itself and
generates requests from it (path parameters, query strings, bodies). Each
generated request is sent once per kind of user below, in the browser's
way: a session cookie and a CSRF token, so that POSTs reach the views.
Whatever the role, the answer may be anything but a server error.

A few examples per operation in CI, with a fixed seed (derandomize), so a
failure comes back on every run; `make fuzz` sends over 100,000 requests
with fresh inputs (FUZZ_EXAMPLES_PER_OPERATION, docs/reliability.md).
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests import personas

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES_PER_OPERATION", "5"))
FIXED_SEED = EXAMPLES_PER_OPERATION <= 5
CSRF_TOKEN = "fuzz" * 8  # 32 letters: the form of a CSRF secret, sent as cookie and header
# Who calls: no roles (a person), each role, and a superuser (staff, admin): kind -> persona.
PERSONAS = {
    "person": "wearer",
    "registration": "clerk",
    "assets": "asset_manager",
    "medical": "medic",
    "privacy": "privacy_officer",
    "superuser": "superuser",
}

SCHEMA_PATH = "/api/schema/"
application = get_wsgi_application()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def cookie_header(cookies: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@pytest.fixture(autouse=True)
def connections_kept_open():
    """As Django's test client does: a request must not close the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def callers(db) -> dict[str, dict]:
    """The browser cookies of each kind of user, anonymous included."""
    from tests.registration.factories import make_person

    cookies = {"anonymous": {"csrftoken": CSRF_TOKEN}}
    for number, (kind, persona) in enumerate(PERSONAS.items(), start=1):
        person_id = f"7200{number}"
        make_person(person_id, "Sam", f"Sample{number}", email=f"{person_id}@example.org")
        user = personas.make_persona(persona, person_id=person_id)
        cookies[kind] = {"csrftoken": CSRF_TOKEN, "sessionid": session_cookie(user)}
    return cookies


def signed_in_for_the_schema(app, cookie: str):
    """The app, with `cookie` added to requests for the schema (signed-in users only).

    Schemathesis's loader takes no cookies (its WSGI client drops a Cookie
    header), and every other request carries its own caller's cookies.
    """

    def wrapped(environ, start_response):
        if environ.get("PATH_INFO") == SCHEMA_PATH:
            environ = {**environ, "HTTP_COOKIE": cookie}
        return app(environ, start_response)

    return wrapped


def operations(callers) -> list:
    """Every operation of the schema, read from the app the way a client reads it."""
    app = signed_in_for_the_schema(application, cookie_header(callers["superuser"]))
    schema = schemathesis.openapi.from_wsgi(f"{SCHEMA_PATH}?format=json", app)
    return [result.ok() for result in schema.get_all_operations()]


def server_errors(operation, mode: GenerationMode, callers: dict, answered: Counter) -> list[str]:
    """Call the operation with generated inputs as each caller; the server errors seen.

    `answered` counts the answers by (caller, method, status).
    """
    errors = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=FIXED_SEED,  # CI: the same inputs on every run, a failure comes back
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a report, not a minimal case
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call_as_everyone(case):
        for kind, cookies in callers.items():
            response = case.call(headers={"X-CSRFToken": CSRF_TOKEN}, cookies=cookies)
            answered[(kind, case.method, response.status_code)] += 1
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except Exception as failure:  # schemathesis's Failure, or a group of them
                body = response.text[:300].replace("\n", " ")
                errors.append(f"{kind}: {case.method} {case.formatted_path}: {failure!r} {body}")

    call_as_everyone()
    return errors


@pytest.mark.django_db(databases="__all__")
def test_no_operation_gives_any_caller_a_server_error(callers):
    found = operations(callers)
    assert len(found) >= 40, "the schema should list the whole API"
    errors, answered = [], Counter()
    for operation in found:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            errors += server_errors(operation, mode, callers, answered)
    print(f"{len(found)} operations, {len(callers)} callers, {answered.total()} requests")
    assert not errors, "\n".join(errors)
    # The session cookies and the CSRF token work: every signed-in caller had GETs answered
    # 200, and POSTs reached the views' validation (400, past authentication and CSRF).
    for kind in PERSONAS:
        assert answered[(kind, "GET", 200)], f"{kind} never got a 200"
        assert answered[(kind, "POST", 400)], f"{kind}'s POSTs never reached a view"
    assert not any(status < 400 for kind, _, status in answered if kind == "anonymous")
