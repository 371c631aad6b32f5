"""One domain error type, mapped to HTTP in one place."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A rule of the service refused an operation; `message` is for the person who asked."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str = "refused", status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        if status_code is not None:
            self.status_code = status_code


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
        # Django's own answer is an HTML "Bad Request (400)" page without a word of why:
        # an API caller (a scanner's list of a million IDs) gets a reason it can act on.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        return Response(
            {
                "detail": _(
                    "The request is larger than the portal reads at once (%(limit)s MB): "
                    "send it in smaller parts."
                )
                % {"limit": number_format(float(f"{limit:g}"), 0 if limit.is_integer() else None)},
                "code": "too_large",
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return exception_handler(exc, context)
