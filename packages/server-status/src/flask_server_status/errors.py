"""The domain errors: why a write to the status database was refused.

Every write in :mod:`.routes`, :mod:`.incidents` and :mod:`.maintenance`
raises a :class:`StatusError` subclass whose message is the reason in words an
API client can act on; the web layer maps each subclass to one HTTP status
(``web/errors.py``) and nothing else.
"""

from __future__ import annotations


class StatusError(Exception):
    """A write was refused; ``reason`` (the message) says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFoundError(StatusError, LookupError):
    """The route, incident or maintenance window named does not exist."""


class InvalidInputError(StatusError, ValueError):
    """The values are well-formed but not allowed (unknown route ids, an empty window)."""
