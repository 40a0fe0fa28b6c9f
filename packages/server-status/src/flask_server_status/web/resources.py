"""URL rules whose unsupported methods still get a JSON answer.

Flask answers a wrong method with the app's own (HTML) 405 page, because a
routing error belongs to no blueprint. Each resource here is registered for
every method and dispatches itself, so a wrong method gets the package's JSON
405 with an ``Allow`` header, and the app's error handlers stay untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from .errors import ApiError

Handler = Callable[..., ResponseReturnValue]

ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def add_resource(
    blueprint: Blueprint, rule: str, endpoint: str, handlers: Mapping[str, Handler]
) -> None:
    """Serve ``rule`` with ``handlers`` (method -> view); other methods answer 405."""
    allowed = set(handlers) | {"OPTIONS"}
    if "GET" in handlers:
        allowed.add("HEAD")
    allow_header = ", ".join(sorted(allowed))

    def view(**kwargs: Any) -> ResponseReturnValue:
        method = "GET" if request.method == "HEAD" else request.method
        if method == "OPTIONS":
            return Response(status=204, headers={"Allow": allow_header})
        handler = handlers.get(method)
        if handler is None:
            raise ApiError(
                405,
                f"{request.method} is not allowed here; use {allow_header}",
                {"Allow": allow_header},
            )
        return handler(**kwargs)

    blueprint.add_url_rule(
        rule, endpoint, view, methods=list(ALL_METHODS), provide_automatic_options=False
    )


def add_not_found(blueprint: Blueprint, rule: str, endpoint: str) -> None:
    """Answer unknown paths under ``rule`` (a ``<path:...>`` rule) with a JSON 404."""

    def view(**_kwargs: Any) -> ResponseReturnValue:
        raise ApiError(404, f"no such endpoint: {request.path}")

    blueprint.add_url_rule(
        rule, endpoint, view, methods=list(ALL_METHODS), provide_automatic_options=False
    )
