"""Who is authorized: a bearer token compared in constant time, or a user callback."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from flask import Request

logger = logging.getLogger(__name__)


def bearer_token(header_value: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``.

    The scheme is matched without regard to case (RFC 7235); an empty token
    is no token.
    """
    if not header_value:
        return None
    scheme, _, credentials = header_value.partition(" ")
    token = credentials.strip()
    return token if scheme.lower() == "bearer" and token else None


class Authorizer:
    """Decides whether a request may see what ``when_authorized`` protects."""

    def __init__(
        self, token: str | None = None, callback: Callable[[Request], bool] | None = None
    ) -> None:
        self._token = token.encode() if token else None
        self._callback = callback

    def __call__(self, request: Request) -> bool:
        if self._token is not None:
            token = bearer_token(request.headers.get("Authorization"))
            if token is not None and hmac.compare_digest(token.encode(), self._token):
                return True
        if self._callback is None:
            return False
        try:
            return bool(self._callback(request))
        except Exception:  # a broken callback must not break health answers
            logger.exception("the authorize callback raised; treating the request as unauthorized")
            return False
