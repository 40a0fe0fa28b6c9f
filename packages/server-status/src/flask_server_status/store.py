"""The storage layer's writes: the flush transaction, the additive upsert, retention.

:func:`write_flush` is the whole transaction one flush commits: record the
process's heartbeat, claim the flush batches in the ledger (a batch applied
before is skipped: exactly once), sync the route rows, add the counts, judge
the counted routes (open, raise, refresh and resolve automatic incidents),
mark the heartbeat coverage and (when due) prune old buckets, ledger rows and
instances.

Every flush adds its per-minute deltas to the minute bucket *and* to the hour
and day buckets that contain it, in one transaction, with
``INSERT ... ON CONFLICT (route_id, bucket_start) DO UPDATE SET n = n + excluded.n``
(SQLite and PostgreSQL; ``ON DUPLICATE KEY UPDATE n = n + VALUES(n)`` on MySQL and
MariaDB). Day buckets are calendar days of the page's zone
(``SERVER_STATUS_TIMEZONE``): each minute is added to the day it falls on in
that zone, so days of 23 or 25 hours and zones offset by half or quarter
hours are exact. Hourly and daily rollups are therefore exact sums of
their minutes at all times, without a separate rollup job, and any number of
processes or hosts can flush into the same database concurrently without
losing a count. The latency histogram is added the same way, one row per
non-empty histogram bucket (``ON CONFLICT (route_id, bucket_start,
bucket_index)``) into the latency table beside each bucket table. Rows are
written in a fixed order (table, route, bucket, histogram bucket) so
concurrent PostgreSQL transactions never deadlock on each other. MySQL and MariaDB
can still pick one as a deadlock victim (InnoDB's locks on new keys): that
transaction is run again, up to :data:`DEADLOCK_ATTEMPTS` times.

Retention (see :func:`retention_bounds`): with the defaults a route keeps at
most 48 h of minute rows (2,881), 30 days of hourly rows (721) and 400 days of
daily rows (401): at most 4,003 bucket rows per route, however long it runs,
and beside each at most one latency row per histogram bucket its requests hit
(see docs/decisions/0008-latency-histogram-layout.md for typical counts).
"""

from __future__ import annotations

import contextlib
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa

from .aggregate import Packed, Unpacked, add_into, requests_of, unpack
from .automatic_incidents import FlushedRoute, update_automatic_incidents
from .batches import Batch, merged
from .clock import bucket_start, minute_start
from .config import Settings
from .instances import Instance, mark_coverage, prune_instances, touch_instance
from .latency import MIN_INDEX
from .ledger import claim, prune_ledger
from .models import BUCKET_TABLES, COUNTER_COLUMNS, LATENCY_TABLES, MYSQL_BACKENDS, upsert
from .routes import LiveRoute, RouteInfo, sync_routes

#: ``(route_id, minute)`` -> the bucket's counts packed (:func:`~.aggregate.pack`,
#: as flush batches hold them), where minute is ``int(unix_time) // 60``.
MinuteCounts = Mapping[tuple[int, int], Packed]


def add_counts(connection: sa.Connection, counts: MinuteCounts, zone: tzinfo = UTC) -> None:
    """Add minute deltas to the minute, hourly and daily buckets (one transaction).

    Daily buckets are the calendar days of ``zone``.

    Each bucket's non-empty histogram slots become latency rows.
    """
    if not counts:
        return
    for granularity, table in BUCKET_TABLES.items():
        merged: dict[tuple[int, datetime], Unpacked] = {}
        for (route_id, minute), packed in counts.items():
            key = (route_id, bucket_start(minute_start(minute), granularity, zone))
            held = merged.get(key)
            if held is None:
                merged[key] = unpack(packed)
            else:
                add_into(held, packed)
        ordered = sorted(merged.items())
        _upsert_adding(
            connection,
            table,
            ("route_id", "bucket_start"),
            [
                {
                    "route_id": route_id,
                    "bucket_start": start,
                    **dict(zip(COUNTER_COLUMNS, totals, strict=True)),
                }
                for (route_id, start), (totals, _histogram) in ordered
            ],
        )
        _upsert_adding(
            connection,
            LATENCY_TABLES[granularity],
            ("route_id", "bucket_start", "bucket_index"),
            [
                {
                    "route_id": route_id,
                    "bucket_start": start,
                    "bucket_index": MIN_INDEX + slot,
                    "requests": count,
                }
                for (route_id, start), (_totals, histogram) in ordered
                for slot, count in sorted(histogram.items())
            ],
        )


