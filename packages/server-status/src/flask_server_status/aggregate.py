"""In-memory counters between two flushes, and the bounded buffer behind them.

:class:`Aggregate` is what the request hook writes to: one counter list per
``(rule, minute)``, updated under a lock held only for the increments: the
counters of :data:`~.models.COUNTER_COLUMNS`, then one count per latency
histogram slot (:mod:`.latency`, dense: a list index is cheaper on the
request path than a dict). :meth:`Aggregate.drain` hands each bucket on
packed (:func:`pack`): the counters and only the non-empty histogram slots in
one ``bytes`` object, about 110 bytes for a bucket of 20 slots against about
1.4 KB for the dense list, so what waits for the database stays small.
:class:`PendingBuffer` is what the flush thread owns: drained aggregates
merged together until the database accepts them, capped at a number of
``(rule, minute)`` buckets so a long database outage cannot grow memory
without bound. Samples that do not fit are counted in ``dropped``.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Mapping, Sequence

from .latency import SLOTS, slot_of
from .models import COUNTER_COLUMNS

#: Positions in a counter list (same order as models.COUNTER_COLUMNS).
REQUESTS, SUCCESSES, FAILURES, CLIENT_ERRORS, LATENCY_SUM = range(5)
#: Position of histogram slot 0; slot ``s`` is at ``HISTOGRAM_START + s``.
HISTOGRAM_START = len(COUNTER_COLUMNS)
COUNTER_COUNT = HISTOGRAM_START + SLOTS

#: ``(rule, minute)`` where minute is ``int(unix_time) // 60``.
BucketKey = tuple[str, int]
#: The aggregate's dense counter list (see the module docstring).
Counters = list[float]
#: One bucket's counts as :func:`pack` holds them.
Packed = bytes
#: A bucket's counters (COUNTER_COLUMNS order) and its ``{slot: count}`` of non-empty slots.
Unpacked = tuple[list[float], dict[int, int]]
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

    def drain(self) -> tuple[dict[BucketKey, Packed], dict[str, ErrorInfo]]:
        """Take everything counted so far, packed, and start from zero."""
        with self._lock:
            buckets, self._buckets = self._buckets, {}
            errors, self._errors = self._errors, {}
        return {key: pack_counters(counters) for key, counters in buckets.items()}, errors

    def reset_after_fork(self) -> None:
        """Forget the parent's counts (the parent flushes them) and its lock state."""
        self._lock = threading.Lock()
        self._buckets = {}
        self._errors = {}


class PendingBuffer:
    """Counts waiting for the database, bounded to ``max_buckets`` keys."""

    def __init__(self, max_buckets: int) -> None:
        self.max_buckets = max_buckets
        self.buckets: dict[BucketKey, Packed] = {}
        self.errors: dict[str, ErrorInfo] = {}
        #: Requests that could not be kept since the process started.
        self.dropped = 0

    def merge(
        self, buckets: Mapping[BucketKey, Packed], errors: dict[str, ErrorInfo], *, held: int = 0
    ) -> int:
        """Add drained counts; returns how many requests had to be dropped now.

        ``held`` buckets kept elsewhere (unconfirmed flush batches) count
        against the bound too.
        """
        dropped = 0
        for key, packed in buckets.items():
            kept = self.buckets.get(key)
            if kept is None:
                if len(self.buckets) + held >= self.max_buckets:
                    dropped += requests_of(packed)
                    continue
                self.buckets[key] = packed
            else:
                self.buckets[key] = add_packed(kept, packed)
        self.errors.update(errors)
        self.dropped += dropped
        return dropped

    def clear(self) -> None:
        self.buckets = {}
        self.errors = {}

    def __len__(self) -> int:
        return len(self.buckets)


# Packed layout, little-endian without padding: the width code (a struct format
# character, the narrowest unsigned type holding the largest count), the
# latency sum as a double, the four integer counters and the k non-empty
# slots' counts in that width, then the k slot numbers as bytes. Slots and
# counts ascend by slot, so k follows from the length.
_WIDTH_CODES = "BHIQ"
_HEADER = struct.calcsize("<cd")
_INTEGER_COUNTERS = (REQUESTS, SUCCESSES, FAILURES, CLIENT_ERRORS)
assert SLOTS <= 256, "a slot number must fit in one byte"


def pack(totals: Sequence[float], histogram: Mapping[int, int]) -> Packed:
    """One bucket's counters (COUNTER_COLUMNS order) and ``{slot: count}`` in one ``bytes``.

    Empty slots are left out; counts are stored exactly (integers up to
    ``2**64 - 1``, the latency sum as a double); :func:`unpack` gives them back.
    """
    slots = sorted(slot for slot, count in histogram.items() if count)
    integers = [int(totals[index]) for index in _INTEGER_COUNTERS]
    integers += [int(histogram[slot]) for slot in slots]
    largest = max(integers)
    code = next(c for c in _WIDTH_CODES if largest >> (8 * struct.calcsize("<" + c)) == 0)
    return struct.pack(
        f"<cd{len(integers)}{code}{len(slots)}B",
        code.encode(),
        float(totals[LATENCY_SUM]),
        *integers,
        *slots,
    )


def pack_counters(counters: Sequence[float]) -> Packed:
    """A dense counter list (the aggregate's) packed."""
    histogram = counters[HISTOGRAM_START:]
    return pack(counters, {slot: int(count) for slot, count in enumerate(histogram) if count})


def unpack(packed: Packed) -> Unpacked:
    """The counters and ``{slot: count}`` (ascending slots) of a :func:`pack` result."""
    code = chr(packed[0])
    width = struct.calcsize("<" + code)
    integers = len(_INTEGER_COUNTERS)
    slots = (len(packed) - _HEADER - integers * width) // (width + 1)
    values = struct.unpack(f"<cd{integers + slots}{code}{slots}B", packed)
    totals: list[float] = [0] * HISTOGRAM_START
    for index, value in zip(_INTEGER_COUNTERS, values[2 : 2 + integers], strict=True):
        totals[index] = value
    totals[LATENCY_SUM] = values[1]
    counts = values[2 + integers : 2 + integers + slots]
    return totals, dict(zip(values[2 + integers + slots :], counts, strict=True))


def requests_of(packed: Packed) -> int:
    """The number of requests a packed bucket counts."""
    (requests,) = struct.unpack_from("<" + chr(packed[0]), packed, _HEADER)
    return int(requests)


def add_into(total: Unpacked, packed: Packed) -> None:
    """Add a packed bucket's counts to ``total`` (in place)."""
    totals, histogram = total
    more_totals, more_histogram = unpack(packed)
    for index, value in enumerate(more_totals):
        totals[index] += value
    for slot, count in more_histogram.items():
        histogram[slot] = histogram.get(slot, 0) + count


def add_packed(first: Packed, second: Packed) -> Packed:
    """The counts of two packed buckets added together, packed."""
    total = unpack(first)
    add_into(total, second)
    return pack(*total)
