"""The read side: what the status page and the public API show.

Everything here is computed from the stored buckets, incidents and maintenance
windows with a fixed, small number of queries per answer (never one query per
route), so a summary of 50 routes over 90 days stays fast.

Windows (all UTC, ``now`` truncated to the minute):

- ``24h``: exactly the last 24 hours to the minute: minute buckets for the
  partial first hour, hourly buckets for the rest. Latency percentiles and
  ``requests_24h`` use this window too.
- ``7d``: the current hour and the 167 before it (hourly buckets).
- ``30d`` and ``90d``: today and the 29 or 89 UTC days before it (daily buckets).
- Daily history: one entry per UTC day, ``days`` entries ending today.

Uptime is ``(requests - failures) / requests * 100``; client errors are answered
requests, not failures. A window without requests has ``None`` uptime.
Percentiles are interpolated linearly inside the histogram bucket that holds
the rank (see :func:`percentile`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from . import models
from .config import Settings

WINDOWS: tuple[str, ...] = ("24h", "7d", "30d", "90d")
MAX_HISTORY_DAYS = 90
RECENT_INCIDENT_DAYS = 14
RECENT_INCIDENT_LIMIT = 20
PAST_DAYS = 90
PAST_LIMIT = 50
LIST_LIMIT = 200

INDICATOR_DESCRIPTIONS: dict[str, str] = {
    "operational": "All systems operational",
    "degraded": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "maintenance": "Under maintenance",
    "no_data": "No data yet",
}

_HISTOGRAM = models.HISTOGRAM_COLUMNS


def utcnow() -> datetime:
    """The current time as the naive UTC datetime the tables store."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat(moment: datetime | None) -> str | None:
    """A stored naive UTC datetime as ISO 8601 with ``Z`` (``None`` stays ``None``)."""
    if moment is None:
        return None
    # isoformat() pads the year to four digits (0999-...), strftime's %Y does not.
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def percentile(histogram: Sequence[int], fraction: float) -> float | None:
    """The ``fraction`` quantile (0 < fraction <= 1) of a latency histogram, in ms.

    The rank ``fraction * total`` falls into one bucket; the value is interpolated
    linearly between that bucket's lower and upper bound, as if its requests were
    spread evenly across it. A rank in the overflow bucket answers the largest
    bound (the histogram knows nothing above it).
    """
    total = sum(histogram)
    if total == 0:
        return None
    rank = fraction * total
    bounds = models.LATENCY_BUCKETS_MS
    seen = 0
    for index, count in enumerate(histogram):
        if count and seen + count >= rank:
            if index >= len(bounds):
                return float(bounds[-1])
            lower = 0.0 if index == 0 else float(bounds[index - 1])
            return lower + (bounds[index] - lower) * (rank - seen) / count
        seen += count
    return float(bounds[-1])


def uptime_percent(requests: int, failures: int) -> float | None:
    """Uptime in percent, truncated (never rounded up) to 4 decimals."""
    if requests <= 0:
        return None
    # Integer arithmetic: 999 of 1000 is exactly 99.9, not 99.8999.
    return (requests - failures) * 1_000_000 // requests / 10_000


def _round_ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class Counts:
    """Summed counters of some buckets."""

    requests: int = 0
    failures: int = 0
    client_errors: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * len(_HISTOGRAM))

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> Counts:
        """From ``(requests, failures, client_errors, *histogram)`` integer columns."""
        return cls(values[0], values[1], values[2], list(values[3:]))

    @classmethod
    def from_sums(cls, values: Sequence[Any]) -> Counts:
        """Like :meth:`from_values` for SUM()s, which PostgreSQL answers as Decimal."""
        return cls.from_values([int(value or 0) for value in values])

    def add(self, other: Counts) -> None:
        self.requests += other.requests
        self.failures += other.failures
        self.client_errors += other.client_errors
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]

    @property
    def uptime(self) -> float | None:
        return uptime_percent(self.requests, self.failures)


@dataclass
class RouteStats:
    """Everything the API reports about one route's traffic."""

    windows: dict[str, Counts] = field(default_factory=lambda: {w: Counts() for w in WINDOWS})
    days: dict[date, Counts] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """The bucket boundaries of every window for one ``now``."""

    now: datetime

    @property
    def minute(self) -> datetime:
        return self.now.replace(second=0, microsecond=0)

    @property
    def hour(self) -> datetime:
        return self.now.replace(minute=0, second=0, microsecond=0)

    @property
    def today(self) -> datetime:
        return self.now.replace(hour=0, minute=0, second=0, microsecond=0)

    @property
    def day_start_24h(self) -> datetime:
        """First minute of the 24h window."""
        return self.minute - timedelta(minutes=24 * 60 - 1)

    @property
    def first_full_hour_24h(self) -> datetime:
        """First hourly bucket entirely inside the 24h window."""
        start = self.day_start_24h
        floor = start.replace(minute=0)
        return floor if floor == start else floor + timedelta(hours=1)

    @property
    def start_7d(self) -> datetime:
        return self.hour - timedelta(hours=7 * 24 - 1)

    def start_days(self, days: int) -> datetime:
        return self.today - timedelta(days=days - 1)


