"""A component's numbers are the request-weighted sums of its member routes'."""

from __future__ import annotations

import random

from flask_server_status.components import Component
from flask_server_status.latency import index_of, percentile
from flask_server_status.reports.component_stats import component_windows, pooled
from flask_server_status.reports.statistics import WINDOWS, Counts, RouteStats, uptime_percent


def _random_requests(rng: random.Random, count: int) -> list[tuple[bool, bool, float]]:
    """``(failed, client_error, latency_ms)`` of ``count`` requests."""
    return [
        (rng.random() < 0.1, rng.random() < 0.05, rng.lognormvariate(3, 1)) for _ in range(count)
    ]


def _counts(requests: list[tuple[bool, bool, float]]) -> Counts:
    histogram: dict[int, int] = {}
    for _, _, latency in requests:
        histogram[index_of(latency)] = histogram.get(index_of(latency), 0) + 1
    return Counts(
        len(requests),
        sum(failed for failed, _, _ in requests),
        sum(client for _, client, _ in requests),
        histogram,
    )


def test_component_equals_a_recount_of_every_member_request() -> None:
    rng = random.Random(16)
    traffic = {
        route_id: {window: _random_requests(rng, rng.randrange(0, 400)) for window in WINDOWS}
        for route_id in (1, 2, 3, 4)
    }
    stats = {
        route_id: RouteStats(windows={w: _counts(reqs) for w, reqs in windows.items()})
        for route_id, windows in traffic.items()
    }
    component = Component("shop", "Shop", "", None, (1, 3, 4, 99))

    found = component_windows(component, stats)

    for window in WINDOWS:
        every = [request for route_id in (1, 3, 4) for request in traffic[route_id][window]]
        recount = _counts(every)
        assert found[window].requests == len(every)
        assert found[window].failures == recount.failures
        assert found[window].client_errors == recount.client_errors
        assert found[window].histogram == recount.histogram
        assert found[window].uptime == uptime_percent(len(every), recount.failures)
        assert percentile(found[window].histogram, 95) == percentile(recount.histogram, 95)


def test_uptime_is_weighted_by_requests_not_averaged() -> None:
    busy = Counts(requests=1000, failures=0)
    quiet = Counts(requests=10, failures=10)

    total = pooled([busy, quiet])

    # 1000 of 1010 requests answered; the mean of 100 % and 0 % would say 50 %.
    assert total.uptime == 99.0099


def test_a_component_without_routes_has_no_traffic() -> None:
    found = component_windows(Component("new", "New", "", None, ()), {})

    assert all(counts.requests == 0 and counts.uptime is None for counts in found.values())
