"""History as processes running at chosen times would have written it.

``run_process(state, start, end, {rule: requests per hour})`` writes, through
the real flush transaction (``store.write_flush``), the counts of one process
alive from ``start`` to ``end`` and its heartbeat for every minute of that
span: the instance and coverage rows that tell "no traffic" from "no data".
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
    state: StatusState, start: datetime, end: datetime, traffic: dict[str, int]
) -> None:
    """One process alive from ``start`` to ``end`` serving ``traffic`` (rule: requests per hour)."""
    instance = Instance.current(start)
    aggregate = Aggregate()
    moment = start
    while moment < end:
        for rule, per_hour in traffic.items():
            for _ in range(per_hour):
                aggregate.add(rule, minute_of(moment), SUCCESSES, 3.0)
        moment += timedelta(hours=1)
    buckets, errors = aggregate.drain()
    batch = Batch.new(end, buckets, errors)
    last = minute_of(end - timedelta(minutes=1))
    write_flush(
        state.engine,
        [batch],
        state.app_routes(),
        end,
        state.settings,
        heartbeat=Heartbeat(instance, range(minute_of(start), last + 1)),
        prune=False,
    )
