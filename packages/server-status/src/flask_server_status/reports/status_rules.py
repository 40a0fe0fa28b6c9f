"""The status rules: what a route's or a component's status and the page's banner are.

Pure functions of what is open right now (incidents and maintenance windows as
API objects) and whether a route or component has seen traffic; no I/O, so the
rules can be read, tested and changed in one place. A component is judged as
one route made of its member routes. An incident or window (as stored: the
``route_ids`` and ``component_ids`` it names) concerns a component when it
names the component, names one of its routes, or names neither (the whole
service); it concerns a route when it names the route, the route's component,
or neither.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

INDICATOR_DESCRIPTIONS: dict[str, str] = {
    "operational": "All systems operational",
    "degraded": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "maintenance": "Under maintenance",
    "no_data": "No data yet",
}


def concerns(
    named: Mapping[str, Any], members: Collection[int], component_ids: Collection[str] = ()
) -> bool:
    """Whether an incident or window concerns the routes ``members`` (of the components
    ``component_ids``): it names one of them, or nothing (its ``route_ids`` and
    ``component_ids`` both empty: the whole service)."""
    route_ids: Sequence[int] = named["route_ids"]
    named_components: Sequence[str] = named["component_ids"]
    if not route_ids and not named_components:
        return True
    return any(route_id in members for route_id in route_ids) or any(
        component_id in component_ids for component_id in named_components
    )


def route_status(
    members: Collection[int],
    *,
    component_ids: Collection[str] = (),
    has_data: bool,
    open_incidents: Sequence[Mapping[str, Any]],
    active_maintenance: Sequence[Mapping[str, Any]],
    recent_traffic: bool = True,
    recently_reporting: bool = True,
) -> str:
    """Maintenance, then the worst open incident's impact, then traffic.

    ``members`` are the route ids judged: one route's, or a component's
    routes; ``component_ids`` the component they belong to (none for a route
    in no public component).

    An open incident with impact ``major`` or ``critical`` means ``outage``,
    ``minor`` means ``degraded``; impact ``none`` is informational. A route
    that never had traffic is ``no_data``; one without requests in the last
    24 hours is ``no_traffic`` while instances reported in that time and
    ``no_data`` when none did (the app was down): silence is never
    ``operational``.
    """
    if any(concerns(window, members, component_ids) for window in active_maintenance):
        return "maintenance"
    impacts = {i["impact"] for i in open_incidents if concerns(i, members, component_ids)}
    if impacts & {"major", "critical"}:
        return "outage"
    if "minor" in impacts:
        return "degraded"
    if not has_data:
        return "no_data"
    if not recent_traffic:
        return "no_traffic" if recently_reporting else "no_data"
    return "operational"


def day_state(
    requests: int, covered_minutes: int, day_incidents: Sequence[Mapping[str, Any]]
) -> str:
    """A history day's state: judged from its incidents when it had requests
    (:func:`judged_day_state`, else ``operational``), else ``no_traffic`` when an
    instance reported during it and ``no_data`` when none did."""
    if requests:
        return judged_day_state(day_incidents) or "operational"
    return "no_traffic" if covered_minutes else "no_data"


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


def judged_day_state(day_incidents: Sequence[Mapping[str, Any]]) -> str | None:
    """A day's state as judgement sees it, from the incidents open at some time that day.

    ``major_outage`` when one of them had impact ``major`` or ``critical``,
    ``degraded`` for ``minor``; ``None`` when none touched the day (the
    counts and the instances then decide: operational, no traffic, no data).
    """
    impacts = {incident["impact"] for incident in day_incidents}
    if impacts & {"major", "critical"}:
        return "major_outage"
    if "minor" in impacts:
        return "degraded"
    return None


def status_object(indicator: str) -> dict[str, str]:
    """The API's status object: the indicator and its description."""
    return {"indicator": indicator, "description": INDICATOR_DESCRIPTIONS[indicator]}
