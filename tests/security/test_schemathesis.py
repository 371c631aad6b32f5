"""Every API operation of /api/schema/, with generated inputs, as each kind of user: no 5xx.

Schemathesis reads the drf-spectacular schema from the WSGI app itself and
generates requests from it (path parameters, query strings, bodies). Each
generated request is sent once per kind of user below, in the browser's
way: a session cookie and a CSRF token, so that POSTs reach the views.
Whatever the role, the answer may be anything but a server error.

A few examples per operation keep the file short; the seed is fixed
(derandomize), so a failure comes back on every run.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from accounts.roles import Role

EXAMPLES_PER_OPERATION = 5
CSRF_TOKEN = "soakschemathesiscsrftoken0123456"  # 32 characters: a valid CSRF secret
# Who calls: no roles (a person), each role, and a superuser (staff, admin).
PERSONAS = {
    "person": [],
    "registration": [Role.REGISTRATION],
    "assets": [Role.ASSETS],
    "medical": [Role.MEDICAL],
    "privacy": [Role.PRIVACY],
    "superuser": [],
}

SCHEMA_PATH = "/api/schema/"
REQUESTS_SENT = Counter()  # by generation mode, for docs/reliability.md
ANSWERED = Counter()  # (caller, method, status): the callers really got through
application = get_wsgi_application()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def browser_headers(session: str | None) -> dict:
    cookie = f"csrftoken={CSRF_TOKEN}" + (f"; sessionid={session}" if session else "")
    return {"Cookie": cookie, "X-CSRFToken": CSRF_TOKEN}


def browser_cookies(headers: dict) -> dict:
    """The Cookie header as a dict: Schemathesis's WSGI transport sets cookies one by one."""
    pairs = (pair.split("=", 1) for pair in headers["Cookie"].split("; "))
    return dict(pairs)


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
def callers(make_user) -> dict[str, dict]:
    """Request headers of each kind of user, anonymous included."""
    from tests.registration.factories import make_person

    headers = {"anonymous": browser_headers(None)}
    for number, (kind, roles) in enumerate(PERSONAS.items(), start=1):
        person_id = f"7200{number}"
        make_person(person_id, "Sam", f"Sample{number}", email=f"{person_id}@example.org")
        staff = {"is_staff": True, "is_superuser": True} if kind == "superuser" else {}
        user = make_user(f"fuzz-{kind}", *roles, person_id=person_id, **staff)
        headers[kind] = browser_headers(session_cookie(user))
    return headers


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
    app = signed_in_for_the_schema(application, callers["superuser"]["Cookie"])
    schema = schemathesis.openapi.from_wsgi(f"{SCHEMA_PATH}?format=json", app)
    return [result.ok() for result in schema.get_all_operations()]


def server_errors(operation, mode: GenerationMode, callers: dict) -> list[str]:
    """Call the operation with generated inputs as each caller; the server errors seen."""
    errors = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,  # the same inputs on every run: a failure comes back
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a report, not a minimal case
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call_as_everyone(case):
        REQUESTS_SENT[mode.value] += len(callers)
        for kind, headers in callers.items():
            response = case.call(
                headers={"X-CSRFToken": CSRF_TOKEN}, cookies=browser_cookies(headers)
            )
            ANSWERED[(kind, case.method, response.status_code)] += 1
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
    errors = []
    for operation in found:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            errors += server_errors(operation, mode, callers)
    print(f"{len(found)} operations, {len(callers)} callers, requests sent: {dict(REQUESTS_SENT)}")
    assert not errors, "\n".join(errors)
    # The session cookies and the CSRF token work: every signed-in caller had GETs answered
    # 200, and POSTs reached the views' validation (400, past authentication and CSRF).
    for kind in PERSONAS:
        assert ANSWERED[(kind, "GET", 200)], f"{kind} never got a 200"
        assert ANSWERED[(kind, "POST", 400)], f"{kind}'s POSTs never reached a view"
    assert not any(status < 400 for kind, _, status in ANSWERED if kind == "anonymous")
