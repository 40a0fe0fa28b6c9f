"""In-memory counters between two flushes, and the bounded buffer behind them.

:class:`Aggregate` is what the request hook writes to: one counter list per
``(rule, minute)``, updated under a lock held only for the increments: the
counters of :data:`~.models.COUNTER_COLUMNS`, then one count per latency
histogram slot (:mod:`.latency`, dense: a list index is cheaper on the
request path than a dict, and the flush stores only the non-empty slots).
:class:`PendingBuffer` is what the flush thread owns: drained aggregates
merged together until the database accepts them, capped at a number of
``(rule, minute)`` buckets so a long database outage cannot grow memory
without bound. Samples that do not fit are counted in ``dropped``.
"""

from __future__ import annotations

import threading

from .latency import SLOTS, slot_of
from .models import COUNTER_COLUMNS

#: Positions in a counter list (same order as models.COUNTER_COLUMNS).
REQUESTS, SUCCESSES, FAILURES, CLIENT_ERRORS, LATENCY_SUM = range(5)
#: Position of histogram slot 0; slot ``s`` is at ``HISTOGRAM_START + s``.
HISTOGRAM_START = len(COUNTER_COLUMNS)
COUNTER_COUNT = HISTOGRAM_START + SLOTS

#: ``(rule, minute)`` where minute is ``int(unix_time) // 60``.
BucketKey = tuple[str, int]
Counters = list[float]
#: Type name and message of the last unhandled exception seen per rule.
ErrorInfo = tuple[str, str]


class Aggregate:
    """Counters written by request threads and drained by the flush thread."""

    __slots__ = ("_buckets", "_errors", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[BucketKey, Counters] = {}
        self._errors: dict[str, ErrorInfo] = {}

    def add(self, rule: str, minute: int, outcome: int, latency_ms: float) -> None:
        """Count one request. ``outcome`` is SUCCESSES, FAILURES or CLIENT_ERRORS."""
        slot = HISTOGRAM_START + slot_of(latency_ms)
        key = (rule, minute)
        with self._lock:
            counters = self._buckets.get(key)
            if counters is None:
                counters = self._buckets[key] = [0] * COUNTER_COUNT
            counters[REQUESTS] += 1
            counters[outcome] += 1
            counters[LATENCY_SUM] += latency_ms
            counters[slot] += 1

    def note_error(self, rule: str, error: ErrorInfo) -> None:
        """Remember the last unhandled exception behind a failure of ``rule``."""
        with self._lock:
            self._errors[rule] = error

    def drain(self) -> tuple[dict[BucketKey, Counters], dict[str, ErrorInfo]]:
        """Take everything counted so far and start from zero."""
        with self._lock:
            buckets, self._buckets = self._buckets, {}
            errors, self._errors = self._errors, {}
        return buckets, errors

    def reset_after_fork(self) -> None:
        """Forget the parent's counts (the parent flushes them) and its lock state."""
        self._lock = threading.Lock()
        self._buckets = {}
        self._errors = {}


class PendingBuffer:
    """Counts waiting for the database, bounded to ``max_buckets`` keys."""

    def __init__(self, max_buckets: int) -> None:
        self.max_buckets = max_buckets
        self.buckets: dict[BucketKey, Counters] = {}
        self.errors: dict[str, ErrorInfo] = {}
        #: Requests that could not be kept since the process started.
        self.dropped = 0

    def merge(
        self, buckets: dict[BucketKey, Counters], errors: dict[str, ErrorInfo], *, held: int = 0
    ) -> int:
        """Add drained counts; returns how many requests had to be dropped now.

        ``held`` buckets kept elsewhere (unconfirmed flush batches) count
        against the bound too.
        """
        dropped = 0
        for key, counters in buckets.items():
            kept = self.buckets.get(key)
            if kept is None:
                if len(self.buckets) + held >= self.max_buckets:
                    dropped += int(counters[REQUESTS])
                    continue
                self.buckets[key] = list(counters)
            else:
                for index, value in enumerate(counters):
                    kept[index] += value
        self.errors.update(errors)
        self.dropped += dropped
        return dropped

    def clear(self) -> None:
        self.buckets = {}
        self.errors = {}

    def __len__(self) -> int:
        return len(self.buckets)
