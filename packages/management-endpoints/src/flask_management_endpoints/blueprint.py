"""``z_blueprint``: the management endpoints as a Flask blueprint.

Registering it is enough (``app.register_blueprint(z_blueprint)`` mounts
it at ``/z``, ``url_prefix=`` elsewhere); :class:`ManagementEndpoints` adds
validation at ``init_app``, ``no_log`` and the ``db`` indicator.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask, Response, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import MethodNotAllowed, NotFound

from flask_management_endpoints.errors import ConfigError
from flask_management_endpoints.info import collect_info
from flask_management_endpoints.responses import (
    NO_STORE,
    json_error,
    json_response,
    method_not_allowed,
    not_found,
)
from flask_management_endpoints.state import DEFAULT_PREFIX, get_state
from flask_management_endpoints.version import read_version

z_blueprint = Blueprint("management_endpoints", __name__, url_prefix=DEFAULT_PREFIX)


@z_blueprint.record
def _remember_prefix(setup: BlueprintSetupState) -> None:
    # Dependency URLs and the discovery links use the prefix this app
    # mounted the blueprint at; the first registration wins.
    state = get_state(cast(Flask, setup.app))
    if state.prefix is None:
        state.prefix = (setup.url_prefix or "").rstrip("/")


@z_blueprint.errorhandler(ConfigError)
def _configuration_error(error: ConfigError) -> Response:
    # Reached with the blueprint alone, or when the configuration is replaced
    # after start-up; init_app raises the same error to its caller instead.
    return json_error(500, "Configuration Error", str(error), request.path)


@z_blueprint.before_app_request
def _json_routing_errors() -> Response | None:
    """A JSON 404, or 405 with ``Allow``, for every method and path under the prefix.

    Routing failed before any blueprint was chosen, so a blueprint error
    handler is never asked; this hook runs before Flask raises the routing
    error (OPTIONS and TRACE included, and paths no rule can match, such as
    ones holding a newline) and leaves every other path to the app's own
    error handlers.
    """
    error = request.routing_exception
    if not isinstance(error, NotFound | MethodNotAllowed):
        return None
    path, prefix = request.path, get_state().mount_prefix
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        return None
    if isinstance(error, MethodNotAllowed):
        return method_not_allowed(request.method, sorted(error.valid_methods or ()), path)
    return not_found(f"no management endpoint at {path!r}", path)


@z_blueprint.get("", strict_slashes=False)
def discovery() -> Response:
    """``_links`` to every endpoint, Actuator style."""

    def link(endpoint: str, suffix: str = "", **values: str) -> dict[str, Any]:
        href = url_for(endpoint, _external=True, **values) + suffix
        return {"href": href, "templated": bool(suffix)}

    links = {
        "self": link(".discovery"),
        "health": link(".health", path=""),
        "health-path": link(".health", "/{*path}", path=""),
        "info": link(".info"),
        "version": link(".version"),
    }
    return json_response({"_links": links}, 200)


@z_blueprint.get("/health", defaults={"path": ""}, strict_slashes=False)
# Static rules for the probes: they match faster than the path converter.
@z_blueprint.get("/health/liveness", defaults={"path": "liveness"})
@z_blueprint.get("/health/readiness", defaults={"path": "readiness"})
@z_blueprint.get("/health/ping", defaults={"path": "ping"})
@z_blueprint.get("/health/<path:path>")
def health(path: str) -> Response:
    """The root of the health tree, or a group or component below it."""
    # The request object itself, not the proxy: the probe path reads it often.
    current_request = request._get_current_object()  # type: ignore[attr-defined]
    return get_state().endpoint().respond(path, current_request)


@z_blueprint.get("/info")
def info() -> Response:
    state = get_state()
    return json_response(collect_info(state.app, state.settings.info), 200)


@z_blueprint.get("/version")
def version() -> Response:
    state = get_state()
    state.endpoint()  # an invalid configuration answers as for every endpoint
    try:
        text, status = read_version(state.app.config)
    except Exception as error:  # a broken version_function is the app's bug, not a crash
        text, status = f"version unavailable: {type(error).__name__}: {error}", 500
    return Response(text, status, headers=NO_STORE, content_type="text/plain; charset=utf-8")
