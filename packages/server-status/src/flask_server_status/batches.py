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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .aggregate import (
    HISTOGRAM_START,
    BucketKey,
    ErrorInfo,
    Packed,
    PendingBuffer,
    pack,
    requests_of,
    unpack,
)
from .clock import isoformat
from .latency import SLOTS


@dataclass
class Batch:
    """Counts of some ``(rule, minute)`` buckets, applied at most once as a whole."""

    id: str
    created_at: datetime
    buckets: dict[BucketKey, Packed]
    errors: dict[str, ErrorInfo] = field(default_factory=dict)

    @classmethod
    def new(
        cls, created_at: datetime, buckets: dict[BucketKey, Packed], errors: dict[str, ErrorInfo]
    ) -> Batch:
        return cls(str(uuid.uuid4()), created_at, buckets, errors)

    @property
    def requests(self) -> int:
        return sum(requests_of(packed) for packed in self.buckets.values())

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (see :meth:`from_json`).

        Each bucket is ``[rule, minute, counters, [[slot, count], ...]]``: the
        counters in COUNTER_COLUMNS order, then the non-empty histogram slots.
        """
        buckets = []
        for (rule, minute), packed in self.buckets.items():
            totals, histogram = unpack(packed)
            buckets.append([rule, minute, totals, list(histogram.items())])
        return {
            "id": self.id,
            "created_at": isoformat(self.created_at),
            "buckets": buckets,
            "errors": {rule: list(error) for rule, error in self.errors.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Batch:
        """The batch :meth:`to_json` wrote; raises ``KeyError``/``ValueError``/``TypeError``.

        Also reads the dense form earlier versions wrote (``[rule, minute,
        counter list]``, histogram slots included), so a spool left behind by
        one is replayed after an upgrade.
        """
        return cls(
            str(data["id"]),
            datetime.strptime(str(data["created_at"]), "%Y-%m-%dT%H:%M:%SZ"),
            {(str(bucket[0]), int(bucket[1])): _packed(bucket[2:]) for bucket in data["buckets"]},
            {
                str(rule): (str(kind), str(message))
                for rule, (kind, message) in data["errors"].items()
            },
        )


def _packed(counts: Sequence[Any]) -> Packed:
    """A bucket's counts as :meth:`Batch.to_json` (or an earlier version) wrote them."""
    if len(counts) == 1:  # the dense counter list of earlier versions
        (dense,) = counts
        totals, histogram = dense[:HISTOGRAM_START], dict(enumerate(dense[HISTOGRAM_START:]))
    else:
        totals, pairs = counts
        histogram = {int(slot): int(count) for slot, count in pairs}
    if len(totals) != HISTOGRAM_START or not all(0 <= slot < SLOTS for slot in histogram):
        raise ValueError(f"not the counts of one bucket: {counts!r}")
    return pack(totals, histogram)


def merged(batches: Iterable[Batch]) -> tuple[dict[BucketKey, Packed], dict[str, ErrorInfo]]:
    """The buckets and errors of several batches added together (later errors win)."""
    total = PendingBuffer(sys.maxsize)
    for batch in batches:
        total.merge(batch.buckets, batch.errors)
    return total.buckets, total.errors
