"""Every URL of the portal, from the resolver, with a way to fill its parameters."""

import re

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

# Explicit methods where the view does not tell (plain Django views with require_POST).
POST_ONLY = {"ingest-tts", "ingest-chirpstack"}


class Url:
    def __init__(self, route: str, name: str | None, callback):
        self.route, self.name, self.callback = route, name, callback

    def __repr__(self) -> str:
        return self.name or self.route

    @property
    def method(self) -> str:
        view = getattr(self.callback, "cls", None)
        if isinstance(view, type) and issubclass(view, APIView):
            return "GET" if hasattr(view, "get") else "POST"
        return "POST" if self.name in POST_ONLY else "GET"

    def path(self, samples: dict) -> str:
        """The URL with sample values: `params` by name, an admin object's ID from `pks`."""
        values = samples["params"]
        model = re.match(r"admin/(\w+)/(\w+)/<", self.route)
        if model:
            pk = samples["pks"][model.groups()]
            values = {**values, "object_id": pk, "id": pk}
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.route)
        route = re.sub(r"\^?\(\?P<(\w+)>[^)]*\)\$?", lambda m: str(values[m.group(1)]), route)
        return "/" + route.replace("^", "").replace("$", "")


def every_url() -> list[Url]:
    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                yield Url(prefix + str(entry.pattern), name, entry.callback)

    urls = list(walk(get_resolver(), "", None))
    # Signing out last, so that no later request of the same caller finds itself signed out.
    return sorted(urls, key=lambda url: "logout" in url.route)
