"""Who sees components and details: the ``never`` / ``when_authorized`` / ``always`` policy.

The overall status is never hidden, so probes never need credentials.
Components and details are shown per policy; ``when_authorized`` asks the
:class:`Authorizer` (a bearer token compared in constant time, or a user
callback taking the request).
"""

from __future__ import annotations

import enum
import hmac
import logging
from collections.abc import Callable

from flask import Request

logger = logging.getLogger(__name__)


class Show(enum.Enum):
    NEVER = "never"
    WHEN_AUTHORIZED = "when_authorized"
    ALWAYS = "always"

    def allows(self, authorized: Callable[[], bool]) -> bool:
        if self is Show.ALWAYS:
            return True
        return self is Show.WHEN_AUTHORIZED and authorized()


class Authorizer:
    """Decides whether a request may see what ``when_authorized`` protects."""

    def __init__(
        self, token: str | None = None, callback: Callable[[Request], bool] | None = None
    ) -> None:
        self._token = token.encode() if token else None
        self._callback = callback

    def __call__(self, request: Request) -> bool:
        if self._token is not None:
            scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                credentials.strip().encode(), self._token
            ):
                return True
        if self._callback is None:
            return False
        try:
            return bool(self._callback(request))
        except Exception:  # a broken callback must not break health answers
            logger.exception("the authorize callback raised; treating the request as unauthorized")
            return False
