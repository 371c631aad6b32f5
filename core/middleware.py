import logging
import time

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from rest_framework.views import APIView

from core.logs import scrub_path

request_logger = logging.getLogger("proximeter.requests")


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Default deny for pages: anonymous visitors go to the sign-in page.

    API views are left to Django REST framework, whose default permission
    denies too, and which also knows bearer tokens (a session-only check here
    would turn a valid token into a redirect).
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class PrivateAnswersMiddleware:
    """Personal answers are never cached: every API answer, and every page of a signed-in person.

    Trace results, their CSV, MY DATA and its export, the desk's look-ups: a
    shared cache or the browser's disk keeps none of them (`no-store`). The
    static files, served before this middleware, keep their long caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


class RequestLogMiddleware:
    """One log line per request, naming the route, never the path.

    A path carries person numbers, device IDs and tokens
    (/api/registration/people/810001): the line says
    `api/registration/people/<str:person_id>` instead (core/logs.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        line = {
            "method": request.method,
            "route": scrub_path(request.path, request),
            "status": response.status_code,
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
        request_logger.info("%(method)s %(route)s %(status)s %(ms)sms", line, extra=line)
        return response


class AccountLanguageMiddleware:
    """The language a signed-in person chose (the header's switch, kept on their account).

    After LocaleMiddleware, which has picked the language cookie, else the browser's
    Accept-Language: a choice on the account is the person's own and wins on every device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None else ""
        if chosen and user.is_authenticated and chosen in dict(settings.LANGUAGES):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
