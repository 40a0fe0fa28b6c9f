"""Health status codes, their aggregation and their HTTP mapping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar


class Status(str):
    """A health status code such as ``UP`` or ``DOWN``.

    A ``str`` subclass, so it compares equal to its code and serialises to
    JSON as is. Custom codes are allowed (``Status("DEGRADED")``); give them
    a place in the aggregation order and an HTTP status in the configuration.
    """

    __slots__ = ()

    UP: ClassVar[Status]
    DOWN: ClassVar[Status]
    OUT_OF_SERVICE: ClassVar[Status]
    UNKNOWN: ClassVar[Status]

    def __new__(cls, code: str) -> Status:
        if not isinstance(code, str) or not code.strip() or code != code.strip():
            raise ValueError(f"a status code must be a non-empty string without spaces: {code!r}")
        return super().__new__(cls, code)

    @property
    def code(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"Status({str(self)!r})"


Status.UP = Status("UP")
Status.DOWN = Status("DOWN")
Status.OUT_OF_SERVICE = Status("OUT_OF_SERVICE")
Status.UNKNOWN = Status("UNKNOWN")

DEFAULT_ORDER: tuple[str, ...] = ("DOWN", "OUT_OF_SERVICE", "UP", "UNKNOWN")
DEFAULT_HTTP_MAPPING: Mapping[str, int] = {"DOWN": 503, "OUT_OF_SERVICE": 503}


class StatusAggregator:
    """Pick the most severe status, severity given by ``order`` (most severe first).

    Codes missing from ``order`` rank after every listed code. With no
    statuses at all the result is ``UP``: nothing reported a problem.
    """

    def __init__(self, order: Sequence[str] = DEFAULT_ORDER) -> None:
        self.order = tuple(order)
        self._rank = {code: index for index, code in enumerate(self.order)}

    def aggregate(self, statuses: Iterable[str]) -> Status:
        worst: str | None = None
        unlisted = len(self.order)
        for status in statuses:
            if worst is None or self._rank.get(status, unlisted) < self._rank.get(worst, unlisted):
                worst = status
        return Status.UP if worst is None else Status(worst)


class HttpStatusMapper:
    """Map a status to the HTTP status code of the answer (default 200)."""

    def __init__(self, mapping: Mapping[str, int] = DEFAULT_HTTP_MAPPING) -> None:
        self.mapping = dict(mapping)

    def status_code(self, status: str) -> int:
        return self.mapping.get(status, 200)
