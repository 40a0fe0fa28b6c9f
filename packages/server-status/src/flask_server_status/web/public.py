"""The status page, the public JSON API, the Atom feed and the badges.

One blueprint at the status prefix (default ``/status``) with the package's
own static folder for the page bundle. The page is ``static/index.html`` as
the frontend build wrote it, with the current state rendered into it by
:mod:`.page_html` (never through Flask's template loader, which would change
the app's template search path).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from .. import reports
from ..clock import isoformat, utcnow
from ..config import Settings
from ..state import StatusState
from .badges import component_status_badge, status_badge, uptime_badge
from .conditional import Prepared, public_answer
from .errors import ApiError, install_error_handlers, json_response
from .feed import render_feed
from .headers import PAGE_POLICY, any_origin, no_sniff
from .openapi import document_for
from .page_html import render_page
from .resources import Prefix, add_resource
from .v2 import add_v2_answers
from .validation import choice_arg, existing_id, positive_int_arg

STATIC_FOLDER = Path(__file__).resolve().parent.parent / "static"
PAGE_FILE = "index.html"
MISSING_BUNDLE = (
    "The status page is not built: flask_server_status/static/index.html is missing.\n"
    "Released wheels of flask-server-status ship it: reinstall the package from PyPI.\n"
    "In a source checkout, build it with `npm ci && npm run build` in frontend/.\n"
    "The JSON API under api/ works without it.\n"
)


def _public(response: Response) -> Response:
    """Always revalidated (it changes with every flush), gzip'd and tagged."""
    return public_answer(response, request)


def public_prefix(settings: Settings) -> Prefix:
    """The status prefix: unrouted answers carry the blueprint's headers too."""
    return Prefix(settings.url_prefix, finish=lambda response: no_sniff(any_origin(response)))


#: The last page number a paged answer accepts.
MAX_PAGE = 100_000


def _days() -> int:
    return positive_int_arg(
        "days", default=reports.MAX_HISTORY_DAYS, maximum=reports.MAX_HISTORY_DAYS
    )


