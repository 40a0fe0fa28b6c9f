"""The answers of the public API: one consistent read per answer.

:class:`Report` reads everything an answer needs at one ``now`` (a fixed,
small number of queries per answer, never one query per route, so a summary
of 50 components over 90 days stays fast); the functions below shape it into
the documented JSON objects. The public unit is the component
(:mod:`..components`): the summary, the banner and the component badges read
components, summed from their routes in SQL; the route answers stay for
clients that read routes, and carry URL rules only with
``SERVER_STATUS_SHOW_RULES``.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine, RowMapping

from .. import models
from ..clock import day_bounds, isodate, isoformat, local_date, utcnow
from ..components import Component, resolve, slug
from ..config import Settings
from .coverage import (
    covered_minutes,
    covered_minutes_by_day,
    first_heartbeat,
    first_request_day,
    instances_reporting,
    load_coverage,
)
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
    public_components,
    resolved_incident_rows,
    select_incidents,
    upcoming_maintenance_rows,
)
from .statistics import (
    MAX_HISTORY_DAYS,
    WINDOWS,
    RouteStats,
    Window,
    history,
    history_columns,
    load_stats,
)
from .status_rules import concerns, overall_indicator, route_status, status_object


@dataclass
class Report:
    """One consistent read of everything an answer needs, at one ``now``.

    Loaded per route (``stats`` keyed by route id) or per component
    (``component_stats`` keyed by the component's index in ``components``,
    each the sum of its member routes, summed in SQL).
    """

    conn: Connection
    settings: Settings
    window: Window
    routes: list[RowMapping]
    #: The public components of ``routes`` (``SERVER_STATUS_COMPONENTS``).
    components: list[Component]
    stats: dict[int, RouteStats]
    component_stats: dict[int, RouteStats]
    judgement_windows: dict[int, RouteWindows]
    #: Incidents and windows as stored (``component_ids`` the ones named); answers
    #: show them through :meth:`with_components`.
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
        by_component: bool = False,
    ) -> Report:
        """Read what an answer needs; ``page`` adds recent incidents and upcoming windows.

        ``history_days`` (``None``: no history) adds each day's incidents;
        ``by_component`` reads the components' summed statistics instead of
        the routes'.
        """
        window = Window(now, settings.timezone)
        routes = load_routes(conn, settings, route_id)
        components = resolve(settings.components, routes, other=settings.other_component)
        days = history_days or 1
        if by_component:
            owners = {rid: index for index, c in enumerate(components) for rid in c.route_ids}
            route_ids = list(owners)
            stats: dict[int, RouteStats] = {}
            component_stats = load_stats(conn, route_ids, window, history_days=days, owners=owners)
            judgement_windows: dict[int, RouteWindows] = {}
        else:
            route_ids = [row["id"] for row in routes]
            stats = load_stats(conn, route_ids, window, history_days=days)
            component_stats = {}
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
        # Coverage of the longest window and history; the zone's first day may
        # start up to WIDEST_OFFSET before its label.
        first_day = window.start_days(max(MAX_HISTORY_DAYS, days))
        since = min(first_day - WIDEST_OFFSET, window.day_start_24h)
        return cls(
            conn=conn,
            settings=settings,
            window=window,
            routes=routes,
            components=components,
            stats=stats,
            component_stats=component_stats,
            judgement_windows=judgement_windows,
            open_incidents=incidents[: len(open_rows)],
            recent_incidents=incidents[len(open_rows) :],
            active_maintenance=windows[: len(active_rows)],
            upcoming_maintenance=windows[len(active_rows) :],
            day_incidents=(
                {}
                if history_days is None
                else day_incidents(
                    conn,
                    route_ids,
                    window,
                    history_days,
                    {component.id: component.route_ids for component in components},
                )
            ),
            coverage=load_coverage(conn, since),
        )

    def _status(
        self, members: Sequence[int], component_ids: Sequence[str], stats: RouteStats
    ) -> str:
        return route_status(
            members,
            component_ids=component_ids,
            has_data=stats.windows["90d"].requests > 0,
            open_incidents=self.open_incidents,
            active_maintenance=self.active_maintenance,
            recent_traffic=stats.windows["24h"].requests > 0,
            recently_reporting=self.reported_in_24h,
        )

    @functools.cached_property
    def component_of_route(self) -> dict[int, str]:
        """Route id -> the id of its public component (routes in none are absent)."""
        return {rid: c.id for c in self.components for rid in c.route_ids}

    def status_of(self, route_id: int) -> str:
        """A route's status: incidents naming it, its component or nothing count."""
        component = self.component_of_route.get(route_id)
        owners = () if component is None else (component,)
        return self._status((route_id,), owners, self.stats[route_id])

    def stats_of(self, index: int) -> RouteStats:
        """The summed statistics of ``components[index]`` (empty without routes yet)."""
        return self.component_stats.get(index) or RouteStats()

    def component_status(self, index: int) -> str:
        component = self.components[index]
        return self._status(component.route_ids, (component.id,), self.stats_of(index))

    @functools.cached_property
    def covered_by_day(self) -> dict[date, int]:
        return covered_minutes_by_day(self.coverage, self.window.zone)

    @functools.cached_property
    def reported_in_24h(self) -> bool:
        """Whether any instance reported during the 24h window."""
        end = self.window.minute + timedelta(minutes=1)
        return covered_minutes(self.coverage, self.window.day_start_24h, end) > 0

    def overall(self) -> dict[str, str]:
        """The overall status object, from the components' statuses (``by_component``)."""
        statuses = [self.component_status(i) for i in range(len(self.components))]
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
        result: dict[str, Any] = {"id": row["id"]}
        if self.settings.show_rules:
            result["rule"] = row["rule"]
        result |= {
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

    def component_day_incidents(self, index: int) -> dict[date, list[dict[str, Any]]]:
        """Per day, the incidents of any of the component's routes, each once, by id."""
        merged: dict[date, dict[int, dict[str, Any]]] = defaultdict(dict)
        for route_id in self.components[index].route_ids:
            for day, listed in self.day_incidents.get(route_id, {}).items():
                for incident in listed:
                    merged[day].setdefault(incident["id"], incident)
        return {day: [found[i] for i in sorted(found)] for day, found in merged.items()}

    def component(self, index: int, *, history_days: int | None) -> dict[str, Any]:
        """A component as the public reads it (its history in columns from ``history_start``)."""
        component = self.components[index]
        stats = self.stats_of(index)
        last_day = stats.windows["24h"]
        result: dict[str, Any] = {
            "id": component.id,
            "name": component.name,
            "description": component.description,
            "group_id": None if component.group is None else slug(component.group),
            "status": self.component_status(index),
            "uptime": {name: stats.windows[name].uptime for name in WINDOWS},
            "latency_ms": last_day.latency_ms(),
            "requests_24h": last_day.requests,
            "badge_url": f"badges/components/{component.id}/uptime.svg",
        }
        if history_days is not None:
            entries = history(
                stats,
                self.window,
                history_days,
                self.covered_by_day,
                self.component_day_incidents(index),
            )
            result["history"] = history_columns(entries)
        return result

    def with_components(self, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Incidents or windows as the public reads them (see :func:`with_components`)."""
        return with_components(objects, self.components)

    @functools.cached_property
    def first_heartbeat(self) -> datetime | None:
        return first_heartbeat(self.conn)

    @functools.cached_property
    def recording_since(self) -> date | None:
        """The first day (page zone) anything was recorded: a heartbeat or a request."""
        found = (
            []
            if self.first_heartbeat is None
            else [local_date(self.first_heartbeat, self.window.zone)]
        )
        first_day = first_request_day(self.conn)
        found += [] if first_day is None else [first_day]
        return min(found, default=None)

    def history_days(self, days: int) -> int:
        """How many of the last ``days`` days a history shows: none before recording began."""
        if self.recording_since is None:
            return 1
        recorded = (self.window.today.date() - self.recording_since).days + 1
        return max(1, min(days, recorded))

    def window_coverage(self) -> dict[str, float | None]:
        """Per window, the percent of its minutes an instance reported, counted from the
        first heartbeat on (``None`` before it): below 100, uptime is of the time reported."""
        first = self.first_heartbeat
        if first is None:
            return dict.fromkeys(WINDOWS)
        end = self.window.minute + timedelta(minutes=1)
        starts = {
            "24h": self.window.day_start_24h,
            "7d": self.window.start_7d,
            "30d": day_bounds(self.window.start_days(30).date(), self.window.zone)[0],
            "90d": day_bounds(self.window.start_days(90).date(), self.window.zone)[0],
        }
        result: dict[str, float | None] = {}
        for name, start in starts.items():
            start = max(start, first)
            minutes = max(1, (end - start) // timedelta(minutes=1))
            covered = covered_minutes(self.coverage, start, end)
            result[name] = min(100.0, round(covered * 100 / minutes, 2))
        return result


def concerned_components(named: dict[str, Any], components: Sequence[Component]) -> list[str]:
    """The ids of the ``components`` an incident or window (as stored) concerns."""
    return [c.id for c in components if concerns(named, c.route_ids, (c.id,))]


def with_components(
    objects: Sequence[dict[str, Any]], components: Sequence[Component]
) -> list[dict[str, Any]]:
    """Incidents or windows as the public reads them: ``component_ids`` are the
    ``components`` each concerns (computed), not the ones it names."""
    return [{**o, "component_ids": concerned_components(o, components)} for o in objects]


def _groups(components: Sequence[dict[str, Any]], report: Report) -> list[dict[str, Any]]:
    """The groups of ``components``, in the order their first component comes."""
    groups: dict[str, dict[str, Any]] = {}
    names = {c.id: c.group for c in report.components}
    for component in components:
        group_id = component["group_id"]
        if group_id is None:
            continue
        group = groups.setdefault(
            group_id, {"id": group_id, "name": names[component["id"]], "component_ids": []}
        )
        group["component_ids"].append(component["id"])
    return list(groups.values())


def _referenced(components: Sequence[dict[str, Any]], report: Report) -> dict[str, Any]:
    """Title and impact of every incident a component's history points at."""
    wanted = {pair[1] for c in components for pair in c["history"]["incidents"]}
    found: dict[str, Any] = {}
    # The routes' day lists hold every incident a component's days list.
    for days in report.day_incidents.values():
        for listed in days.values():
            for incident in listed:
                if incident["id"] in wanted:
                    found[str(incident["id"])] = {
                        "title": incident["title"],
                        "impact": incident["impact"],
                    }
    return dict(sorted(found.items(), key=lambda item: int(item[0])))


def _now(now: datetime | None) -> datetime:
    return utcnow() if now is None else now


def summary(
    engine: Engine, settings: Settings, *, days: int, now: datetime | None = None
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/summary``: everything the page shows.

    Components (at most ``SERVER_STATUS_PAGE_MAX_COMPONENTS``; the number
    left out is ``components_truncated``) with their history in columns, one
    entry per day from the later of ``recording_since`` and the first of the
    ``days`` days.
    """
    moment = _now(now)
    with engine.connect() as conn:
        report = Report.load(
            conn, settings, moment, history_days=days, page=True, by_component=True
        )
        shown_days = report.history_days(days)
        limit = settings.page_max_components
        components = [
            report.component(index, history_days=shown_days)
            for index in range(min(limit, len(report.components)))
        ]
        return {
            "page": {
                "title": settings.page_title,
                "refresh_seconds": settings.page_refresh_seconds,
                "feed_url": "feed.atom",
                "badge_url": "badge.svg",
                "show_rules": settings.show_rules,
            },
            "generated_at": isoformat(moment),
            "timezone": settings.timezone_name,
            "recording_since": None
            if report.recording_since is None
            else isodate(report.recording_since),
            "instances": {"reporting": instances_reporting(conn, moment, settings)},
            "status": report.overall(),
            "coverage": report.window_coverage(),
            "groups": _groups(components, report),
            "components": components,
            "components_truncated": max(0, len(report.components) - limit),
            "incidents": {
                "active": report.with_components(report.open_incidents),
                "recent": report.with_components(report.recent_incidents),
                "referenced": _referenced(components, report),
            },
            "maintenance": {
                "active": report.with_components(report.active_maintenance),
                "upcoming": report.with_components(report.upcoming_maintenance),
            },
        }


def overall_status(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/status``."""
    moment = _now(now)
    with engine.connect() as conn:
        report = Report.load(conn, settings, moment, by_component=True)
        return {"generated_at": isoformat(moment), "status": report.overall()}


#: Components per page of ``GET {prefix}/api/components``.
COMPONENTS_PER_PAGE = 100


def component_list(
    engine: Engine, settings: Settings, *, page: int = 1, now: datetime | None = None
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/components``: every component, 100 a page."""
    with engine.connect() as conn:
        report = Report.load(conn, settings, _now(now), by_component=True)
        total = len(report.components)
        first = (page - 1) * COMPONENTS_PER_PAGE
        shown = range(first, min(total, first + COMPONENTS_PER_PAGE))
        return {
            "components": [report.component(index, history_days=None) for index in shown],
            "page": page,
            "per_page": COMPONENTS_PER_PAGE,
            "total": total,
            "pages": max(1, -(-total // COMPONENTS_PER_PAGE)),
        }


def component_detail(
    engine: Engine,
    settings: Settings,
    component_id: str,
    *,
    days: int | None,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """One component with its member routes (and ``days`` of history unless ``None``)."""
    with engine.connect() as conn:
        report = Report.load(conn, settings, _now(now), history_days=days, by_component=True)
        index = next((i for i, c in enumerate(report.components) if c.id == component_id), None)
        if index is None:
            return None
        shown_days = None if days is None else report.history_days(days)
        found = report.component(index, history_days=shown_days)
        members = set(report.components[index].route_ids)
        found["routes"] = [
            {"id": row["id"], "name": row["name"]}
            | ({"rule": row["rule"]} if settings.show_rules else {})
            for row in report.routes
            if row["id"] in members
        ]
        return found


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


def _incident_lists(
    conn: Connection, components: Sequence[Component], now: datetime | None
) -> dict[str, list[dict[str, Any]]]:
    """Open incidents and those resolved in the last 90 days, as the public reads them."""
    past = resolved_incident_rows(conn, Window(_now(now)), days=PAST_DAYS, limit=PAST_LIMIT)
    return {
        "active": with_components(incident_dicts(conn, open_incident_rows(conn)), components),
        "past": with_components(incident_dicts(conn, past), components),
    }


def incident_overview(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/incidents``: open and recently resolved."""
    with engine.connect() as conn:
        return _incident_lists(conn, public_components(conn, settings), now)


def incident_detail(engine: Engine, settings: Settings, incident_id: int) -> dict[str, Any] | None:
    """One incident with its updates, or ``None`` if unknown."""
    with engine.connect() as conn:
        rows = list(conn.execute(select_incidents(models.incidents.c.id == incident_id)).mappings())
        found = with_components(incident_dicts(conn, rows), public_components(conn, settings))
        return found[0] if found else None


def maintenance_overview(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/maintenance``."""
    moment = _now(now)
    with engine.connect() as conn:
        components = public_components(conn, settings)
        return {
            name: with_components(maintenance_dicts(conn, rows(conn, moment), moment), components)
            for name, rows in (
                ("active", active_maintenance_rows),
                ("upcoming", upcoming_maintenance_rows),
                ("past", past_maintenance_rows),
            )
        }


@dataclass(frozen=True)
class Feed:
    """What an Atom feed shows: its incidents and the names of the components they concern."""

    incidents: list[dict[str, Any]]
    #: Component id -> name, for every public component.
    component_names: dict[str, str]


def feed_incidents(
    engine: Engine,
    settings: Settings,
    *,
    component_id: str | None = None,
    now: datetime | None = None,
) -> Feed | None:
    """Incidents for an Atom feed: open ones, then resolved in the last 90 days.

    With ``component_id``, only those concerning that component (``None``
    when no public component has that id).
    """
    with engine.connect() as conn:
        components = public_components(conn, settings)
        lists = _incident_lists(conn, components, now)
    incidents = lists["active"] + lists["past"]
    names = {c.id: c.name for c in components}
    if component_id is not None:
        if component_id not in names:
            return None
        incidents = [i for i in incidents if component_id in i["component_ids"]]
    return Feed(incidents, names)
