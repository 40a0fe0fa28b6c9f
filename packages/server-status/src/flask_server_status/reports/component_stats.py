"""A component's traffic: the request-weighted sum of its member routes'.

Counts add; uptime is computed from the summed counts (never averaged);
latency percentiles are read from the summed histograms, so a component's
p95 is the p95 of all its requests. Routes without statistics add nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..components import Component
from .statistics import WINDOWS, Counts, RouteStats


def pooled(parts: Iterable[Counts]) -> Counts:
    """The sum of ``parts``: counters and histograms added bucket by bucket."""
    total = Counts()
    for part in parts:
        total.add(part)
    return total


def component_windows(component: Component, stats: Mapping[int, RouteStats]) -> dict[str, Counts]:
    """``{window: Counts}`` of ``component``: its routes' windows pooled."""
    members = [stats[route_id] for route_id in component.route_ids if route_id in stats]
    return {window: pooled(s.windows[window] for s in members) for window in WINDOWS}
