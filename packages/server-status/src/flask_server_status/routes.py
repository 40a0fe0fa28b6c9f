"""The route registry: which rules are recorded, their names, renames and deletions.

A route's display name is the ``# Name`` line of its view function's
docstring (the rest of the docstring is its description), else the endpoint
name. An admin rename sets ``name_overridden`` so later docstring changes do
not undo it. An admin delete removes the route's history and leaves a
tombstone (``deleted_at``): traffic for the rule is ignored from then on, in
every process, until an admin rename re-adds it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import sqlalchemy as sa
from flask import Flask

from .bounds import fit
from .config import Settings
from .errors import NotFoundError
from .models import (
    BUCKET_TABLES,
    incident_routes,
    incident_updates,
    incidents,
    insert_unless_stored,
    maintenance_routes,
)
from .models import routes as routes_table


class RuleLike(Protocol):
    """What the registry needs of a URL rule: werkzeug's ``Rule`` or :data:`UNMATCHED`."""

    @property
    def rule(self) -> str: ...

    @property
    def endpoint(self) -> str: ...


@dataclass(frozen=True)
class PseudoRule:
    """A rule-shaped stand-in for requests that matched no URL rule."""

    rule: str
    endpoint: str = ""


#: Requests matching no URL rule are counted under this pseudo-rule when
#: ``SERVER_STATUS_RECORD_UNMATCHED`` is on.
UNMATCHED = PseudoRule("<unmatched>")
UNMATCHED_INFO_NAME = "Unmatched requests"
UNMATCHED_INFO_DOC = "Requests that matched no URL rule: unknown paths and unsupported methods."


class UnknownRouteError(NotFoundError):
    """No recorded (or re-addable) route has this rule."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"no route with rule {rule!r}")
        self.rule = rule


class LiveRoute(NamedTuple):
    """A route row that is not tombstoned: its id and current display name."""

    id: int
    name: str


@dataclass(frozen=True)
class RouteInfo:
    """What the app itself says about a rule: its endpoint, name and description."""

    endpoint: str
    name: str
    doc: str


def name_and_doc(view: Callable[..., Any] | None, endpoint: str) -> tuple[str, str]:
    """The ``# Name`` line of the view's docstring (else ``endpoint``) and the rest."""
    docstring = inspect.getdoc(view) if view is not None else None
    if not docstring:
        return endpoint, ""
    name = ""
    rest: list[str] = []
    for line in docstring.splitlines():
        stripped = line.strip()
        if not name and stripped.startswith("#"):
            name = stripped.lstrip("#").strip()
            continue
        rest.append(line)
    return name or endpoint, "\n".join(rest).strip()


def rule_filter(settings: Settings) -> Callable[[RuleLike], bool]:
    """Whether a rule is recorded and shown.

    With ``routes=[...]`` exactly those rules are. Otherwise every rule except
    static files (unless ``SERVER_STATUS_RECORD_STATIC``), the status page and
    admin API (unless ``SERVER_STATUS_RECORD_SELF``) and rules under
    ``SERVER_STATUS_EXCLUDE_PREFIXES`` (default ``/z``, the management endpoints).
    """
    excluded = list(settings.exclude_prefixes)
    if not settings.record_self:
        excluded += [settings.url_prefix, settings.admin_prefix]

    def should_record(rule: RuleLike) -> bool:
        if settings.routes is not None:
            return rule.rule in settings.routes
        endpoint = rule.endpoint
        if not settings.record_static and (endpoint == "static" or endpoint.endswith(".static")):
            return False
        path = rule.rule
        return not any(path == prefix or path.startswith(prefix + "/") for prefix in excluded)

    return should_record


def app_routes(
    app: Flask, should_record: Callable[[RuleLike], bool], *, unmatched: bool = False
) -> dict[str, RouteInfo]:
    """The app's recorded rules with their names, first endpoint per rule wins.

    With ``unmatched`` the pseudo-rule :data:`UNMATCHED` is included.
    """
    found: dict[str, RouteInfo] = {}
    if unmatched:
        found[UNMATCHED.rule] = RouteInfo("", UNMATCHED_INFO_NAME, UNMATCHED_INFO_DOC)
    for rule in app.url_map.iter_rules():
        if rule.rule in found or not should_record(rule):
            continue
        name, doc = name_and_doc(app.view_functions.get(rule.endpoint), rule.endpoint)
        found[rule.rule] = RouteInfo(rule.endpoint, name, doc)
    return found


class RouteRegistry:
    """The rules one app records, and what the app says about each."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        self.app = app
        self.should_record = rule_filter(settings)
        self._unmatched = settings.record_unmatched

    def app_routes(self) -> dict[str, RouteInfo]:
        """The app's recorded rules with their docstring names (see :func:`app_routes`)."""
        return app_routes(self.app, self.should_record, unmatched=self._unmatched)


def stored_info(info: RouteInfo) -> RouteInfo:
    """``info`` with every text fitted to its column (see :func:`.bounds.fit`)."""
    columns = routes_table.c
    return RouteInfo(
        fit(info.endpoint, columns.endpoint),
        fit(info.name, columns.name),
        fit(info.doc, columns.doc),
    )


