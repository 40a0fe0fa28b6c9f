"""Flush batches: what one flush attempt writes, under an id it keeps until confirmed.

Once a batch has been sent to the database its contents never change: a
retry after an unknown outcome (the connection died around ``COMMIT``)
sends the same batch under the same id, and the flush ledger
(:mod:`.ledger`) tells the database whether it was already applied. Counts
arriving meanwhile go into a new batch.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .aggregate import REQUESTS, BucketKey, Counters, ErrorInfo, PendingBuffer
from .clock import isoformat


@dataclass
class Batch:
    """Counts of some ``(rule, minute)`` buckets, applied at most once as a whole."""

    id: str
    created_at: datetime
    buckets: dict[BucketKey, Counters]
    errors: dict[str, ErrorInfo] = field(default_factory=dict)

    @classmethod
    def new(
        cls, created_at: datetime, buckets: dict[BucketKey, Counters], errors: dict[str, ErrorInfo]
    ) -> Batch:
        return cls(str(uuid.uuid4()), created_at, buckets, errors)

    @property
    def requests(self) -> int:
        return sum(int(counters[REQUESTS]) for counters in self.buckets.values())

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (see :meth:`from_json`)."""
        return {
            "id": self.id,
            "created_at": isoformat(self.created_at),
            "buckets": [
                [rule, minute, counters] for (rule, minute), counters in self.buckets.items()
            ],
            "errors": {rule: list(error) for rule, error in self.errors.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Batch:
        """The batch :meth:`to_json` wrote; raises ``KeyError``/``ValueError``/``TypeError``."""
        return cls(
            str(data["id"]),
            datetime.strptime(str(data["created_at"]), "%Y-%m-%dT%H:%M:%SZ"),
            {
                (str(rule), int(minute)): list(counters)
                for rule, minute, counters in data["buckets"]
            },
            {
                str(rule): (str(kind), str(message))
                for rule, (kind, message) in data["errors"].items()
            },
        )


def merged(batches: Iterable[Batch]) -> tuple[dict[BucketKey, Counters], dict[str, ErrorInfo]]:
    """The buckets and errors of several batches added together (later errors win)."""
    total = PendingBuffer(sys.maxsize)
    for batch in batches:
        total.merge(batch.buckets, batch.errors)
    return total.buckets, total.errors
