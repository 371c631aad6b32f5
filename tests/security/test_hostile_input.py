"""Bodies a hostile sender writes by hand, to every POST of the schema, as every kind of caller.

Generated inputs (test_schemathesis.py) rarely hit these: JSON nested 7,000
deep (14 kB), a lone UTF-16 surrogate in every field, dates in year 1 and
9999, numbers no float holds. Each was a 500 once; each must be a 4xx.
"""

import json

import pytest
from django.test import Client

from tests.security.test_schemathesis import (  # noqa: F401  (fixtures)
    CSRF_TOKEN,
    callers,
    connections_kept_open,
)

pytestmark = pytest.mark.django_db(databases="__all__")


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def properties(schema: dict, operation: dict) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    return list(resolve(schema, body).get("properties", {})) if body else []


def hostile_bodies(names: list[str]) -> dict[str, str]:
    every = names or ["value"]
    return {
        "nested 7,000 deep": "[" * 7000 + "]" * 7000,
        "a lone surrogate in every field": json.dumps(dict.fromkeys(every, "\ud800")),
        "year 1 in every field": json.dumps(dict.fromkeys(every, "0001-01-01T00:00:00")),
        "year 9999 in every field": json.dumps(dict.fromkeys(every, "9999-12-31T23:59:59+14:00")),
        "numbers no float holds": "{" + ", ".join(f'"{n}": 1e999' for n in every) + "}",
        "NaN": "{" + ", ".join(f'"{n}": NaN' for n in every) + "}",
        "a list for an object": json.dumps([dict.fromkeys(every, "x")] * 3),
    }


def test_no_post_answers_a_hostile_body_with_a_server_error(callers):  # noqa: F811
    superuser = Client()
    superuser.cookies.load(callers["superuser"])
    schema = superuser.get("/api/schema/?format=json").json()
    errors, sent = [], 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"post", "put", "patch"}:
                continue
            url = path.replace("{", "").replace("}", "")  # a path parameter's name as its value
            url = "/".join("1" if part.endswith("_id") else part for part in url.split("/"))
            for what, body in hostile_bodies(properties(schema, operation)).items():
                for kind, cookies in callers.items():
                    client = Client(raise_request_exception=False)
                    client.cookies.load(cookies)
                    response = client.generic(
                        method.upper(),
                        url,
                        body.encode("utf-8", "surrogatepass"),
                        content_type="application/json",
                        HTTP_X_CSRFTOKEN=CSRF_TOKEN,
                    )
                    sent += 1
                    if response.status_code >= 500:
                        errors.append(
                            f"{kind}: {method.upper()} {url}, {what}: {response.status_code}"
                        )
    assert sent > 500
    assert not errors, "\n".join(errors)


def test_every_date_the_api_reads_is_bounded():
    """core/fields.py's date fields, not DRF's: a year-1 date is a 400, never an overflow."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    plain = [
        f"{path.relative_to(root)}:{n}"
        for path in root.glob("*/**/*.py")
        if not {".venv", "node_modules", "tests"} & set(path.parts) and path.name != "fields.py"
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if "serializers.DateTimeField(" in line or "serializers.DateField(" in line
    ]
    assert not plain, plain
