"""Recover uplinks a webhook missed from The Things Stack's Storage Integration.

The Things Stack tries a webhook once: an uplink that met the portal down is gone from
the webhook's point of view. With the Storage Integration enabled for the application,
The Things Stack keeps every uplink (30 days on The Things Stack Cloud, 24 hours on the
Sandbox) and serves them over HTTP:

    GET {url}/api/v3/as/applications/{app}/packages/storage/uplink_message
        ?after=...&before=...&limit=...&order=received_at
    Authorization: Bearer <API key with "Read application traffic">
    Accept: text/event-stream
    → newline-delimited JSON, one {"result": <ApplicationUp>} per stored uplink

Each result is read by the webhook's parser and taken by the webhook's rule (intake.py),
so running the backfill over a time range the webhook partly delivered, or twice, stores
nothing twice: a result with its `as:up:` correlation ID is a duplicate of the webhook's
delivery; one without (the storage may leave correlation IDs out) gets a key from the
device, frame counter, payload and receive time, the same at every run. Should an
uplink reach the inbox both ways, processing it a second time changes no encounter.

Pages: `limit` results in receive-time order, the next page `after` the last one's
receive time, until a page brings nothing new.
"""

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import requests

from ingestion import intake
from ingestion.models import Integration
from ingestion.parsers import BodyError, parse_tts

PAGE_SIZE = 1000
TIMEOUT = (10, 120)  # connect, and between two chunks of the stream (seconds)
USER_AGENT = "proximeter-portal-backfill"

_RFC3339 = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", re.IGNORECASE
)


class StorageError(Exception):
    """The Storage Integration refused or broke off; the message says what to do."""


@dataclass
class Counts:
    accepted: int = 0
    duplicates: int = 0
    ignored: Counter = field(default_factory=Counter)  # reason -> count
    refused: int = 0  # results no parser can read (they are not uplinks of this application)
    pages: int = 0

    def summary(self) -> str:
        ignored = sum(self.ignored.values())
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.ignored.items()))
        return (
            f"accepted {self.accepted}, duplicates {self.duplicates}, "
            f"ignored {ignored}{f' ({reasons})' if reasons else ''}, refused {self.refused}"
        )


