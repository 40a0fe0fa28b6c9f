"""Reported p50/p95/p99 are within 4 % of the exact percentiles of the latencies served:
the bound the latency module promises (``latency.RELATIVE_ACCURACY``).

Known latencies (0.2 ms to 30 s, several distributions, a seeded RNG) go
through the real write path: the capture aggregate, a flush batch, the flush
transaction (``store.write_flush``) into minute, hourly and
daily rows, then the reports. The exact value is the nearest-rank percentile
of the replayed samples. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask

from flask_server_status import get_state, reports
from flask_server_status.aggregate import SUCCESSES, Aggregate
from flask_server_status.batches import Batch
from flask_server_status.clock import minute_of
from flask_server_status.latency import PERCENTILES, RELATIVE_ACCURACY
from flask_server_status.routes import RouteInfo
from flask_server_status.store import write_flush
from tests.server_status.exact import nearest_rank
from tests.server_status.summary_view import by_rule, days_of, route_component

NOW = datetime(2026, 11, 21, 15, 37, 20)
SAMPLES = 3000
#: The replay spans 30 hours: minute rows, hourly rows and two history days are all read.
SPAN_SECONDS = 30 * 3600
#: The promised relative error (the histogram's bound holds exactly; answers then
#: round to 4 significant digits, see ``round_ms``, which :func:`assert_close` allows).
GOAL = RELATIVE_ACCURACY


def _bimodal(rng: random.Random) -> float:
    # Mostly fast, one in eight slow (a cache miss): p50 and p95/p99 in different modes.
    return rng.uniform(0.2, 3.0) if rng.random() < 7 / 8 else rng.uniform(800.0, 30_000.0)


DISTRIBUTIONS: dict[str, Callable[[random.Random], float]] = {
    "/uniform": lambda rng: rng.uniform(0.2, 30_000.0),
    "/log-uniform": lambda rng: math.exp(rng.uniform(math.log(0.2), math.log(30_000.0))),
    "/lognormal": lambda rng: min(30_000.0, max(0.2, rng.lognormvariate(math.log(40.0), 1.2))),
    "/bimodal": _bimodal,
    "/constant-fast": lambda _rng: 0.2,
    "/constant-one": lambda _rng: 1.0,
    "/constant-slow": lambda _rng: 30_000.0,
}


def replay(app: Flask) -> dict[str, list[tuple[datetime, float]]]:
    """Record every distribution's samples and flush them; returns what was replayed."""
    rng = random.Random(20261121)
    aggregate = Aggregate()
    replayed: dict[str, list[tuple[datetime, float]]] = {}
    for rule, draw in DISTRIBUTIONS.items():
        samples = replayed[rule] = []
        for _ in range(SAMPLES):
            at = NOW - timedelta(seconds=rng.uniform(0, SPAN_SECONDS))
            latency_ms = draw(rng)
            samples.append((at, latency_ms))
            aggregate.add(rule, minute_of(at), SUCCESSES, latency_ms)
    flush(app, aggregate, {rule: RouteInfo(rule.strip("/"), rule, "") for rule in DISTRIBUTIONS})
    return replayed


def flush(app: Flask, aggregate: Aggregate, routes: dict[str, RouteInfo]) -> None:
    """What the flush thread does with the aggregate: one batch, one flush transaction."""
    state = get_state(app)
    batch = Batch.new(NOW, *aggregate.drain())
    write_flush(state.engine, [batch], routes, NOW, state.settings, heartbeat=None, prune=False)


def assert_close(reported: float | None, exact: float, what: str) -> None:
    """Within 4 % of ``exact``, give or take half a unit of the answer's 4th digit."""
    assert reported is not None, what
    rounding = 0.5 * 10 ** (math.floor(math.log10(reported)) - 3)
    assert abs(reported - exact) <= GOAL * exact + rounding, f"{what}: {reported} vs {exact}"


def test_replayed_latencies_report_percentiles_within_4_percent(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    state = get_state(app)
    replayed = replay(app)
    first_minute = NOW.replace(second=0) - timedelta(minutes=24 * 60 - 1)
    summary = reports.summary(state.engine, state.settings, days=2, now=NOW)
    for rule, samples in replayed.items():
        route = route_component(app, summary, rule)
        last_day = [ms for at, ms in samples if at.replace(second=0) >= first_minute]
        assert route["requests_24h"] == len(last_day)
        for name, percent in PERCENTILES.items():
            assert_close(
                route["latency_ms"][name], nearest_rank(last_day, percent), f"{rule} {name}"
            )
        for entry in days_of(summary, route):
            day = [ms for at, ms in samples if at.date().isoformat() == entry["date"]]
            assert entry["requests"] == len(day)
            for key, percent in (
                ("latency_p50_ms", 50),
                ("latency_p95_ms", 95),
                ("latency_p99_ms", 99),
            ):
                assert_close(
                    entry[key], nearest_rank(day, percent), f"{rule} {entry['date']} {key}"
                )


def test_a_route_answering_in_about_1_ms_reports_a_p50_near_1_ms(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()

    @app.route("/one-ms")
    def one_ms() -> str:
        time.sleep(0.001)
        return "done"

    client = app.test_client()
    durations = []
    for _ in range(200):
        started = time.perf_counter()
        client.get("/one-ms")
        durations.append((time.perf_counter() - started) * 1000)
    state = get_state(app)
    assert state.flush()
    route = by_rule(app, reports.route_list(state.engine, state.settings)["routes"])["/one-ms"]
    p50 = route["latency_ms"]["p50"]
    # Every request sleeps at least 1 ms, and the server-side latency the
    # histogram holds is shorter than the client's whole call around it (about
    # 1.3 ms on an idle machine, where the fixed-bound histogram said 2.5 ms; a
    # busy one stretches both, so no fixed figure is asserted).
    assert p50 >= 1.0 * (1 - GOAL)
    assert p50 <= nearest_rank(durations, 50) * (1 + GOAL)


@pytest.mark.parametrize("latency_ms", [0.9, 1.0, 1.1])
def test_recorded_latencies_around_1_ms_report_p50_within_4_percent(
    make_app: Callable[..., Flask], latency_ms: float
) -> None:
    app = make_app()
    state = get_state(app)
    rng = random.Random(1)
    aggregate = Aggregate()
    samples = [latency_ms * rng.uniform(0.98, 1.02) for _ in range(500)]
    for sample in samples:
        aggregate.add("/", minute_of(NOW), SUCCESSES, sample)
    flush(app, aggregate, {"/": RouteInfo("Home", "/", "")})
    route = by_rule(app, reports.route_list(state.engine, state.settings, now=NOW)["routes"])["/"]
    assert_close(route["latency_ms"]["p50"], nearest_rank(samples, 50), "p50")
