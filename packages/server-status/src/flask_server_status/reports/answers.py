"""The answers of the public API: one consistent read per answer.

:class:`Report` reads everything an answer needs at one ``now`` (a fixed,
small number of queries per answer, never one query per route, so a summary
of 50 routes over 90 days stays fast); the functions below shape it into the
documented JSON objects.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine, RowMapping

from .. import models
from ..clock import isoformat, utcnow
from ..config import Settings
from .coverage import covered_minutes, covered_minutes_by_day, instances_reporting, load_coverage
from .days import WIDEST_OFFSET, DayIncidents, day_incidents
from .judgement import (
    Objectives,
    RouteWindows,
    WindowCounts,
    budget_remaining,
    burn_rates,
    load_windows,
    objectives_for,
)
from .objects import (
    PAST_DAYS,
    PAST_LIMIT,
    RECENT_INCIDENT_DAYS,
    RECENT_INCIDENT_LIMIT,
    active_maintenance_rows,
    incident_dicts,
    load_routes,
    maintenance_dicts,
    open_incident_rows,
    past_maintenance_rows,
    resolved_incident_rows,
    select_incidents,
    upcoming_maintenance_rows,
)
from .statistics import WINDOWS, RouteStats, Window, history, load_stats
from .status_rules import overall_indicator, route_status, status_object


@dataclass
class Report:
    """One consistent read of everything an answer needs, at one ``now``."""

    conn: Connection
    settings: Settings
    window: Window
    routes: list[RowMapping]
    stats: dict[int, RouteStats]
    judgement_windows: dict[int, RouteWindows]
    open_incidents: list[dict[str, Any]]
    recent_incidents: list[dict[str, Any]]
    active_maintenance: list[dict[str, Any]]
    upcoming_maintenance: list[dict[str, Any]]
    #: Per route and day, the incidents of the history (empty without ``history``).
    day_incidents: DayIncidents
    #: Heartbeat coverage masks by hour, from the oldest history day on.
    coverage: dict[datetime, int]

    @classmethod
    def load(
        cls,
        conn: Connection,
        settings: Settings,
        now: datetime,
        *,
        history_days: int | None = None,
        route_id: int | None = None,
        page: bool = False,
    ) -> Report:
        """Read what an answer needs; ``page`` adds recent incidents and upcoming windows.

        ``history_days`` (``None``: no history) adds each day's incidents.
        """
        window = Window(now, settings.timezone)
        routes = load_routes(conn, settings, route_id)
        route_ids = [row["id"] for row in routes]
        stats = load_stats(conn, route_ids, window, history_days=history_days or 1)
        judgement_windows = load_windows(conn, route_ids, now)
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
        # The zone's first history day may start up to WIDEST_OFFSET before its label.
        first_day = window.start_days(history_days or 1)
        since = min(first_day - WIDEST_OFFSET, window.day_start_24h)
        return cls(
            conn=conn,
            settings=settings,
            window=window,
            routes=routes,
            stats=stats,
            judgement_windows=judgement_windows,
            open_incidents=incidents[: len(open_rows)],
            recent_incidents=incidents[len(open_rows) :],
            active_maintenance=windows[: len(active_rows)],
            upcoming_maintenance=windows[len(active_rows) :],
            day_incidents=(
                {} if history_days is None else day_incidents(conn, route_ids, window, history_days)
            ),
            coverage=load_coverage(conn, since),
        )

    def status_of(self, route_id: int) -> str:
        windows = self.stats[route_id].windows
        return route_status(
            route_id,
            has_data=windows["90d"].requests > 0,
            open_incidents=self.open_incidents,
            active_maintenance=self.active_maintenance,
            recent_traffic=windows["24h"].requests > 0,
            recently_reporting=self.reported_in_24h,
        )

    @functools.cached_property
    def covered_by_day(self) -> dict[date, int]:
        return covered_minutes_by_day(self.coverage, self.window.zone)

    @functools.cached_property
    def reported_in_24h(self) -> bool:
        """Whether any instance reported during the 24h window."""
        end = self.window.minute + timedelta(minutes=1)
        return covered_minutes(self.coverage, self.window.day_start_24h, end) > 0

    def overall(self) -> dict[str, str]:
        """The overall status object of the loaded routes."""
        statuses = [self.status_of(route["id"]) for route in self.routes]
        return status_object(
            overall_indicator(
                statuses,
                open_incidents=self.open_incidents,
                active_maintenance=self.active_maintenance,
            )
        )

    def slo(self, row: RowMapping) -> dict[str, Any]:
        """The route's objective, the 30-day budget left and the burn rates."""
        objectives: Objectives = objectives_for(self.settings, row["rule"], row["endpoint"])
        month = self.stats[row["id"]].windows["30d"]
        return {
            "objective": objectives.availability,
            "error_budget_remaining": budget_remaining(
                WindowCounts(month.requests, month.failures), objectives
            ),
            "burn_rates": burn_rates(self.judgement_windows[row["id"]], objectives),
        }

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
            "latency_ms": last_day.latency_ms(),
            "requests_24h": last_day.requests,
            "badge_url": f"badges/{row['id']}/uptime.svg",
            "slo": self.slo(row),
        }
        if history_days is not None:
            result["history"] = history(
                stats,
                self.window,
                history_days,
                self.covered_by_day,
                self.day_incidents.get(row["id"], {}),
            )
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
            "timezone": settings.timezone_name,
            "instances": {"reporting": instances_reporting(conn, moment, settings)},
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
        report = Report.load(conn, settings, _now(now), history_days=days, route_id=route_id)
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
        rows = list(conn.execute(select_incidents(models.incidents.c.id == incident_id)).mappings())
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