def public_blueprint(state: StatusState) -> Blueprint:
    """The blueprint of the page, the public API, the feed and the badges."""
    settings = state.settings
    blueprint = Blueprint(
        "server_status",
        __name__,
        url_prefix=settings.url_prefix,
        static_folder=str(STATIC_FOLDER),
        static_url_path="/static",
    )
    install_error_handlers(blueprint)
    blueprint.after_request(any_origin)
    blueprint.after_request(no_sniff)

    def shared(key: Hashable, build: Callable[[], Response]) -> Response:
        """The answer of ``key`` as this process keeps it (see :mod:`..shared_answers`)."""

        def prepare() -> tuple[Prepared, str | None]:
            built = build()
            return Prepared.of(built.get_data()), built.mimetype

        prepared, mimetype = state.answers.get(key, prepare)
        return prepared.apply(Response(mimetype=mimetype), request)

    def page() -> ResponseReturnValue:
        skeleton = STATIC_FOLDER / PAGE_FILE
        if not skeleton.is_file():
            return Response(MISSING_BUNDLE, status=503, mimetype="text/plain")

        def build() -> Response:
            data = summary_data(reports.MAX_HISTORY_DAYS)
            html = render_page(skeleton.read_text(encoding="utf-8"), data)
            return Response(html, mimetype="text/html")

        try:
            response = shared(("page",), build)
        except SQLAlchemyError:
            # The database is away: the page is still served, without a first paint,
            # and its script says that the status cannot be read (and retries).
            response = _public(Response(skeleton.read_bytes(), mimetype="text/html"))
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response

    def summary_data(days: int) -> dict[str, Any]:
        """The summary of ``days``, read once per period for its answer and the page alike."""
        return state.answers.get(
            ("summary data", days), lambda: reports.summary(state.engine, settings, days=days)
        )

    def summary() -> ResponseReturnValue:
        days = _days()
        return shared(("summary", days), lambda: json_response(summary_data(days)))

    def status() -> ResponseReturnValue:
        return shared(
            ("status",), lambda: json_response(reports.overall_status(state.engine, settings))
        )

    def routes() -> ResponseReturnValue:
        return _public(json_response(reports.route_list(state.engine, settings)))

    def route(route_id: int) -> ResponseReturnValue:
        days = _days()
        found = reports.route_detail(
            state.engine, settings, existing_id("route", route_id), days=days
        )
        if found is None:
            raise ApiError(404, f"no route with id {route_id}")
        return _public(json_response(found))

    def components() -> ResponseReturnValue:
        page = positive_int_arg("page", default=1, maximum=MAX_PAGE)
        return _public(json_response(reports.component_list(state.engine, settings, page=page)))

    def component(component_id: str) -> ResponseReturnValue:
        days = _days()
        return _public(json_response(_component(component_id, days=days)))

    def _component(component_id: str, *, days: int | None) -> dict[str, Any]:
        found = reports.component_detail(state.engine, settings, component_id, days=days)
        if found is None:
            raise ApiError(404, f"no component with id {component_id!r}")
        return found

    def incidents() -> ResponseReturnValue:
        return _public(json_response(reports.incident_overview(state.engine, settings)))

    def incident(incident_id: int) -> ResponseReturnValue:
        found = reports.incident_detail(
            state.engine, settings, existing_id("incident", incident_id)
        )
        if found is None:
            raise ApiError(404, f"no incident with id {incident_id}")
        return _public(json_response(found))

    def maintenance() -> ResponseReturnValue:
        return _public(json_response(reports.maintenance_overview(state.engine, settings)))

    def openapi() -> ResponseReturnValue:
        document = document_for(settings.url_prefix, settings.admin_prefix, request.script_root)
        return _public(json_response(document))

    def _feed(component_id: str | None) -> Response:
        found = reports.feed_incidents(state.engine, settings, component_id=component_id)
        if found is None:
            raise ApiError(404, f"no component with id {component_id!r}")
        base = settings.base_url
        path = "feed.atom" if component_id is None else f"components/{component_id}/feed.atom"
        page_url = f"{base}{settings.url_prefix}/" if base else url_for(".page", _external=True)
        body = render_feed(
            title=settings.page_title,
            component_name=None if component_id is None else found.component_names[component_id],
            page_url=page_url,
            feed_url=f"{page_url}{path}",
            base_url=base,
            url_prefix=settings.url_prefix,
            feed_path=f"{settings.url_prefix}/{path}",
            generated_at=isoformat(utcnow()) or "",
            incidents=found.incidents,
            component_names=found.component_names,
        )
        return _public(Response(body, mimetype="application/atom+xml"))

    def feed() -> ResponseReturnValue:
        return _feed(None)

    def component_feed(component_id: str) -> ResponseReturnValue:
        return _feed(component_id)

    def badge() -> ResponseReturnValue:
        def build() -> Response:
            indicator = reports.overall_status(state.engine, settings)["status"]["indicator"]
            return Response(status_badge("status", indicator), mimetype="image/svg+xml")

        return shared(("badge",), build)

    def uptime(route_id: int) -> ResponseReturnValue:
        window = choice_arg("window", reports.WINDOWS, default="30d")
        found = reports.route_detail(
            state.engine, settings, existing_id("route", route_id), days=None
        )
        if found is None:
            raise ApiError(404, f"no route with id {route_id}")
        return _svg(uptime_badge(found["name"], window, found["uptime"][window]))

    def component_uptime(component_id: str) -> ResponseReturnValue:
        window = choice_arg("window", reports.WINDOWS, default="30d")
        found = _component(component_id, days=None)
        return _svg(uptime_badge(found["name"], window, found["uptime"][window]))

    def component_status(component_id: str) -> ResponseReturnValue:
        found = _component(component_id, days=None)
        return _svg(component_status_badge(found["name"], found["status"]))

    for rule, endpoint, view in (
        ("/", "page", page),
        ("/api/summary", "summary", summary),
        ("/api/status", "status", status),
        ("/api/routes", "routes", routes),
        ("/api/routes/<int:route_id>", "route", route),
        ("/api/components", "components", components),
        ("/api/components/<component_id>", "component", component),
        ("/api/incidents", "incidents", incidents),
        ("/api/incidents/<int:incident_id>", "incident", incident),
        ("/api/maintenance", "maintenance", maintenance),
        ("/api/openapi.json", "openapi", openapi),
        ("/feed.atom", "feed", feed),
        ("/components/<component_id>/feed.atom", "component_feed", component_feed),
        ("/badge.svg", "badge", badge),
        ("/badges/<int:route_id>/uptime.svg", "uptime_badge", uptime),
        (
            "/badges/components/<component_id>/uptime.svg",
            "component_uptime_badge",
            component_uptime,
        ),
        (
            "/badges/components/<component_id>/status.svg",
            "component_status_badge",
            component_status,
        ),
    ):
        add_resource(blueprint, rule, endpoint, {"GET": view})
    add_v2_answers(blueprint, state)
    return blueprint


def _svg(svg: str) -> Response:
    return _public(Response(svg, mimetype="image/svg+xml"))
