"""Fixtures of the webhook tests: an ingest token, and a poster that presents it."""

import json

import pytest

from ingestion.services import active_token_hashes, ingest_token_create


@pytest.fixture
def token():
    active_token_hashes.forget()
    return ingest_token_create(name="tts-test")


@pytest.fixture
def post(client, token):
    def post(path: str, body, *, auth: str | None = None, content_type="application/json"):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return client.post(
            path,
            data,
            content_type=content_type,
            HTTP_AUTHORIZATION=auth if auth is not None else f"Bearer {token}",
        )

    return post