def _sum_columns(table: sa.Table) -> list[sa.ColumnElement[Any]]:
    names = ("requests", "failures", "client_errors", *_HISTOGRAM)
    return [sa.func.sum(table.c[name]).label(name) for name in names]


def _route_filter(settings: Settings) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [models.routes.c.deleted_at.is_(None)]
    if settings.routes is not None:
        conditions.append(models.routes.c.rule.in_(sorted(settings.routes)))
    return conditions


def load_routes(
    conn: Connection, settings: Settings, route_id: int | None = None
) -> list[RowMapping]:
    """The routes the page shows (not removed, within ``settings.routes``), by name."""
    query = sa.select(models.routes).where(*_route_filter(settings))
    if route_id is not None:
        query = query.where(models.routes.c.id == route_id)
    return list(conn.execute(query.order_by(models.routes.c.name, models.routes.c.id)).mappings())


def load_stats(
    conn: Connection, route_ids: Iterable[int], window: Window, *, history_days: int
) -> dict[int, RouteStats]:
    """Window totals and daily counts for ``route_ids``: four queries, any number of routes."""
    ids = sorted(set(route_ids))
    stats: dict[int, RouteStats] = {route_id: RouteStats() for route_id in ids}
    if not ids:
        return stats
    minute, hourly, daily = models.minute_buckets, models.hourly_buckets, models.daily_buckets

    def grouped(table: sa.Table, start: datetime, end: datetime | None) -> sa.Select[Any]:
        conditions = [table.c.route_id.in_(ids), table.c.bucket_start >= start]
        if end is not None:
            conditions.append(table.c.bucket_start < end)
        return (
            sa.select(table.c.route_id, *_sum_columns(table))
            .where(*conditions)
            .group_by(table.c.route_id)
        )

    full_hour = window.first_full_hour_24h
    parts = [
        ("24h", grouped(minute, window.day_start_24h, full_hour)),
        ("24h", grouped(hourly, full_hour, None)),
        ("7d", grouped(hourly, window.start_7d, None)),
    ]
    for name, query in parts:
        for route_id, *values in conn.execute(query):
            stats[route_id].windows[name].add(Counts.from_sums(values))

    oldest = window.start_days(max(MAX_HISTORY_DAYS, history_days))
    start_30d = window.start_days(30)
    day_rows = conn.execute(
        sa.select(
            daily.c.route_id,
            daily.c.bucket_start,
            daily.c.requests,
            daily.c.failures,
            daily.c.client_errors,
            *(daily.c[name] for name in _HISTOGRAM),
        ).where(daily.c.route_id.in_(ids), daily.c.bucket_start >= oldest)
    )
    for route_id, bucket_start, *values in day_rows:
        route = stats[route_id]
        day = Counts.from_values(values)
        route.days[bucket_start.date()] = day
        # Uptime windows need only the two counts, not the histogram.
        for name in ("90d", "30d") if bucket_start >= start_30d else ("90d",):
            route.windows[name].requests += day.requests
            route.windows[name].failures += day.failures
            route.windows[name].client_errors += day.client_errors
    return stats


def history(stats: RouteStats, window: Window, days: int) -> list[dict[str, Any]]:
    """``days`` daily entries ending today, oldest first, empty days included."""
    entries = []
    first = window.start_days(days).date()
    for offset in range(days):
        day = first + timedelta(days=offset)
        counts = stats.days.get(day, Counts())
        entries.append(
            {
                "date": day.isoformat(),
                "requests": counts.requests,
                "failures": counts.failures,
                "client_errors": counts.client_errors,
                "uptime": counts.uptime,
                "latency_p95_ms": _round_ms(percentile(counts.histogram, 0.95)),
            }
        )
    return entries


# --- incidents and maintenance -------------------------------------------------


