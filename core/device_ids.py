"""How a typed or scanned Device ID is matched to a device: one rule for the whole portal.

A scanner adds a line break, a hand types lower case: `p-0300`, ` P-0300 `
and `P-0300` are the same device. Surrounding whitespace is dropped and the
comparison ignores case; nothing else is forgiven (a different ID never
matches). When two stored IDs differ only by case (an import kept both), the
exactly typed one wins and a typing that fits both is refused as ambiguous.
"""

import re
from collections.abc import Iterable

# What a Device ID may look like (assets.models.Device.device_id). Anything else
# matches nothing: the dotless i upper-cases to "I", and it is not a typing of "I".
SHAPE = re.compile(r"[A-Za-z0-9-]{1,32}")


def clean_device_id(typed: str) -> str:
    """The typed ID without the whitespace around it (a scanner's line break, a space)."""
    return typed.strip()


def device_id_key(device_id: str) -> str | None:
    """What two IDs must share to be the same device; None for what is no Device ID."""
    cleaned = clean_device_id(device_id)
    return cleaned.upper() if SHAPE.fullmatch(cleaned) else None


def pick_device_id(candidates: Iterable[str], typed: str) -> str | tuple[str, ...] | None:
    """Among the stored IDs that match `typed` ignoring case, the one meant.

    The stored ID itself, None when none matches, or the tied candidates
    (a tuple) when the typing fits several and none exactly.
    """
    cleaned, key = clean_device_id(typed), device_id_key(typed)
    if key is None:
        return None
    matching = sorted(c for c in candidates if device_id_key(c) == key)
    if cleaned in matching:
        return cleaned
    if len(matching) > 1:
        return tuple(matching)
    return matching[0] if matching else None
