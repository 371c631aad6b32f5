"""Reading configuration from the environment.

Every setting the operator may change is read here, so that the README's
configuration table and the code have one place to agree. A variable `X`
may also be given as `X_FILE`, the path of a file holding the value
(Docker/Kubernetes secrets), which keeps secrets out of process listings.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    """`name`'s value, from the variable or from the file `name`_FILE names (not both).

    A file that is missing, unreadable or empty is an error rather than "not set": a secret
    that silently falls back to nothing (or to the embedded default) is worse than no start.
    Errors name the variable and the file, never the value.
    """
    file_path = os.environ.get(f"{name}_FILE", "").strip()
    if file_path:
        if os.environ.get(name, "").strip():
            raise ImproperlyConfigured(f"{name} and {name}_FILE are both set: keep one")
        try:
            value = Path(file_path).read_text().strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ImproperlyConfigured(f"{name}_FILE={file_path} cannot be read: {reason}") from exc
        if not value:
            raise ImproperlyConfigured(f"{name}_FILE={file_path} is empty")
        return value
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name)
    if not raw:
        return default
    value = raw.lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_mapping(name: str, default: str = "") -> dict[str, str]:
    """`a=x,b=y` -> {"a": "x", "b": "y"}; used for the group -> role map."""
    mapping = {}
    for item in env_list(name, default):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name}: {item!r} is not of the form claim_value=role")
        mapping[key.strip()] = value.strip()
    return mapping
