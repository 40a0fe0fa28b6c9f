"""The admin API: route names, manual incidents and maintenance windows.

Off unless ``SERVER_STATUS_API_ENABLED`` (alias ``API_ENABLED``); while off
every admin URL answers 404. When on, every request needs
``Authorization: Bearer <SERVER_STATUS_API_SECRET>``, compared in constant
time; a missing or wrong token answers 401 with ``WWW-Authenticate: Bearer``.
Enabling the API without a secret is refused at ``init_app`` (see ``config``).
"""

from __future__ import annotations

import hmac
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from .. import models, reports
from ..routes import UnknownRouteError
from ..state import StatusState
from . import manage
from .errors import ApiError, install_error_handlers, json_response
from .headers import no_sniff
from .resources import add_not_found, add_resource
from .validation import Fields, existing_id, read_json_object

AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="flask-server-status"'}
TITLE = {"max_length": 200, "min_length": 1}
LONG_TEXT = {"max_length": 5000}
RULE = {"max_length": 500, "min_length": 1}
MAINTENANCE_FIELDS = frozenset({"title", "description", "starts_at", "ends_at", "route_ids"})


def bearer_token_matches(header: str | None, secret: str | None) -> bool:
    """Whether an ``Authorization`` header carries ``secret`` as its bearer token."""
    if secret is None or header is None:
        return False
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(_header_bytes(token.strip()), secret.encode("utf-8"))


