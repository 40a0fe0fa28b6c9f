"""``z_blueprint``: the management endpoints as a Flask blueprint.

Registering it is enough (``app.register_blueprint(z_blueprint)`` mounts
it at ``/z``, ``url_prefix=`` elsewhere); :class:`ManagementEndpoints` adds
validation at ``init_app``, ``no_log`` and the ``db`` indicator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn, cast

from flask import Blueprint, Flask, Request, Response, abort, current_app, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from flask_management_endpoints import loggers
from flask_management_endpoints.env import app_environment
from flask_management_endpoints.errors import ConfigError
from flask_management_endpoints.health.groups import PROBE_GROUPS
from flask_management_endpoints.info import collect_info
from flask_management_endpoints.info.host import without_host_details
from flask_management_endpoints.mappings import app_mappings
from flask_management_endpoints.responses import (
    NO_STORE,
    actuator_media_type,
    json_error,
    json_response,
    method_not_allowed,
    not_found,
    unauthorized,
)
from flask_management_endpoints.state import DEFAULT_PREFIX, get_state
from flask_management_endpoints.threaddump import thread_dump, thread_dump_text
from flask_management_endpoints.version import read_version

z_blueprint = Blueprint("management_endpoints", __name__, url_prefix=DEFAULT_PREFIX)
#: The endpoint id (for ``exposure`` and ``access``) of each view; the index is always on.
VIEW_IDS = {
    "health": "health",
    **{f"health_{probe}": "health" for probe in ("liveness", "readiness", "ping")},
    "info": "info",
    "version": "version",
    "loggers_list": "loggers",
    "logger": "loggers",
    "mappings": "mappings",
    "env": "env",
    "threaddump": "threaddump",
}
#: The path of each endpoint id below the prefix, for the index.
PATHS = {endpoint_id: "/" + endpoint_id for endpoint_id in dict.fromkeys(VIEW_IDS.values())}


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


@z_blueprint.record_once
def _answer_routing_errors(setup: BlueprintSetupState) -> None:
    _install_json_routing_errors(cast(Flask, setup.app))


def _install_json_routing_errors(app: Flask) -> None:
    """A JSON 404, or 405 with ``Allow``, for every method and path under the prefix.

    Routing fails before any blueprint is chosen, so a blueprint error handler
    is never asked, and a hook on every request would tax the app's own
    routes. Flask raises a request's routing error from
    ``app.raise_routing_exception`` (after the app's ``before_request``
    hooks, as for every request): this wraps it on the app, so it runs only
    when routing failed. Under the prefix (OPTIONS and TRACE included, and
    paths no rule can match, such as ones holding a newline) the JSON answer
    is raised as a response, which Flask returns without asking the app's
    error handlers; every other routing error goes on as before.
    """
    raise_default = app.raise_routing_exception
    state = get_state(app)

    def raise_routing_exception(current: Request) -> NoReturn:
        error = current.routing_exception
        if isinstance(error, NotFound | MethodNotAllowed):
            path, prefix = current.path, state.mount_prefix
            if not prefix or path == prefix or path.startswith(prefix + "/"):
                abort(_routing_error(error, path))
        raise_default(current)

    # Flask sends every routing error through this method, meant to be
    # overridden by a subclass; an extension cannot subclass the host's app,
    # so it is replaced on this app only.
    app.raise_routing_exception = raise_routing_exception  # type: ignore[method-assign, assignment]


def _routing_error(error: NotFound | MethodNotAllowed, path: str) -> Response:
    if isinstance(error, MethodNotAllowed) and _exposed(_get_endpoint_id()):
        return method_not_allowed(request.method, sorted(error.valid_methods or ()), path)
    return not_found(f"no management endpoint at {path!r}", path)


def _get_endpoint_id() -> str | None:
    """The endpoint id a GET of this path would reach (a POST to ``/health``, say)."""
    adapter = current_app.create_url_adapter(request)
    try:
        endpoint, _ = adapter.match(method="GET") if adapter else ("", None)
    except HTTPException:
        return None
    return VIEW_IDS.get(str(endpoint).rpartition(".")[2])


def _exposed(endpoint_id: str | None) -> bool:
    if endpoint_id is None:
        return True
    try:
        return get_state().settings.exposure.exposed(endpoint_id)
    except ConfigError:  # answered by the endpoint itself; a 405 meanwhile
        return True


View = Callable[..., Response]
# One guarded function per view, however many rules lead to it (Flask insists).
_guarded_views: dict[View, View] = {}


def _route(
    rule: str, methods: tuple[str, ...] = ("GET",), endpoint: str | None = None, **options: Any
) -> Callable[[View], View]:
    """Register ``rule`` for a view, behind its endpoint's exposure and access rules.

    The checks run inside the view rather than from a blueprint
    ``before_request`` hook, whose call is a measurable part of a probe.
    Flask's automatic OPTIONS answer would come before them, so OPTIONS is
    one of the rule's methods and answered by :func:`_guard`.
    """

    def register(view: View) -> View:
        guarded = _guarded_views.get(view)
        if guarded is None:
            guarded = _guarded_views[view] = _guard(view)
        z_blueprint.add_url_rule(
            rule,
            endpoint or view.__name__,
            guarded,
            methods=[*methods, "OPTIONS"],
            provide_automatic_options=False,
            **options,
        )
        return view

    return register


def _guard(view: View) -> View:
    """``view`` behind its endpoint's rules.

    An endpoint that is not exposed answers 404 to every method; an exposed
    one answers OPTIONS without credentials (CORS preflights and discovery
    clients send none), and the probes without credentials too (their status
    is never hidden); everything else needs the endpoint's access.
    """
    endpoint_id = VIEW_IDS[view.__name__]
    probes_public = endpoint_id == "health"

    @functools.wraps(view)
    def guarded(**view_args: Any) -> Response:
        # One lookup of each proxy: this runs before every probe.
        current = request._get_current_object()  # type: ignore[attr-defined]
        health = get_state(current_app._get_current_object()).endpoint()  # type: ignore[attr-defined]
        exposure = health.settings.exposure
        if not exposure.exposed(endpoint_id):
            return not_found(f"no management endpoint at {current.path!r}", current.path)
        if current.method == "OPTIONS":
            return current_app.make_default_options_response()
        if (probes_public and view_args.get("path") in PROBE_GROUPS) or exposure.allows(
            endpoint_id, lambda: health.authorizer(current)
        ):
            return view(**view_args)
        return unauthorized(current.path)

    return guarded


@z_blueprint.get("", strict_slashes=False)
def discovery() -> Response:
    """``_links`` to every exposed endpoint, Actuator style."""
    exposure = get_state().settings.exposure

    def link(path: str) -> dict[str, Any]:
        href = url_for(".discovery", _external=True).rstrip("/") + path
        return {"href": href, "templated": "{" in path}

    links = {"self": link("")}
    for endpoint_id, path in PATHS.items():
        if exposure.exposed(endpoint_id):
            links[endpoint_id] = link(path)
            if endpoint_id in ("health", "loggers"):
                links[f"{endpoint_id}-path"] = link(
                    path + ("/{*path}" if endpoint_id == "health" else "/{name}")
                )
    return json_response({"_links": links}, 200, actuator_media_type(request))


@_route("/health", defaults={"path": ""}, strict_slashes=False)
# Static rules for the probes: they match faster than the path converter. Each
# has its own endpoint, as on every match Werkzeug compares the rule with the
# ones listed before it under the same endpoint (``redirect_defaults``).
@_route("/health/liveness", endpoint="health_liveness", defaults={"path": "liveness"})
@_route("/health/readiness", endpoint="health_readiness", defaults={"path": "readiness"})
@_route("/health/ping", endpoint="health_ping", defaults={"path": "ping"})
@_route("/health/<path:path>")
def health(path: str) -> Response:
    """The root of the health tree, or a group or component below it."""
    # The request object itself, not the proxy: the probe path reads it often.
    current_request = request._get_current_object()  # type: ignore[attr-defined]
    return get_state().endpoint().respond(path, current_request)


@_route("/info")
def info() -> Response:
    state = get_state()
    health = state.endpoint()
    options = health.settings.info
    document = collect_info(state.app, options)
    if not options.host_details.allows(lambda: health.authorizer(request)):
        document = without_host_details(document)
    return json_response(document, 200, actuator_media_type(request))


@_route("/version")
def version() -> Response:
    state = get_state()
    state.endpoint()  # an invalid configuration answers as for every endpoint
    try:
        text, status = read_version(state.app.config)
    except Exception as error:  # a broken version_function is the app's bug, not a crash
        text, status = f"version unavailable: {type(error).__name__}: {error}", 500
    return Response(text, status, headers=NO_STORE, content_type="text/plain; charset=utf-8")


@_route("/loggers")
def loggers_list() -> Response:
    _refresh_levels()
    return json_response(loggers.all_loggers(), 200, actuator_media_type(request))


@_route("/loggers/<path:name>", methods=("GET", "POST"))
def logger(name: str) -> Response:
    """``GET``: one logger's levels; ``POST {"configuredLevel": "DEBUG" | null}``: set it."""
    _refresh_levels()
    if request.method == "GET":
        levels = loggers.one_logger(name)
        if levels is None:
            return not_found(f"no logger named {name!r}", request.path)
        return json_response(levels, 200, actuator_media_type(request))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "configuredLevel" not in body:
        message = 'expected a JSON object {"configuredLevel": "<level>" or null}'
        return json_error(400, "Bad Request", message, request.path)
    try:
        level = loggers.parse_level(name, body["configuredLevel"])
    except loggers.LoggerLevelError as error:
        return json_error(400, "Bad Request", str(error), request.path)
    sync = get_state().logger_sync
    assert sync is not None  # the loggers endpoint is exposed, or this view is not reached
    sync.publish(name, level)
    return Response(status=204, headers=NO_STORE)


def _refresh_levels() -> None:
    sync = get_state().logger_sync
    if sync is not None:
        sync.refresh()


@_route("/mappings")
def mappings() -> Response:
    return json_response(app_mappings(get_state().app), 200, actuator_media_type(request))


@_route("/env")
def env() -> Response:
    state = get_state()
    document = app_environment(state.app, state.settings.info.secret_keys)
    return json_response(document, 200, actuator_media_type(request))


@_route("/threaddump")
def threaddump() -> Response:
    dump = thread_dump()
    if request.accept_mimetypes.best_match(["application/json", "text/plain"]) == "text/plain":
        return Response(
            thread_dump_text(dump), 200, headers=NO_STORE, content_type="text/plain; charset=utf-8"
        )
    return json_response(dump, 200, actuator_media_type(request))
