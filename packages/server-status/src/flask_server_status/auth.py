"""Bearer tokens: the one place an ``Authorization`` value is parsed.

The admin API's secret may be configured with or without its ``Bearer ``
prefix (:func:`configured_token`); requests carry it as
``Authorization: Bearer <token>`` (:func:`bearer_token`), compared in
constant time on the bytes the client sent against the secret's UTF-8 bytes
(:func:`token_matches`).
"""

from __future__ import annotations

import hmac


def bearer_token(header_value: str | None) -> str | None:
    """The token of a ``Bearer <token>`` value (scheme case-insensitive), else ``None``.

    ``None`` also for a bearer value without a token.
    """
    if header_value is None:
        return None
    scheme, _, token = header_value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def configured_token(value: str) -> str | None:
    """A configured secret as its bare token: ``"Bearer abc"`` and ``"abc"`` are ``"abc"``.

    ``None`` when nothing is left (empty, or a bare ``Bearer`` with the token forgotten).
    """
    token = bearer_token(value)
    if token is not None:
        return token
    bare = value.strip()
    return None if bare.lower() == "bearer" else bare or None


def token_matches(header_value: str | None, secret: str | None) -> bool:
    """Whether an ``Authorization`` value carries ``secret`` as its bearer token."""
    token = bearer_token(header_value)
    if secret is None or token is None:
        return False
    return hmac.compare_digest(_header_bytes(token), secret.encode("utf-8"))


def _header_bytes(value: str) -> bytes:
    """The bytes the client sent: WSGI hands header values over decoded as Latin-1,
    so a UTF-8 client's non-ASCII token is recovered by encoding back to Latin-1."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        # Not from a WSGI server (a str built in-process): already real text.
        return value.encode("utf-8", "replace")
