"""The admin API: route names, manual incidents and maintenance windows.

Off unless ``SERVER_STATUS_API_ENABLED`` (alias ``API_ENABLED``); while off
every admin URL answers 404. When on, every request needs
``Authorization: Bearer <SERVER_STATUS_API_SECRET>``, compared in constant
time; a missing or wrong token answers 401 with ``WWW-Authenticate: Bearer``.
Enabling the API without a secret is refused at ``init_app`` (see ``config``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from .. import incidents, maintenance, models
from ..auth import token_matches
from ..clock import utcnow
from ..config import Settings
from ..reports.admin import (
    admin_incident_detail,
    all_routes,
    latest_incidents,
    latest_maintenance,
    maintenance_detail,
    route_dict,
)
from ..reports.objects import nameable_component_ids
from ..state import StatusState
from .errors import ApiError, install_error_handlers, json_response
from .headers import no_sniff
from .resources import Prefix, add_resource
from .validation import Fields, existing_id, read_json_object

AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="flask-server-status"'}
TITLE = {"max_length": 200, "min_length": 1}
LONG_TEXT = {"max_length": 5000}
RULE = {"max_length": 500, "min_length": 1}
MAINTENANCE_FIELDS = frozenset(
    {"title", "description", "starts_at", "ends_at", "route_ids", "component_ids"}
)


def authenticate(settings: Settings) -> None:
    """404 while the admin API is off, 401 unless the request carries the secret."""
    if not settings.api_enabled:
        raise ApiError(404, "not found (the admin API is not enabled)")
    if not token_matches(request.headers.get("Authorization"), settings.api_secret):
        raise ApiError(401, "missing or wrong bearer token", AUTHENTICATE)


def admin_prefix(settings: Settings) -> Prefix:
    """The admin prefix: unrouted requests are authenticated like routed ones."""
    return Prefix(settings.admin_prefix, finish=no_sniff, guard=lambda: authenticate(settings))


def _admin(payload: object, status: int = 200) -> Response:
    response = json_response(payload, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def admin_blueprint(state: StatusState) -> Blueprint:
    """The blueprint of the admin API at ``SERVER_STATUS_ADMIN_PREFIX``."""
    settings = state.settings
    blueprint = Blueprint("server_status_admin", __name__, url_prefix=settings.admin_prefix)
    install_error_handlers(blueprint)
    blueprint.after_request(no_sniff)

    def forget_public_answers(response: Response) -> Response:
        """A successful write changes what the public reads: this process rebuilds it."""
        if request.method not in ("GET", "HEAD") and response.status_code < 400:
            state.answers.invalidate()
        return response

    blueprint.after_request(forget_public_answers)
    blueprint.before_request(lambda: authenticate(settings))

    def fields(**options: Any) -> Fields:
        return Fields(read_json_object(settings.api_max_body_bytes), **options)

    # --- routes ---------------------------------------------------------------------

    def list_routes() -> ResponseReturnValue:
        return _admin(all_routes(state.engine))

    def configure() -> ResponseReturnValue:
        body = fields(allowed={"rule", "name", "doc"}, required=("rule", "name"))
        rule = body.text("rule", **RULE) or ""
        name = body.text("name", **TITLE) or ""
        doc = body.text("doc", **LONG_TEXT)
        return _admin(route_dict(state.rename_route(rule, name, doc)))

    def remove() -> ResponseReturnValue:
        rule = fields(allowed={"rule"}, required=("rule",)).text("rule", **RULE) or ""
        return _admin(route_dict(state.delete_route(rule)))

    # --- incidents ------------------------------------------------------------------

    def incident_answer(incident_id: int, status: int = 200) -> ResponseReturnValue:
        found = admin_incident_detail(state.engine, incident_id)
        if found is None:
            raise ApiError(404, f"no incident with id {incident_id}")
        response = _admin(found, status)
        if status == 201:
            response.headers["Location"] = url_for(".incident", incident_id=incident_id)
        return response

    def list_incidents() -> ResponseReturnValue:
        return _admin(latest_incidents(state.engine))

    def create_incident() -> ResponseReturnValue:
        body = fields(
            allowed={
                "title",
                "status",
                "impact",
                "route_ids",
                "component_ids",
                "message",
                "started_at",
            },
            required=("title",),
        )
        now = utcnow()
        title = body.text("title", **TITLE) or ""
        status = body.choice("status", models.INCIDENT_STATUSES) or "investigating"
        impact = body.choice("impact", models.INCIDENT_IMPACTS) or "minor"
        route_ids = body.ids("route_ids") or []
        message = body.text("message", **LONG_TEXT) or ""
        started_at = body.time("started_at") or now
        component_ids = body.component_ids("component_ids") or []
        with state.engine.begin() as conn:
            incident_id = incidents.create_incident(
                conn,
                title=title,
                status=status,
                impact=impact,
                route_ids=route_ids,
                component_ids=component_ids,
                known_components=nameable_component_ids(conn, settings),
                message=message,
                started_at=started_at,
                now=now,
            )
        return incident_answer(incident_id, 201)

    def get_incident(incident_id: int) -> ResponseReturnValue:
        return incident_answer(existing_id("incident", incident_id))

    def patch_incident(incident_id: int) -> ResponseReturnValue:
        incident_id = existing_id("incident", incident_id)
        body = fields(allowed={"title", "impact", "route_ids", "component_ids"}, at_least_one=True)
        title = body.text("title", **TITLE)
        impact = body.choice("impact", models.INCIDENT_IMPACTS)
        route_ids, component_ids = body.ids("route_ids"), body.component_ids("component_ids")
        with state.engine.begin() as conn:
            incidents.change_incident(
                conn,
                incident_id,
                title=title,
                impact=impact,
                route_ids=route_ids,
                component_ids=component_ids,
                known_components=nameable_component_ids(conn, settings),
            )
        return incident_answer(incident_id)

    def post_status(incident_id: int) -> ResponseReturnValue:
        incident_id = existing_id("incident", incident_id)
        body = fields(allowed={"status", "message"}, required=("status", "message"))
        status = body.choice("status", models.INCIDENT_STATUSES) or ""
        message = body.text("message", max_length=5000, min_length=1) or ""
        with state.engine.begin() as conn:
            incidents.record_status(conn, incident_id, status=status, message=message, now=utcnow())
        return incident_answer(incident_id, 201)

    # --- maintenance ----------------------------------------------------------------

    def maintenance_answer(maintenance_id: int, status: int = 200) -> ResponseReturnValue:
        found = maintenance_detail(state.engine, maintenance_id, utcnow())
        if found is None:
            raise ApiError(404, f"no maintenance window with id {maintenance_id}")
        response = _admin(found, status)
        if status == 201:
            response.headers["Location"] = url_for(
                ".maintenance_window", maintenance_id=maintenance_id
            )
        return response

    def list_maintenance() -> ResponseReturnValue:
        return _admin(latest_maintenance(state.engine, utcnow()))

    def create_maintenance() -> ResponseReturnValue:
        body = fields(allowed=MAINTENANCE_FIELDS, required=("title", "starts_at", "ends_at"))
        title = body.text("title", **TITLE) or ""
        description = body.text("description", **LONG_TEXT) or ""
        starts_at, ends_at = body.required_time("starts_at"), body.required_time("ends_at")
        route_ids = body.ids("route_ids") or []
        component_ids = body.component_ids("component_ids") or []
        with state.engine.begin() as conn:
            maintenance_id = maintenance.create_maintenance(
                conn,
                title=title,
                description=description,
                starts_at=starts_at,
                ends_at=ends_at,
                route_ids=route_ids,
                component_ids=component_ids,
                known_components=nameable_component_ids(conn, settings),
                now=utcnow(),
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
        route_ids, component_ids = body.ids("route_ids"), body.component_ids("component_ids")
        with state.engine.begin() as conn:
            maintenance.change_maintenance(
                conn,
                maintenance_id,
                values=values,
                route_ids=route_ids,
                component_ids=component_ids,
                known_components=nameable_component_ids(conn, settings),
            )
        return maintenance_answer(maintenance_id)

    def delete_maintenance(maintenance_id: int) -> ResponseReturnValue:
        maintenance_id = existing_id("maintenance window", maintenance_id)
        with state.engine.begin() as conn:
            maintenance.delete_maintenance(conn, maintenance_id)
        return Response(status=204)

    resources: list[tuple[str, str, dict[str, Any]]] = [
        ("/configure", "configure", {"GET": list_routes, "PUT": configure, "DELETE": remove}),
        ("/incidents", "incidents", {"GET": list_incidents, "POST": create_incident}),
        (
            "/incidents/<int:incident_id>",
            "incident",
            {"GET": get_incident, "PATCH": patch_incident},
        ),
        ("/incidents/<int:incident_id>/updates", "incident_updates", {"POST": post_status}),
        ("/maintenance", "maintenance", {"GET": list_maintenance, "POST": create_maintenance}),
        (
            "/maintenance/<int:maintenance_id>",
            "maintenance_window",
            {"GET": get_maintenance, "PATCH": patch_maintenance, "DELETE": delete_maintenance},
        ),
    ]
    for rule, endpoint, handlers in resources:
        add_resource(blueprint, rule, endpoint, handlers)
    return blueprint
