"""Languages: which one a person reads, for what the portal sends them without a request.

A page follows the reader (core.middleware.AccountLanguageMiddleware). An e-mail has no
reader yet: it goes out in its recipient's language, the one they chose on their account
(copied onto their directory record, registration.Person.language), else the portal's
default. Build the whole message inside `in_language_of(person)`.
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


def language_of(person) -> str:
    """The recipient's language: their choice ('en', 'fr'), else the portal's default."""
    chosen = getattr(person, "language", "") or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@contextmanager
def in_language_of(person):
    """Translate and format everything inside in `person`'s language (None: the default)."""
    with translation.override(language_of(person)):
        yield
