"""Log lines without person numbers, tags or DevEUIs.

Paths name people and devices (/api/registration/people/810001,
/api/registration/devices/P-0042). A line names the route it matched
(`api/registration/people/<str:person_id>`) instead; a path that matched
nothing keeps only its words, each segment with a digit becoming `…`.
Django's own request logger (4xx and 5xx lines) goes through the same filter.
"""

import logging
import re

from django.urls import Resolver404, resolve

_HAS_DIGIT = re.compile(r"\d")


def scrub_path(path: str, request=None) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(path)
        except Resolver404:
            match = None
    if match is not None and match.route:
        return "/" + match.route
    return "/".join("…" if _HAS_DIGIT.search(part) else part for part in path.split("/"))


class ScrubPathsFilter(logging.Filter):
    """For django.request and django.server: the path in the message and the request object."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(record.args, tuple):
            record.args = tuple(
                scrub_path(arg, request) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in record.args
            )
        if request is not None and hasattr(request, "path"):
            # A JSON formatter would print the request's repr, path included.
            record.request = f"{request.method} {scrub_path(request.path, request)}"
        return True
