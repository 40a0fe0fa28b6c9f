"""JSON errors for the status blueprints.

Every error these blueprints answer is ``{"error": {"status": N, "reason": "..."}}``
with the matching HTTP status: never HTML, never a stack trace. The handlers are
registered on the package's own blueprints, so the host app's error handlers and
JSON provider stay exactly as the app configured them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from flask import Blueprint, Response
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..errors import InvalidInputError, NotFoundError, StatusError

log = logging.getLogger("flask_server_status")


class ApiError(Exception):
    """An error answer with a status and a human-readable reason."""

    def __init__(self, status: int, reason: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = dict(headers or {})


def json_response(payload: object, status: int = 200) -> Response:
    """Serialise with the standard library so the app's JSON provider is never involved."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Response(body, status=status, mimetype="application/json")


def json_error(status: int, reason: str, headers: Mapping[str, str] | None = None) -> Response:
    """The JSON error answer for ``status``: the only place an error body is built."""
    response = json_response({"error": {"status": status, "reason": reason}}, status)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def api_error_response(error: ApiError) -> Response:
    """The JSON error answer of an :class:`ApiError`."""
    return json_error(error.status, error.reason, error.headers)


#: The HTTP status of each domain error; the only place the two meet.
DOMAIN_STATUSES: tuple[tuple[type[StatusError], int], ...] = (
    (NotFoundError, 404),
    (InvalidInputError, 422),
)


def _domain_error(error: StatusError) -> Response:
    status = next((code for kind, code in DOMAIN_STATUSES if isinstance(error, kind)), 422)
    return json_error(status, error.reason)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    reason = error.description or error.name
    headers = {}
    if status == 405 and error.response is None:
        allow = getattr(error, "valid_methods", None)
        if allow:
            headers["Allow"] = ", ".join(allow)
    return json_error(status, reason, headers)


def _database_error(error: SQLAlchemyError) -> Response:
    log.warning("status database unavailable: %s", error.__class__.__name__)
    return json_error(503, "the status database is unavailable; try again shortly")


def _unexpected_error(error: Exception) -> Response:
    log.exception("unexpected error in a status endpoint", exc_info=error)
    return json_error(500, "internal error in the status endpoint")


def install_error_handlers(blueprint: Blueprint) -> None:
    """Answer every error raised by ``blueprint``'s views as a JSON error."""
    blueprint.register_error_handler(ApiError, api_error_response)
    blueprint.register_error_handler(StatusError, _domain_error)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(SQLAlchemyError, _database_error)
    blueprint.register_error_handler(Exception, _unexpected_error)
