"""The latency histogram: geometric buckets with a bounded relative error.

Bucket ``i`` holds the latencies ``x`` (milliseconds) with
``GAMMA**(i - 1) < x <= GAMMA**i``, where ``GAMMA = (1 + a) / (1 - a)`` and
``a`` is :data:`RELATIVE_ACCURACY`: the index is ``ceil(log(x) / log(GAMMA))``,
computed in constant time. Every latency in a bucket is within ``a`` of the
bucket's :func:`representative` value ``2 * GAMMA**i / (GAMMA + 1)`` (the
scheme of DDSketch, Masson et al., VLDB 2019), so a percentile read from the
histogram is within ``a`` of the exact nearest-rank percentile of the
latencies counted, whatever their distribution.

Latencies below :data:`MIN_MS` are counted in the first bucket and latencies
above :data:`MAX_MS` in the last one (clamped): a percentile that falls there
reads about 0.1 ms or about 60 s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from math import ceil, log

#: Largest relative error of a percentile (0.04: within 4 %).
RELATIVE_ACCURACY = 0.04
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
#: The range measured with the bounded error; anything outside is clamped into it.
MIN_MS = 0.1
MAX_MS = 60_000.0

_INVERSE_LOG_GAMMA = 1 / math.log(GAMMA)
#: Index of the first and of the last bucket.
MIN_INDEX = math.ceil(math.log(MIN_MS) * _INVERSE_LOG_GAMMA)
MAX_INDEX = math.ceil(math.log(MAX_MS) * _INVERSE_LOG_GAMMA)
#: Number of buckets; bucket ``i`` is slot ``i - MIN_INDEX`` of a dense histogram list.
SLOTS = MAX_INDEX - MIN_INDEX + 1

#: Upper bound (inclusive, ms) of every bucket, slot by slot (``GAMMA**i``).
UPPER_BOUNDS_MS: tuple[float, ...] = tuple(GAMMA**i for i in range(MIN_INDEX, MAX_INDEX + 1))

#: The percentiles the reports give: name -> percent (integers keep ranks exact).
PERCENTILES: dict[str, int] = {"p50": 50, "p95": 95, "p99": 99}


def slot_of(latency_ms: float) -> int:
    """The slot (``index - MIN_INDEX``) of a latency, clamped to the measured range."""
    if latency_ms < MIN_MS:
        return 0
    if latency_ms > MAX_MS:
        return SLOTS - 1
    # Neither end of the range is near a bucket bound, so rounding cannot leave it.
    return ceil(log(latency_ms) * _INVERSE_LOG_GAMMA) - MIN_INDEX


def index_of(latency_ms: float) -> int:
    """The bucket index of a latency (``MIN_INDEX`` to ``MAX_INDEX``)."""
    return slot_of(latency_ms) + MIN_INDEX


def representative(index: int) -> float:
    """The value (ms) a bucket stands for: within ``RELATIVE_ACCURACY`` of all it holds."""
    return 2 * GAMMA**index / (GAMMA + 1)


def rank_reached(seen: int, total: int, percent: int) -> bool:
    """Whether the nearest-rank ``percent`` percentile is among the first ``seen`` of ``total``.

    That percentile is the value of rank ``ceil(percent / 100 * total)``; in
    integers, ``seen >= rank`` is ``100 * seen >= percent * total``.
    """
    return 100 * seen >= percent * total


def percentile(histogram: Mapping[int, int], percent: int) -> float | None:
    """The nearest-rank ``percent`` percentile (ms) of ``{bucket index: count}``.

    ``None`` for an empty histogram. The answer is the representative value of
    the bucket holding that rank, within ``RELATIVE_ACCURACY`` of the exact one.
    """
    total = sum(histogram.values())
    if total <= 0:
        return None
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if rank_reached(seen, total, percent):
            return representative(index)
    raise AssertionError("unreachable: the last bucket reaches every rank")
