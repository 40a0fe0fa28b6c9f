"""The judgement windows, read for any number of routes with two queries (three with latency).

A window of N minutes is the current minute bucket and the N - 1 before it
(``5m``, ``30m``, ``1h``, ``6h`` from minute buckets); ``3d`` is the current
hourly bucket and the 71 before it. The quiet window holds every minute
bucket that overlaps the last ``quiet_seconds``, so no failure of the quiet
period escapes it. One query sums all minute windows at once (conditional
sums), one the hourly window.

``cuts`` restarts a route's windows at a moment: buckets that started before
it are left out (the end of a maintenance window, the resolution of the
route's last automatic incident).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ... import models
from ...clock import bucket_start
from .rules import LATENCY_WINDOWS, QUIET, WINDOWS, WindowCounts

RouteWindows = dict[str, WindowCounts]

_MINUTE_WINDOWS = tuple(name for name in WINDOWS if name != "3d")


def window_starts(now: datetime, quiet_seconds: int | None) -> dict[str, datetime]:
    """The first bucket start of every window at ``now`` (quiet only when given)."""
    minute, hour = bucket_start(now, "minute"), bucket_start(now, "hour")
    starts = {name: minute - timedelta(minutes=WINDOWS[name] - 1) for name in _MINUTE_WINDOWS}
    starts["3d"] = hour - timedelta(hours=WINDOWS["3d"] // 60 - 1)
    if quiet_seconds is not None:
        starts[QUIET] = bucket_start(now - timedelta(seconds=quiet_seconds), "minute")
    return starts


def _since_cut(table: sa.Table, cuts: Mapping[int, datetime]) -> sa.ColumnElement[bool]:
    if not cuts:
        return sa.true()
    return sa.or_(
        table.c.route_id.not_in(sorted(cuts)),
        *(
            sa.and_(table.c.route_id == route_id, table.c.bucket_start >= cut)
            for route_id, cut in sorted(cuts.items())
        ),
    )


def _sum_since(table: sa.Table, column: str, start: datetime) -> sa.ColumnElement[Any]:
    return sa.func.sum(sa.case((table.c.bucket_start >= start, table.c[column]), else_=0))


def load_windows(
    conn: sa.Connection,
    route_ids: Iterable[int],
    now: datetime,
    *,
    quiet_seconds: int | None = None,
    latency: bool = False,
    cuts: Mapping[int, datetime] | None = None,
) -> dict[int, RouteWindows]:
    """Every route's window counts at ``now``: two queries (three with ``latency``),
    any number of routes.

    ``quiet_seconds`` adds the quiet window (key :data:`~.rules.QUIET`);
    ``latency`` adds latency histograms to the latency windows and the quiet one
    (a third query).
    """
    ids = sorted(set(route_ids))
    result = {route_id: {name: WindowCounts() for name in (*WINDOWS, QUIET)} for route_id in ids}
    if not ids:
        return result

    cut = cuts or {}
    starts = window_starts(now, quiet_seconds)
    minute_names = [name for name in (*_MINUTE_WINDOWS, QUIET) if name in starts]
    histogram_names = [n for n in (*LATENCY_WINDOWS, QUIET) if latency and n in starts]
    table = models.minute_buckets
    columns: list[sa.ColumnElement[Any]] = []
    for name in minute_names:
        columns += [_sum_since(table, c, starts[name]) for c in ("requests", "failures")]
    query = (
        sa.select(table.c.route_id, *columns)
        .where(
            table.c.route_id.in_(ids),
            table.c.bucket_start >= min(starts[name] for name in minute_names),
            _since_cut(table, cut),
        )
        .group_by(table.c.route_id)
    )
    for route_id, *sums in conn.execute(query):
        values = [int(value or 0) for value in sums]
        windows = result[route_id]
        for index, name in enumerate(minute_names):
            windows[name] = WindowCounts(values[2 * index], values[2 * index + 1])
    if histogram_names:
        _load_histograms(conn, result, ids, {n: starts[n] for n in histogram_names}, cut)

    hourly = models.hourly_buckets
    long_query = (
        sa.select(hourly.c.route_id, sa.func.sum(hourly.c.requests), sa.func.sum(hourly.c.failures))
        .where(
            hourly.c.route_id.in_(ids),
            hourly.c.bucket_start >= starts["3d"],
            _since_cut(hourly, cut),
        )
        .group_by(hourly.c.route_id)
    )
    for route_id, requests, failures in conn.execute(long_query):
        result[route_id]["3d"] = WindowCounts(int(requests or 0), int(failures or 0))
    return result


def _load_histograms(
    conn: sa.Connection,
    result: dict[int, RouteWindows],
    ids: list[int],
    starts: Mapping[str, datetime],
    cuts: Mapping[int, datetime],
) -> None:
    """Fill the latency histograms of the ``starts`` windows: one query."""
    table = models.LATENCY_TABLES["minute"]
    names = list(starts)
    query = (
        sa.select(
            table.c.route_id,
            table.c.bucket_index,
            *(_sum_since(table, "requests", starts[name]) for name in names),
        )
        .where(
            table.c.route_id.in_(ids),
            table.c.bucket_start >= min(starts.values()),
            _since_cut(table, cuts),
        )
        .group_by(table.c.route_id, table.c.bucket_index)
    )
    for route_id, index, *sums in conn.execute(query):
        for name, requests in zip(names, sums, strict=True):
            if requests:
                result[route_id][name].histogram[index] = int(requests)
