"""The raw baseline of bench/ingest.py: a WSGI app that reads the body and answers 200.

Served by the same gunicorn command line as the portal, so the ratio
portal / no-op is what Django, the token check, the inbox INSERT and the
Celery hand-off cost on top of HTTP parsing and gunicorn itself.
"""

RESPONSE = b'{"status": "accepted"}'


def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)  # like the portal, read what was posted
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(RESPONSE)))]
    )
    return [RESPONSE]
