"""Bearer tokens: the one place an ``Authorization`` value is parsed.

The admin API's secret may be configured with or without its ``Bearer ``
prefix (:func:`configured_token`); requests carry it as
``Authorization: Bearer <token>`` (:func:`bearer_token`), compared in
constant time on UTF-8 bytes (:func:`token_matches`).
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
    return hmac.compare_digest(token.encode("utf-8", "replace"), secret.encode("utf-8", "replace"))
