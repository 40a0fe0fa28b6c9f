"""History as processes running at chosen times would have written it.

``run_process(state, start, end, {rule: requests per hour})`` writes, through
the real flush transaction (``store.write_flush``), the counts of one process
alive from ``start`` to ``end`` and its heartbeat for every minute of that
span: the instance and coverage rows that tell "no traffic" from "no data".
With ``flush_every``, the process flushes at that interval, as the flush
thread does, each flush carrying the counts and heartbeat of its interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_server_status.aggregate import SUCCESSES, Aggregate
from flask_server_status.batches import Batch
from flask_server_status.clock import minute_of
from flask_server_status.instances import Instance
from flask_server_status.state import StatusState
from flask_server_status.store import Heartbeat, write_flush


def run_process(
    state: StatusState,
    start: datetime,
    end: datetime,
    traffic: dict[str, int],
    *,
    flush_every: timedelta | None = None,
) -> None:
    """One process alive from ``start`` to ``end`` serving ``traffic`` (rule: requests per
    hour, at ``start``'s minute of every hour), flushing every ``flush_every`` (default:
    once, at ``end``)."""
    instance = Instance.current(start)
    step = flush_every or end - start
    requests_at = start
    flushed_to = start
    while flushed_to < end:
        flush_at = min(end, flushed_to + step)
        aggregate = Aggregate()
        while requests_at < flush_at:
            for rule, per_hour in traffic.items():
                for _ in range(per_hour):
                    aggregate.add(rule, minute_of(requests_at), SUCCESSES, 3.0)
            requests_at += timedelta(hours=1)
        buckets, errors = aggregate.drain()
        last = minute_of(flush_at - timedelta(minutes=1))
        write_flush(
            state.engine,
            [Batch.new(flush_at, buckets, errors)] if buckets else [],
            state.app_routes(),
            flush_at,
            state.settings,
            heartbeat=Heartbeat(instance, range(minute_of(flushed_to), last + 1)),
            prune=False,
        )
        flushed_to = flush_at
