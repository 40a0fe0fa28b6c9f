"""The result of a health check: a status plus optional details."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_management_endpoints.health.status import Status


@dataclass(frozen=True)
class Health:
    """What a check reports: a :class:`Status` and JSON-serialisable ``details``.

    A check (a zero-argument callable) may return a ``Health``, a ``bool``
    (``True`` is UP, ``False`` is DOWN) or raise, which counts as DOWN with
    the error's type and message in the details.

    >>> Health(Status.UP, {"free": 1024})
    >>> Health.down(error="connection refused")
    """

    status: Status
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Accept a plain code ("UP") as well and validate it.
        object.__setattr__(self, "status", Status(self.status))

    @classmethod
    def up(cls, **details: Any) -> Health:
        return cls(Status.UP, details)

    @classmethod
    def down(cls, **details: Any) -> Health:
        return cls(Status.DOWN, details)

    @classmethod
    def out_of_service(cls, **details: Any) -> Health:
        return cls(Status.OUT_OF_SERVICE, details)

    @classmethod
    def unknown(cls, **details: Any) -> Health:
        return cls(Status.UNKNOWN, details)

    @classmethod
    def from_exception(cls, error: BaseException) -> Health:
        """DOWN, with the error's type and message as details."""
        return cls(Status.DOWN, {"error": f"{type(error).__name__}: {error}"})

    @classmethod
    def of(cls, value: object) -> Health:
        """Normalise what a check returned: a ``Health`` or a ``bool``."""
        if isinstance(value, Health):
            return value
        if isinstance(value, bool):
            return cls(Status.UP if value else Status.DOWN)
        raise TypeError(f"a check must return Health or bool, not {type(value).__name__}")