def _incident_route_ids(conn: Connection, rows: Sequence[RowMapping]) -> dict[int, list[int]]:
    ids = [row["id"] for row in rows]
    linked: dict[int, set[int]] = {row["id"]: set() for row in rows}
    for row in rows:
        if row["route_id"] is not None:
            linked[row["id"]].add(row["route_id"])
    if ids:
        links = conn.execute(
            sa.select(models.incident_routes).where(models.incident_routes.c.incident_id.in_(ids))
        ).mappings()
        for link in links:
            linked[link["incident_id"]].add(link["route_id"])
    return {incident_id: sorted(routes) for incident_id, routes in linked.items()}


def incident_dicts(
    conn: Connection, rows: Sequence[RowMapping], *, admin: bool = False
) -> list[dict[str, Any]]:
    """Incident rows as API objects, with routes and updates (two queries in all).

    ``admin`` adds the captured exception of automatic incidents, which public
    answers never show.
    """
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    route_ids = _incident_route_ids(conn, rows)
    updates: dict[int, list[dict[str, Any]]] = defaultdict(list)
    table = models.incident_updates
    update_rows = conn.execute(
        sa.select(table)
        .where(table.c.incident_id.in_(ids))
        .order_by(table.c.created_at, table.c.id)
    ).mappings()
    for update in update_rows:
        updates[update["incident_id"]].append(
            {
                "id": update["id"],
                "status": update["status"],
                "message": update["message"],
                "created_at": isoformat(update["created_at"]),
            }
        )
    result = []
    for row in rows:
        incident: dict[str, Any] = {
            "id": row["id"],
            "title": row["title"],
            "status": row["status"],
            "impact": row["impact"],
            "automatic": bool(row["automatic"]),
            "route_ids": route_ids[row["id"]],
            "started_at": isoformat(row["started_at"]),
            "resolved_at": isoformat(row["resolved_at"]),
            "updates": updates[row["id"]],
        }
        if admin:
            incident["error_type"] = row["error_type"]
            incident["error_message"] = row["error_message"]
            incident["last_failure_at"] = isoformat(row["last_failure_at"])
        result.append(incident)
    return result