def rfc3339(moment: datetime) -> str:
    """UTC with a Z, as The Things Stack writes and reads times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _nanoseconds(text) -> int | None:
    """A receive time in nanoseconds since 1970 (Python's datetime keeps microseconds only,
    and uplinks of one page may differ by less)."""
    match = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    zone = "+00:00" if match[3].upper() == "Z" else match[3]
    try:
        whole = datetime.fromisoformat(match[1] + zone)
    except ValueError:
        return None
    return int(whole.timestamp()) * 1_000_000_000 + int((match[2] or "0").ljust(9, "0"))


def _received_at(result: dict) -> str | None:
    value = result.get("received_at")
    if value is None and isinstance(result.get("uplink_message"), dict):
        value = result["uplink_message"].get("received_at")
    return value if isinstance(value, str) else None


def _refusal(response: requests.Response) -> StorageError:
    try:
        message = response.json().get("message") or ""
    except (ValueError, AttributeError):
        message = response.text[:200]
    detail = f" ({message})" if message else ""
    if response.status_code == 401:
        return StorageError(
            f"The Things Stack refused the API key (HTTP 401){detail}: check --api-key-file "
            "or TTS_API_KEY."
        )
    if response.status_code == 403:
        return StorageError(
            f"The API key may not read this application's traffic (HTTP 403){detail}: it needs "
            "the right 'Read application traffic' (RIGHT_APPLICATION_TRAFFIC_READ)."
        )
    if response.status_code == 404:
        return StorageError(
            f"Not found (HTTP 404){detail}: check --url and --application, and that the "
            "Storage Integration is enabled for the application."
        )
    return StorageError(f"The Things Stack answered HTTP {response.status_code}{detail}.")


class StorageClient:
    def __init__(self, *, url: str, application: str, api_key: str, session=None) -> None:
        self.endpoint = (
            f"{url.rstrip('/')}/api/v3/as/applications/{quote(application, safe='')}"
            "/packages/storage/uplink_message"
        )
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {api_key}",
                "Accept": "text/event-stream",
                "User-Agent": USER_AGENT,
            }
        )

    def page(self, *, after: str, before: str | None, limit: int) -> Iterator[dict | None]:
        """The stored uplinks of one request, in receive-time order; None for a line that
        is not a result (counted as refused)."""
        params = {"after": after, "limit": limit, "order": "received_at"}
        if before is not None:
            params["before"] = before
        try:
            response = self.session.get(self.endpoint, params=params, stream=True, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise StorageError(f"The Things Stack does not answer: {exc}") from exc
        with response:
            if response.status_code != 200:
                raise _refusal(response)
            try:
                for line in response.iter_lines():
                    yield from _results(line)
            except requests.RequestException as exc:
                raise StorageError(
                    f"The stream of stored uplinks broke off ({type(exc).__name__}): run "
                    "the backfill again, what arrived is kept and repeats are harmless."
                ) from exc


def _results(line: bytes) -> Iterator[dict | None]:
    text = line.strip()
    if text.startswith(b"data:"):  # should a server frame the stream as server-sent events
        text = text[5:].strip()
    if not text:
        return
    try:
        message = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        yield None
        return
    if isinstance(message, dict) and isinstance(message.get("error"), dict):
        error = message["error"]
        raise StorageError(
            f"The Things Stack broke off the stream: {error.get('message') or error}; run the "
            "backfill again."
        )
    result = message.get("result") if isinstance(message, dict) else None
    yield result if isinstance(result, dict) else None


def stored_uplinks(
    client: StorageClient, *, after: datetime, before: datetime | None, page_size: int, counts
) -> Iterator[dict | None]:
    """Every stored uplink from `after` to `before`, page by page (each once)."""
    cursor = rfc3339(after)
    cursor_ns = _nanoseconds(cursor)
    until = rfc3339(before) if before is not None else None
    seen_at_cursor: set[str] = set()  # a server may include the uplinks at `after` again
    while True:
        counts.pages += 1
        newest, newest_ns, count = None, cursor_ns, 0
        seen_now: set[str] = set()
        for result in client.page(after=cursor, before=until, limit=page_size):
            count += 1
            if result is None:
                yield None
                continue
            at = _received_at(result)
            at_ns = _nanoseconds(at)
            identity = json.dumps(result, sort_keys=True)
            if at_ns is not None and at_ns <= cursor_ns and identity in seen_at_cursor:
                continue  # the previous page's last ones, again
            if at_ns is not None and at_ns > newest_ns:
                newest, newest_ns, seen_now = at, at_ns, set()
            if at_ns is not None and at_ns == newest_ns:
                seen_now.add(identity)
            yield result
        if newest is None:  # nothing later than the cursor: done
            if count >= page_size:
                raise StorageError(
                    f"More than {page_size} stored uplinks share one receive time: run again "
                    "with a larger --page-size."
                )
            return
        cursor, cursor_ns, seen_at_cursor = newest, newest_ns, seen_now


def backfill(
    *,
    url: str,
    application: str,
    api_key: str,
    after: datetime,
    before: datetime | None = None,
    page_size: int = PAGE_SIZE,
    session=None,
) -> Counts:
    """Feed the stored uplinks of `application` between `after` and `before` to the inbox.

    Raises StorageError (the counts so far are lost with it; running again is harmless) and
    spool.SpoolUnavailable when an uplink can be kept nowhere.
    """
    client = StorageClient(url=url, application=application, api_key=api_key, session=session)
    counts = Counts()
    for result in stored_uplinks(
        client, after=after, before=before, page_size=page_size, counts=counts
    ):
        if result is None:
            counts.refused += 1
            continue
        try:
            delivery = parse_tts(result)
        except BodyError:
            counts.refused += 1
            continue
        outcome = intake.delivery_take(integration=Integration.TTS, delivery=delivery)
        if outcome == "accepted":
            counts.accepted += 1
        elif outcome == "duplicate":
            counts.duplicates += 1
        else:
            counts.ignored[outcome.removeprefix("ignored_")] += 1
    return counts
