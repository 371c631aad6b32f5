"""Donation codes and trusted-source tokens: making them, and the only form in which they are kept.

A donation code is read over the phone and typed on a phone: 10 characters
of an alphabet without look-alikes (no O/0, I/L/1, U/V), shown as
`ABCD-EFGH-JK`. 30¹⁰ ≈ 5.9 x 10¹⁴ codes (49 bits): guessing one of a
thousand live codes online takes ~10¹¹ attempts. Offline, from a copy of
the database, a plain SHA-256 of only 49 bits could be searched in hours,
so codes are kept as an HMAC keyed with the portal's SECRET_KEY (which the
database does not hold). Trusted-source tokens have 256 bits and are kept as
a plain SHA-256, like the ingestion tokens (ingestion/services.py).
"""

import hashlib
import secrets

from django.utils.crypto import salted_hmac

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no I, L, O, U, 0, 1
CODE_LENGTH = 10
TOKEN_PREFIX = "pxz_"


def code_generate() -> str:
    """A fresh code, grouped for reading: ABCD-EFGH-JK."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def code_normalise(code: str) -> str | None:
    """What the person typed, without grouping, spaces or case; None if it cannot be a code."""
    raw = "".join(code.split()).replace("-", "").upper()
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return raw


def code_hash(normalised: str) -> str:
    return salted_hmac("zones.donation-code", normalised, algorithm="sha256").hexdigest()


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
