"""Read a model parameter from Django settings (``RISK_<MODEL>_<NAME>``), else the paper's value.

The scoring functions themselves never read settings: they take every parameter
as an argument whose default is the paper's value. The ``params`` dataclass of
each model calls :func:`setting` in its ``from_settings()`` so a deployment can
override a value without touching code.
"""

import os
from typing import TypeVar

T = TypeVar("T")


def setting(model: str, name: str, default: T) -> T:
    """``settings.RISK_<MODEL>_<NAME>`` if Django is configured and defines it, else ``default``.

    Sequences are returned as tuples so the frozen params stay hashable.
    """
    try:
        from django.conf import settings
    except ImportError:  # the package is usable without Django
        return default
    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return default  # plain use outside Django: the papers' values
    value = getattr(settings, f"RISK_{model.upper()}_{name.upper()}", default)
    if isinstance(value, list):
        value = tuple(value)
    return value