def _upsert_adding(
    connection: sa.Connection, table: sa.Table, key: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert ``rows``, adding every non-key value to the row already stored under ``key``.

    Rows come sorted by key, so concurrent transactions lock them in one order.
    """
    if not rows:
        return
    statement = upsert(
        connection,
        table,
        key,
        lambda incoming: {
            column.name: column + incoming(column.name)
            for column in table.columns
            if column.name not in key
        },
    )
    connection.execute(statement, rows)


def retention_bounds(settings: Settings) -> dict[str, int]:
    """The most rows one route can hold per bucket table after :func:`apply_retention`."""
    return {
        "minute": settings.retention_minute_hours * 60 + 1,
        "hour": settings.retention_hour_days * 24 + 1,
        "day": settings.retention_day_days + 1,
    }


def retention_cutoffs(now: datetime, settings: Settings) -> dict[str, datetime]:
    """Buckets starting before these times are deleted."""
    return {
        "minute": bucket_start(now, "minute") - timedelta(hours=settings.retention_minute_hours),
        "hour": bucket_start(now, "hour") - timedelta(days=settings.retention_hour_days),
        "day": bucket_start(now, "day", settings.timezone)
        - timedelta(days=settings.retention_day_days),
    }


def apply_retention(connection: sa.Connection, now: datetime, settings: Settings) -> int:
    """Delete buckets older than the retention settings; returns rows deleted."""
    deleted = 0
    for granularity, cutoff in retention_cutoffs(now, settings).items():
        for table in (BUCKET_TABLES[granularity], LATENCY_TABLES[granularity]):
            result = connection.execute(sa.delete(table).where(table.c.bucket_start < cutoff))
            deleted += result.rowcount
    return deleted


#: Errors that mean "the database rejects these rows", not "the database is
#: unreachable": after one, the flush is retried with every part isolated.
REJECTED_ROWS = (sa.exc.DataError, sa.exc.IntegrityError)


@dataclass(frozen=True)
class Heartbeat:
    """This process, and the minutes it has been running since its last heartbeat."""

    instance: Instance
    minutes: range


@dataclass
class FlushResult:
    """What one committed flush did."""

    #: Batches applied now (the others had been applied before).
    applied: int = 0
    #: Requests of parts the database rejected, dropped.
    dropped: int = 0
    #: The rejected parts ("route '/x'") and the database's reason.
    failed: dict[str, str] = field(default_factory=dict)


class _Parts:
    """Runs parts of a flush each in its own savepoint when isolating."""

    def __init__(self, connection: sa.Connection, result: FlushResult, *, isolate: bool) -> None:
        self.connection = connection
        self.result = result
        self.isolate = isolate

    @contextlib.contextmanager
    def part(self, name: str, requests: int) -> Iterator[None]:
        """A part that, when isolating, is rolled back alone if the database rejects it."""
        if not self.isolate:
            yield
            return
        try:
            with self.connection.begin_nested():
                yield
        except REJECTED_ROWS as error:
            self.result.failed[name] = str(error.orig).strip().splitlines()[0]
            self.result.dropped += requests


def write_flush(
    engine: sa.Engine,
    batches: Sequence[Batch],
    routes: Mapping[str, RouteInfo],
    now: datetime,
    settings: Settings,
    *,
    heartbeat: Heartbeat | None,
    prune: bool,
) -> FlushResult:
    """Apply ``batches`` (those not applied before) in one transaction at ``now``.

    Raises when the database fails; nothing is written unless the whole
    transaction commits, and batches already in the flush ledger are skipped,
    so a failed flush can be retried as is, whatever its outcome was.
    ``routes`` are the app's recorded rules (rules counted but no longer in
    the app get a row named after the rule). Counts of tombstoned routes are
    dropped. ``heartbeat`` records this process as alive; ``prune`` also
    applies retention.

    When the database rejects some rows (:data:`REJECTED_ROWS`), the flush is
    retried once with every route's sync, every route's counts and the
    incident update each in a savepoint: the rejected parts are left out and
    listed in the result, everything else is stored.
    """

    def write(isolate: bool) -> Callable[[sa.Connection], FlushResult]:
        return lambda connection: _write(
            connection, batches, routes, now, settings, heartbeat, prune, isolate
        )

    try:
        return _committed(engine, write(False))
    except REJECTED_ROWS:
        pass
    return _committed(engine, write(True))


#: MySQL's and MariaDB's error "Deadlock found when trying to get lock; try
#: restarting transaction": the server rolled the whole transaction back.
MYSQL_DEADLOCK = 1213
#: How many times one flush transaction is run when MySQL keeps choosing it as
#: a deadlock victim; after that it fails like any other, to be retried later.
#: Workers forked from one master (gunicorn --preload) stop on the same signal
#: and flush the same coverage and heartbeat keys at the same instant: five
#: short pauses were seen to end in five deadlocks on a loaded machine.
DEADLOCK_ATTEMPTS = 10
#: The longest pause before the next attempt grows by this much per attempt
#: (each pause is random below it, so colliding transactions drift apart).
DEADLOCK_PAUSE_SECONDS = 0.05


def _committed(engine: sa.Engine, write: Callable[[sa.Connection], FlushResult]) -> FlushResult:
    """Run ``write`` in one transaction and commit it; again when MySQL made it a deadlock victim.

    Concurrent ``INSERT ... ON DUPLICATE KEY UPDATE`` of the same new keys can
    deadlock in InnoDB whatever the order of the rows (each waits for the
    other's shared lock from the duplicate check). The server then rolled
    back everything, so running the transaction again is safe; a short random
    pause keeps the same transactions from colliding again.
    """
    attempt = 1
    while True:
        try:
            with _transaction(engine) as connection:
                return write(connection)
        except sa.exc.OperationalError as error:
            if attempt == DEADLOCK_ATTEMPTS or not _is_deadlock(engine, error):
                raise
        time.sleep(random.uniform(0, DEADLOCK_PAUSE_SECONDS * attempt))
        attempt += 1


def _is_deadlock(engine: sa.Engine, error: sa.exc.OperationalError) -> bool:
    code = error.orig.args[0] if error.orig is not None and error.orig.args else None
    return engine.dialect.name in MYSQL_BACKENDS and code == MYSQL_DEADLOCK


@contextlib.contextmanager
def _transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """``engine.begin()``, at READ COMMITTED on MySQL and MariaDB (as PostgreSQL's default).

    Their default, REPEATABLE READ, reads from the transaction's first
    snapshot: a flush that finds another process's new incident only by
    colliding with it would not see it, and its range locks make concurrent
    flushes deadlock more often. ``SET TRANSACTION`` sets the level of the
    next transaction only, so a host's shared engine keeps its own (and no
    extra ``COMMIT`` is sent, as SQLAlchemy's session-wide setting would).
    """
    with engine.connect() as connection:
        if engine.dialect.name in MYSQL_BACKENDS:
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        yield connection
        connection.commit()


def _write(
    connection: sa.Connection,
    batches: Sequence[Batch],
    routes: Mapping[str, RouteInfo],
    now: datetime,
    settings: Settings,
    heartbeat: Heartbeat | None,
    prune: bool,
    isolate: bool,
) -> FlushResult:
    result = FlushResult()
    parts = _Parts(connection, result, isolate=isolate)
    if heartbeat is not None:
        # First, so on SQLite this INSERT opens the transaction before any SAVEPOINT.
        touch_instance(connection, heartbeat.instance, now)
    fresh = claim(connection, [batch.id for batch in batches], now)
    result.applied = len(fresh)
    buckets, errors = merged(batch for batch in batches if batch.id in fresh)
    requests: Counter[str] = Counter()
    for (rule, _minute), packed in buckets.items():
        requests[rule] += requests_of(packed)
    infos = dict(routes)
    for rule in requests:
        infos.setdefault(rule, RouteInfo("", rule, ""))
    if isolate:
        live: dict[str, LiveRoute] = {}
        for rule in sorted(infos):
            with parts.part(f"route {rule!r}", requests[rule]):
                live.update(sync_routes(connection, {rule: infos[rule]}, now))
    else:
        live = sync_routes(connection, infos, now)
    counts: dict[tuple[int, int], Packed] = {}
    flushed: dict[int, FlushedRoute] = {}
    rules: dict[int, str] = {}
    for (rule, minute), packed in buckets.items():
        route = live.get(rule)
        if route is None:
            continue  # deleted by an admin (or rejected above): ignored
        rules[route.id] = rule
        counts[(route.id, minute)] = packed
        flushed[route.id] = FlushedRoute(route.name, rule, infos[rule].endpoint, errors.get(rule))
    if isolate:
        for route_id, rule in sorted(rules.items()):
            with parts.part(f"counts of route {rule!r}", requests[rule]):
                add_counts(
                    connection,
                    {k: v for k, v in counts.items() if k[0] == route_id},
                    settings.timezone,
                )
    else:
        add_counts(connection, counts, settings.timezone)
    with parts.part("automatic incidents", 0):
        update_automatic_incidents(connection, flushed, now, settings)
    if heartbeat is not None:
        mark_coverage(connection, heartbeat.minutes)
    if prune:
        apply_retention(connection, now, settings)
        prune_ledger(connection, now)
        prune_instances(connection, now, retention_cutoffs(now, settings)["day"])
    return result
