"""JSON answers shared by the endpoints; none of them may be cached."""

from __future__ import annotations

from typing import Any

from flask import Request, Response

from flask_management_endpoints.health.formats import ACTUATOR_V3, dumps

ACTUATOR_V2 = "application/vnd.spring-boot.actuator.v2+json"

NO_STORE = {"Cache-Control": "no-store"}


def json_response(document: Any, status: int, content_type: str = "application/json") -> Response:
    return body_response(dumps(document), status, content_type)


def body_response(body: str, status: int, content_type: str) -> Response:
    # A header list is the cheapest way in: probes come every few seconds.
    headers = [("Content-Type", content_type), ("Cache-Control", "no-store")]
    return Response(body, status, headers=headers)


def actuator_media_type(request: Request) -> str:
    """The Actuator media type a client such as Spring Boot Admin asks for, else JSON."""
    header = request.environ.get("HTTP_ACCEPT")
    if not header or header == "*/*":
        return "application/json"
    best = request.accept_mimetypes.best_match((ACTUATOR_V3, ACTUATOR_V2, "application/json"))
    return best or "application/json"


def json_error(status: int, error: str, message: str, path: str) -> Response:
    """``{"status": 404, "error": "Not Found", "message": ..., "path": ...}``."""
    document = {"status": status, "error": error, "message": message, "path": path}
    return json_response(document, status)


def not_found(message: str, path: str) -> Response:
    return json_error(404, "Not Found", message, path)


def method_not_allowed(method: str, allowed: list[str], path: str) -> Response:
    message = f"{method} is not allowed here; use {', '.join(allowed)}"
    response = json_error(405, "Method Not Allowed", message, path)
    response.headers["Allow"] = ", ".join(allowed)
    return response


def unauthorized(path: str) -> Response:
    """A 401 for an endpoint whose access is ``when_authorized``."""
    message = "this endpoint needs authorization: Authorization: Bearer <token>"
    response = json_error(401, "Unauthorized", message, path)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def probe_response(body: bytes, status: int) -> Response:
    """A probe answer from its prebuilt body: Actuator v3, not cached."""
    # Headers set one by one: cheaper than Response(headers=[...]), which validates a list.
    response = Response(body, status, content_type=ACTUATOR_V3)
    response.headers["Cache-Control"] = NO_STORE["Cache-Control"]
    return response