def _select_incidents(*conditions: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(models.incidents).where(*conditions)


def open_incident_rows(conn: Connection) -> list[RowMapping]:
    table = models.incidents
    query = _select_incidents(table.c.resolved_at.is_(None)).order_by(
        table.c.started_at.desc(), table.c.id.desc()
    )
    return list(conn.execute(query.limit(LIST_LIMIT)).mappings())


def resolved_incident_rows(
    conn: Connection, window: Window, *, days: int, limit: int
) -> list[RowMapping]:
    table = models.incidents
    query = _select_incidents(
        table.c.resolved_at.is_not(None), table.c.resolved_at >= window.now - timedelta(days=days)
    ).order_by(table.c.resolved_at.desc(), table.c.id.desc())
    return list(conn.execute(query.limit(limit)).mappings())


def maintenance_status(row: RowMapping, now: datetime) -> str:
    if now < row["starts_at"]:
        return "scheduled"
    if now < row["ends_at"]:
        return "in_progress"
    return "completed"


def maintenance_dicts(
    conn: Connection, rows: Sequence[RowMapping], now: datetime
) -> list[dict[str, Any]]:
    """Maintenance rows as API objects with their routes (one query in all)."""
    ids = [row["id"] for row in rows]
    routes: dict[int, list[int]] = defaultdict(list)
    if ids:
        table = models.maintenance_routes
        links = conn.execute(
            sa.select(table).where(table.c.maintenance_id.in_(ids)).order_by(table.c.route_id)
        ).mappings()
        for link in links:
            routes[link["maintenance_id"]].append(link["route_id"])
    return [
        {
            "id": row["id"],
            "title": row["title"],
            "description": row["description"],
            "starts_at": isoformat(row["starts_at"]),
            "ends_at": isoformat(row["ends_at"]),
            "route_ids": routes[row["id"]],
            "status": maintenance_status(row, now),
        }
        for row in rows
    ]


def active_maintenance_rows(conn: Connection, now: datetime) -> list[RowMapping]:
    table = models.maintenance
    query = (
        sa.select(table)
        .where(table.c.starts_at <= now, table.c.ends_at > now)
        .order_by(table.c.starts_at, table.c.id)
    )
    return list(conn.execute(query.limit(LIST_LIMIT)).mappings())


def upcoming_maintenance_rows(conn: Connection, now: datetime) -> list[RowMapping]:
    table = models.maintenance
    query = sa.select(table).where(table.c.starts_at > now).order_by(table.c.starts_at, table.c.id)
    return list(conn.execute(query.limit(PAST_LIMIT)).mappings())


def past_maintenance_rows(conn: Connection, now: datetime) -> list[RowMapping]:
    table = models.maintenance
    query = (
        sa.select(table)
        .where(table.c.ends_at <= now, table.c.ends_at >= now - timedelta(days=PAST_DAYS))
        .order_by(table.c.ends_at.desc(), table.c.id.desc())
    )
    return list(conn.execute(query.limit(PAST_LIMIT)).mappings())


# --- status -----------------------------------------------------------------------


def _affects(route_ids: Sequence[int], route_id: int) -> bool:
    """Whether an incident or window with ``route_ids`` covers the route (empty = all)."""
    return not route_ids or route_id in route_ids


def route_status(
    route_id: int,
    *,
    has_data: bool,
    open_incidents: Sequence[Mapping[str, Any]],
    active_maintenance: Sequence[Mapping[str, Any]],
) -> str:
    """Maintenance, then the worst open incident's impact, then data or no data.

    An open incident with impact ``major`` or ``critical`` means ``outage``,
    ``minor`` means ``degraded``; impact ``none`` is informational.
    """
    if any(_affects(window["route_ids"], route_id) for window in active_maintenance):
        return "maintenance"
    impacts = {i["impact"] for i in open_incidents if _affects(i["route_ids"], route_id)}
    if impacts & {"major", "critical"}:
        return "outage"
    if "minor" in impacts:
        return "degraded"
    return "operational" if has_data else "no_data"


def overall_indicator(
    route_statuses: Sequence[str],
    *,
    open_incidents: Sequence[Mapping[str, Any]],
    active_maintenance: Sequence[Mapping[str, Any]],
) -> str:
    """The page's banner, from the routes' statuses and what is open right now.

    ``major_outage`` when a critical incident is open or every route with data
    is out; ``partial_outage`` when some route is out; then degraded,
    maintenance, operational; ``no_data`` when no route has seen traffic and
    nothing is open.
    """
    impacts = {incident["impact"] for incident in open_incidents}
    with_data = [status for status in route_statuses if status != "no_data"]
    if "critical" in impacts or (with_data and all(s == "outage" for s in with_data)):
        return "major_outage"
    if "outage" in route_statuses or "major" in impacts:
        return "partial_outage"
    if "degraded" in route_statuses or "minor" in impacts:
        return "degraded"
    if active_maintenance or "maintenance" in route_statuses:
        return "maintenance"
    if with_data:
        return "operational"
    return "no_data"


def _status_object(indicator: str) -> dict[str, str]:
    return {"indicator": indicator, "description": INDICATOR_DESCRIPTIONS[indicator]}


# --- answers ------------------------------------------------------------------------


@dataclass
class Report:
    """One consistent read of everything an answer needs, at one ``now``."""

    conn: Connection
    settings: Settings
    window: Window
    routes: list[RowMapping]
    stats: dict[int, RouteStats]
    open_incidents: list[dict[str, Any]]
    recent_incidents: list[dict[str, Any]]
    active_maintenance: list[dict[str, Any]]
    upcoming_maintenance: list[dict[str, Any]]

    @classmethod
    def load(
        cls,
        conn: Connection,
        settings: Settings,
        now: datetime,
        *,
        history_days: int = 1,
        route_id: int | None = None,
        page: bool = False,
    ) -> Report:
        """Read what an answer needs; ``page`` adds recent incidents and upcoming windows."""
        window = Window(now)
        routes = load_routes(conn, settings, route_id)
        stats = load_stats(conn, (r["id"] for r in routes), window, history_days=history_days)
        # Open and recent incidents (and active and upcoming windows) are
        # completed in one pass each, to keep the number of queries fixed.
        open_rows = open_incident_rows(conn)
        recent_rows = (
            resolved_incident_rows(
                conn, window, days=RECENT_INCIDENT_DAYS, limit=RECENT_INCIDENT_LIMIT
            )
            if page
            else []
        )
        incidents = incident_dicts(conn, open_rows + recent_rows)
        active_rows = active_maintenance_rows(conn, now)
        upcoming_rows = upcoming_maintenance_rows(conn, now) if page else []
        windows = maintenance_dicts(conn, active_rows + upcoming_rows, now)
        return cls(
            conn=conn,
            settings=settings,
            window=window,
            routes=routes,
            stats=stats,
            open_incidents=incidents[: len(open_rows)],
            recent_incidents=incidents[len(open_rows) :],
            active_maintenance=windows[: len(active_rows)],
            upcoming_maintenance=windows[len(active_rows) :],
        )

    def status_of(self, route_id: int) -> str:
        return route_status(
            route_id,
            has_data=self.stats[route_id].windows["90d"].requests > 0,
            open_incidents=self.open_incidents,
            active_maintenance=self.active_maintenance,
        )

    def overall(self) -> dict[str, str]:
        """The overall status object of the loaded routes."""
        statuses = [self.status_of(route["id"]) for route in self.routes]
        return _status_object(
            overall_indicator(
                statuses,
                open_incidents=self.open_incidents,
                active_maintenance=self.active_maintenance,
            )
        )

    def route(self, row: RowMapping, *, history_days: int | None) -> dict[str, Any]:
        stats = self.stats[row["id"]]
        last_day = stats.windows["24h"]
        result: dict[str, Any] = {
            "id": row["id"],
            "rule": row["rule"],
            "name": row["name"],
            "doc": row["doc"] or "",
            "status": self.status_of(row["id"]),
            "uptime": {name: stats.windows[name].uptime for name in WINDOWS},
            "latency_ms": {
                "p50": _round_ms(percentile(last_day.histogram, 0.50)),
                "p95": _round_ms(percentile(last_day.histogram, 0.95)),
            },
            "requests_24h": last_day.requests,
            "badge_url": f"badges/{row['id']}/uptime.svg",
        }
        if history_days is not None:
            result["history"] = history(stats, self.window, history_days)
        return result


def _now(now: datetime | None) -> datetime:
    return utcnow() if now is None else now


def summary(
    engine: Engine, settings: Settings, *, days: int, now: datetime | None = None
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/summary``: everything the page shows."""
    moment = _now(now)
    with engine.connect() as conn:
        report = Report.load(conn, settings, moment, history_days=days, page=True)
        return {
            "page": {
                "title": settings.page_title,
                "refresh_seconds": settings.page_refresh_seconds,
                "feed_url": "feed.atom",
                "badge_url": "badge.svg",
            },
            "generated_at": isoformat(moment),
            "status": report.overall(),
            "routes": [report.route(row, history_days=days) for row in report.routes],
            "incidents": {
                "active": report.open_incidents,
                "recent": report.recent_incidents,
            },
            "maintenance": {
                "active": report.active_maintenance,
                "upcoming": report.upcoming_maintenance,
            },
        }


def overall_status(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/status``."""
    moment = _now(now)
    with engine.connect() as conn:
        report = Report.load(conn, settings, moment)
        return {"generated_at": isoformat(moment), "status": report.overall()}


def route_list(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/routes``: every shown route, without history."""
    with engine.connect() as conn:
        report = Report.load(conn, settings, _now(now))
        return {"routes": [report.route(row, history_days=None) for row in report.routes]}


def route_detail(
    engine: Engine,
    settings: Settings,
    route_id: int,
    *,
    days: int | None,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """One route (with ``days`` of history unless ``None``), or ``None`` if not shown."""
    with engine.connect() as conn:
        report = Report.load(conn, settings, _now(now), history_days=days or 1, route_id=route_id)
        if not report.routes:
            return None
        return report.route(report.routes[0], history_days=days)


def incident_overview(engine: Engine, *, now: datetime | None = None) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/incidents``: open and recently resolved."""
    window = Window(_now(now))
    with engine.connect() as conn:
        past = resolved_incident_rows(conn, window, days=PAST_DAYS, limit=PAST_LIMIT)
        return {
            "active": incident_dicts(conn, open_incident_rows(conn)),
            "past": incident_dicts(conn, past),
        }


def incident_detail(
    engine: Engine, incident_id: int, *, admin: bool = False
) -> dict[str, Any] | None:
    """One incident with its updates, or ``None`` if unknown."""
    with engine.connect() as conn:
        rows = list(
            conn.execute(_select_incidents(models.incidents.c.id == incident_id)).mappings()
        )
        found = incident_dicts(conn, rows, admin=admin)
        return found[0] if found else None


def maintenance_overview(engine: Engine, *, now: datetime | None = None) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/maintenance``."""
    moment = _now(now)
    with engine.connect() as conn:
        return {
            name: maintenance_dicts(conn, rows(conn, moment), moment)
            for name, rows in (
                ("active", active_maintenance_rows),
                ("upcoming", upcoming_maintenance_rows),
                ("past", past_maintenance_rows),
            )
        }


def feed_incidents(engine: Engine, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Incidents for the Atom feed: open ones, then resolved in the last 90 days."""
    overview = incident_overview(engine, now=now)
    active: list[dict[str, Any]] = overview["active"]
    past: list[dict[str, Any]] = overview["past"]
    return active + past