def sync_routes(
    connection: sa.Connection, infos: Mapping[str, RouteInfo], now: datetime
) -> dict[str, LiveRoute]:
    """Make sure every rule in ``infos`` has a row; return the live ones by rule.

    Missing rules are inserted (concurrent inserts of the same rule by other
    processes are ignored); rules that already have a row are not re-inserted,
    so a PostgreSQL id sequence is not consumed on every flush. Names and
    descriptions follow the docstrings unless an admin renamed the route.
    Tombstoned rules are left alone and not returned. Every text is fitted to
    its column first, so the result is keyed by the caller's rules while the
    rows hold the fitted ones (rules sharing their first 500 characters share
    one row).
    """
    if not infos:
        return {}
    by_stored: dict[str, list[str]] = {}
    for rule in sorted(infos):
        by_stored.setdefault(fit(rule, routes_table.c.rule), []).append(rule)
    fitted = {stored: stored_info(infos[rules[0]]) for stored, rules in by_stored.items()}
    rows = _rows_for(connection, fitted)
    missing = sorted(set(fitted) - {row["rule"] for row in rows})
    if missing:
        insert = insert_unless_stored(connection, routes_table, ["rule"])
        connection.execute(
            insert,
            [
                {
                    "rule": rule,
                    "endpoint": fitted[rule].endpoint,
                    "name": fitted[rule].name,
                    "doc": fitted[rule].doc,
                    "name_overridden": False,
                    "created_at": now,
                }
                for rule in missing
            ],
        )
        rows = _rows_for(connection, fitted)
    live: dict[str, LiveRoute] = {}
    for row in rows:
        if row["deleted_at"] is not None:
            continue
        info = fitted[row["rule"]]
        overridden = bool(row["name_overridden"])
        route = LiveRoute(row["id"], row["name"] if overridden else info.name)
        live.update(dict.fromkeys(by_stored[row["rule"]], route))
        if not overridden and (row["name"], row["doc"], row["endpoint"]) != (
            info.name,
            info.doc,
            info.endpoint,
        ):
            connection.execute(
                sa.update(routes_table)
                .where(routes_table.c.id == row["id"])
                .values(name=info.name, doc=info.doc, endpoint=info.endpoint)
            )
    return live


def _rows_for(connection: sa.Connection, rules: Iterable[str]) -> list[sa.RowMapping]:
    query = sa.select(routes_table).where(routes_table.c.rule.in_(sorted(rules)))
    return list(connection.execute(query).mappings())


def rename_route(
    connection: sa.Connection,
    rule: str,
    name: str,
    doc: str | None,
    info: RouteInfo | None,
    now: datetime,
) -> dict[str, Any]:
    """Rename a route (re-adding it if deleted); the name sticks across restarts.

    ``info`` is the app's own description of the rule, used to create the row
    when the rule has no row yet. ``doc=None`` keeps the stored description
    (else the app's). Raises :class:`UnknownRouteError` when the rule has no
    row and the app does not record it. Returns the route row.
    """
    row = _row_of(connection, rule)
    if doc is None:
        stored = None if row is None else row["doc"]
        doc = str(stored) if stored is not None else (info.doc if info else "")
    if row is None:
        if info is None:
            raise UnknownRouteError(rule)
        connection.execute(
            sa.insert(routes_table).values(
                rule=rule,
                endpoint=info.endpoint,
                name=name,
                doc=doc,
                name_overridden=True,
                created_at=now,
            )
        )
    else:
        connection.execute(
            sa.update(routes_table)
            .where(routes_table.c.id == row["id"])
            .values(name=name, doc=doc, name_overridden=True, deleted_at=None)
        )
    return _stored_row(connection, rule)


def _row_of(connection: sa.Connection, rule: str) -> sa.RowMapping | None:
    query = sa.select(routes_table).where(routes_table.c.rule == rule)
    return connection.execute(query).mappings().first()


def _stored_row(connection: sa.Connection, rule: str) -> dict[str, Any]:
    row = _row_of(connection, rule)
    if row is None:  # written in this transaction, so never reached
        raise UnknownRouteError(rule)
    return dict(row)


def delete_route(connection: sa.Connection, rule: str, now: datetime) -> dict[str, Any]:
    """Delete a route's history and tombstone it; returns the tombstoned row.

    Removes its buckets, its automatic incidents and its links to manual
    incidents and maintenance windows. Raises :class:`UnknownRouteError` when
    no live route has this rule.
    """
    route_id = connection.execute(
        sa.select(routes_table.c.id).where(
            routes_table.c.rule == rule, routes_table.c.deleted_at.is_(None)
        )
    ).scalar()
    if route_id is None:
        raise UnknownRouteError(rule)
    # Explicit deletes rather than ON DELETE CASCADE: SQLite enforces foreign
    # keys only when a pragma is set, and the row itself stays as a tombstone.
    for table in BUCKET_TABLES.values():
        connection.execute(sa.delete(table).where(table.c.route_id == route_id))
    automatic = sa.select(incidents.c.id).where(incidents.c.route_id == route_id)
    connection.execute(
        sa.delete(incident_updates).where(incident_updates.c.incident_id.in_(automatic))
    )
    connection.execute(sa.delete(incidents).where(incidents.c.route_id == route_id))
    connection.execute(sa.delete(incident_routes).where(incident_routes.c.route_id == route_id))
    connection.execute(
        sa.delete(maintenance_routes).where(maintenance_routes.c.route_id == route_id)
    )
    connection.execute(
        sa.update(routes_table)
        .where(routes_table.c.id == route_id)
        .values(deleted_at=now, name_overridden=False)
    )
    return _stored_row(connection, rule)