def _header_bytes(value: str) -> bytes:
    """The bytes the client sent: WSGI hands header values over decoded as Latin-1,
    so a UTF-8 client's non-ASCII token is recovered by encoding back to Latin-1."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        # Not from a WSGI server (a str built in-process): already real text.
        return value.encode("utf-8", "replace")


def _admin(payload: object, status: int = 200) -> Response:
    response = json_response(payload, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _latest(conn: sa.Connection, table: sa.Table, column: str) -> list[sa.RowMapping]:
    """At most ``LIST_LIMIT`` rows of ``table``, the latest ``column`` first."""
    query = (
        sa.select(table)
        .order_by(table.c[column].desc(), table.c.id.desc())
        .limit(reports.LIST_LIMIT)
    )
    return list(conn.execute(query).mappings())


def route_dict(row: Any) -> dict[str, Any]:
    """A route row as the admin API shows it."""
    return {
        "id": row["id"],
        "rule": row["rule"],
        "endpoint": row["endpoint"] or None,
        "name": row["name"],
        "doc": row["doc"] or "",
        "name_overridden": bool(row["name_overridden"]),
        "deleted_at": reports.isoformat(row["deleted_at"]),
        "created_at": reports.isoformat(row["created_at"]),
    }


def admin_blueprint(state: StatusState) -> Blueprint:
    """The blueprint of the admin API at ``SERVER_STATUS_ADMIN_PREFIX``."""
    settings = state.settings
    blueprint = Blueprint("server_status_admin", __name__, url_prefix=settings.admin_prefix)
    install_error_handlers(blueprint)
    blueprint.after_request(no_sniff)

    @blueprint.before_request
    def authenticate() -> None:
        if not settings.api_enabled:
            raise ApiError(404, "not found (the admin API is not enabled)")
        if not bearer_token_matches(request.headers.get("Authorization"), settings.api_secret):
            raise ApiError(401, "missing or wrong bearer token", AUTHENTICATE)

    def fields(**options: Any) -> Fields:
        return Fields(read_json_object(settings.api_max_body_bytes), **options)

    # --- routes ---------------------------------------------------------------------

    def list_routes() -> ResponseReturnValue:
        with state.engine.connect() as conn:
            rows = conn.execute(sa.select(models.routes).order_by(models.routes.c.id)).mappings()
            return _admin({"routes": [route_dict(row) for row in rows]})

    def configure() -> ResponseReturnValue:
        body = fields(allowed={"rule", "name", "doc"}, required=("rule", "name"))
        rule = body.text("rule", **RULE) or ""
        name = body.text("name", **TITLE) or ""
        doc = body.text("doc", **LONG_TEXT)
        if doc is None:
            doc = _current_doc(rule)
        try:
            row = state.rename_route(rule, name, doc)
        except UnknownRouteError:
            raise ApiError(404, f"no route with rule {rule!r}") from None
        return _admin(route_dict(row))

    def _current_doc(rule: str) -> str:
        with state.engine.connect() as conn:
            stored = conn.execute(
                sa.select(models.routes.c.doc).where(models.routes.c.rule == rule)
            ).scalar()
        if stored is not None:
            return str(stored)
        info = state.app_routes().get(rule)
        return info.doc if info else ""

    def remove() -> ResponseReturnValue:
        rule = fields(allowed={"rule"}, required=("rule",)).text("rule", **RULE) or ""
        try:
            state.delete_route(rule)
        except UnknownRouteError:
            raise ApiError(404, f"no route with rule {rule!r}") from None
        with state.engine.connect() as conn:
            row = (
                conn.execute(sa.select(models.routes).where(models.routes.c.rule == rule))
                .mappings()
                .one()
            )
        return _admin(route_dict(row))

    # --- incidents ------------------------------------------------------------------

    def incident_answer(incident_id: int, status: int = 200) -> ResponseReturnValue:
        found = reports.incident_detail(state.engine, incident_id, admin=True)
        if found is None:
            raise ApiError(404, f"no incident with id {incident_id}")
        response = _admin(found, status)
        if status == 201:
            response.headers["Location"] = url_for(".incident", incident_id=incident_id)
        return response

    def list_incidents() -> ResponseReturnValue:
        with state.engine.connect() as conn:
            rows = _latest(conn, models.incidents, "started_at")
            return _admin({"incidents": reports.incident_dicts(conn, rows, admin=True)})

    def create_incident() -> ResponseReturnValue:
        body = fields(
            allowed={"title", "status", "impact", "route_ids", "message", "started_at"},
            required=("title",),
        )
        now = reports.utcnow()
        title = body.text("title", **TITLE) or ""
        status = body.choice("status", models.INCIDENT_STATUSES) or "investigating"
        impact = body.choice("impact", models.INCIDENT_IMPACTS) or "minor"
        route_ids = body.ids("route_ids") or []
        message = body.text("message", **LONG_TEXT) or ""
        started_at = body.time("started_at") or now
        with state.engine.begin() as conn:
            incident_id = manage.create_incident(
                conn,
                title=title,
                status=status,
                impact=impact,
                route_ids=route_ids,
                message=message,
                started_at=started_at,
                now=now,
            )
        return incident_answer(incident_id, 201)

    def get_incident(incident_id: int) -> ResponseReturnValue:
        return incident_answer(existing_id("incident", incident_id))

    def patch_incident(incident_id: int) -> ResponseReturnValue:
        incident_id = existing_id("incident", incident_id)
        body = fields(allowed={"title", "impact", "route_ids"}, at_least_one=True)
        with state.engine.begin() as conn:
            manage.change_incident(
                conn,
                incident_id,
                title=body.text("title", **TITLE),
                impact=body.choice("impact", models.INCIDENT_IMPACTS),
                route_ids=body.ids("route_ids"),
            )
        return incident_answer(incident_id)

    def post_update(incident_id: int) -> ResponseReturnValue:
        incident_id = existing_id("incident", incident_id)
        body = fields(allowed={"status", "message"}, required=("status", "message"))
        status = body.choice("status", models.INCIDENT_STATUSES) or ""
        message = body.text("message", max_length=5000, min_length=1) or ""
        with state.engine.begin() as conn:
            manage.add_incident_update(
                conn, incident_id, status=status, message=message, now=reports.utcnow()
            )
        return incident_answer(incident_id, 201)

    # --- maintenance ----------------------------------------------------------------

    def maintenance_answer(maintenance_id: int, status: int = 200) -> ResponseReturnValue:
        now = reports.utcnow()
        with state.engine.connect() as conn:
            row = manage.maintenance_row(conn, maintenance_id)
            found = reports.maintenance_dicts(conn, [row], now)[0]
        response = _admin(found, status)
        if status == 201:
            response.headers["Location"] = url_for(
                ".maintenance_window", maintenance_id=maintenance_id
            )
        return response

    def list_maintenance() -> ResponseReturnValue:
        now = reports.utcnow()
        with state.engine.connect() as conn:
            rows = _latest(conn, models.maintenance, "starts_at")
            return _admin({"maintenance": reports.maintenance_dicts(conn, rows, now)})

    def create_maintenance() -> ResponseReturnValue:
        body = fields(allowed=MAINTENANCE_FIELDS, required=("title", "starts_at", "ends_at"))
        title = body.text("title", **TITLE) or ""
        description = body.text("description", **LONG_TEXT) or ""
        starts_at, ends_at = body.required_time("starts_at"), body.required_time("ends_at")
        with state.engine.begin() as conn:
            maintenance_id = manage.create_maintenance(
                conn,
                title=title,
                description=description,
                starts_at=starts_at,
                ends_at=ends_at,
                route_ids=body.ids("route_ids") or [],
                now=reports.utcnow(),
            )
        return maintenance_answer(maintenance_id, 201)

    def get_maintenance(maintenance_id: int) -> ResponseReturnValue:
        return maintenance_answer(existing_id("maintenance window", maintenance_id))

    def patch_maintenance(maintenance_id: int) -> ResponseReturnValue:
        maintenance_id = existing_id("maintenance window", maintenance_id)
        body = fields(allowed=MAINTENANCE_FIELDS, at_least_one=True)
        candidates = {
            "title": body.text("title", **TITLE),
            "description": body.text("description", **LONG_TEXT),
            "starts_at": body.time("starts_at"),
            "ends_at": body.time("ends_at"),
        }
        values = {name: value for name, value in candidates.items() if value is not None}
        with state.engine.begin() as conn:
            manage.change_maintenance(
                conn, maintenance_id, values=values, route_ids=body.ids("route_ids")
            )
        return maintenance_answer(maintenance_id)

    def delete_maintenance(maintenance_id: int) -> ResponseReturnValue:
        maintenance_id = existing_id("maintenance window", maintenance_id)
        with state.engine.begin() as conn:
            manage.delete_maintenance(conn, maintenance_id)
        return Response(status=204)

    resources: list[tuple[str, str, dict[str, Any]]] = [
        ("/configure", "configure", {"GET": list_routes, "PUT": configure, "DELETE": remove}),
        ("/incidents", "incidents", {"GET": list_incidents, "POST": create_incident}),
        (
            "/incidents/<int:incident_id>",
            "incident",
            {"GET": get_incident, "PATCH": patch_incident},
        ),
        ("/incidents/<int:incident_id>/updates", "incident_updates", {"POST": post_update}),
        ("/maintenance", "maintenance", {"GET": list_maintenance, "POST": create_maintenance}),
        (
            "/maintenance/<int:maintenance_id>",
            "maintenance_window",
            {"GET": get_maintenance, "PATCH": patch_maintenance, "DELETE": delete_maintenance},
        ),
    ]
    for rule, endpoint, handlers in resources:
        add_resource(blueprint, rule, endpoint, handlers)
    add_not_found(blueprint, "/<path:unknown>", "not_found")
    add_not_found(blueprint, "/", "index")
    return blueprint
