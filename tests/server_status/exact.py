"""The exact figures the reports approximate, computed the slow, obvious way."""

from __future__ import annotations

import math
from collections.abc import Sequence


def nearest_rank(latencies: Sequence[float], percent: int) -> float:
    """The exact nearest-rank percentile: the value of rank ceil(percent / 100 * n)."""
    ordered = sorted(latencies)
    return ordered[max(0, math.ceil(percent * len(ordered) / 100) - 1)]
