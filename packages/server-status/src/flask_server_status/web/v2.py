"""The Statuspage API v2 answers (``api/v2/*.json``) on a blueprint.

The status blueprint serves them under its prefix; with
``SERVER_STATUS_V2_AT_ROOT`` a second blueprint serves the same answers at
``/api/v2/`` of the host app, where Atlassian's status widget looks for them.
The mapping lives in :mod:`..reports.statuspage_v2`; this module is HTTP only.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request, url_for
from flask.typing import ResponseReturnValue

from ..reports.statuspage_v2 import ANSWERS, statuspage_answer
from ..state import StatusState
from .conditional import public_answer
from .errors import install_error_handlers, json_response
from .headers import any_origin, no_sniff
from .resources import Handler, add_resource

#: The blueprint of the answers at the host app's root.
ROOT_BLUEPRINT = "server_status_v2"


def add_v2_answers(blueprint: Blueprint, state: StatusState) -> None:
    """Serve every answer of :data:`ANSWERS` at ``/api/v2/<name>`` of ``blueprint``."""
    settings = state.settings

    def page_url() -> str:
        if settings.base_url:
            return f"{settings.base_url}{settings.url_prefix}/"
        return url_for("server_status.page", _external=True)

    def view_of(name: str) -> Handler:
        def view() -> ResponseReturnValue:
            answer = statuspage_answer(state.engine, settings, name, page_url=page_url())
            return public_answer(json_response(answer), request)

        return view

    for name in ANSWERS:
        endpoint = "v2_" + name.removesuffix(".json").replace("/", "_").replace("-", "_")
        add_resource(blueprint, f"/api/v2/{name}", endpoint, {"GET": view_of(name)})


def register_v2_at_root(app: Flask, state: StatusState) -> None:
    """With ``SERVER_STATUS_V2_AT_ROOT``: the answers at ``/api/v2/`` of ``app`` too."""
    if not state.settings.v2_at_root:
        return
    blueprint = Blueprint(ROOT_BLUEPRINT, __name__)
    install_error_handlers(blueprint)

    blueprint.after_request(any_origin)
    blueprint.after_request(no_sniff)
    add_v2_answers(blueprint, state)
    app.register_blueprint(blueprint)
