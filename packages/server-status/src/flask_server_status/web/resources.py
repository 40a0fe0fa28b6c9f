"""URL rules of the package, and the one hook that answers what they do not.

Flask answers a request no rule matches (an unknown path, a wrong method,
OPTIONS, TRACE, a path with ``%0A`` that no ``<path:...>`` rule can match) with
the app's own error handlers, because a routing error belongs to no
blueprint. :func:`install_unrouted_answers` wraps the app's routing-error
step (``app.raise_routing_exception``, which Flask calls only when routing
failed, after the app's ``before_request`` hooks) so that such requests under
the package's prefixes get its JSON 404, or 405 with ``Allow`` (OPTIONS: 204
with ``Allow``), before the host's error handlers run. No hook runs on the
host's own requests; its paths and error handlers stay untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from flask import Blueprint, Flask, Request, Response, abort, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import MethodNotAllowed, NotFound

from .errors import ApiError, api_error_response, json_error

Handler = Callable[..., ResponseReturnValue]


def add_resource(
    blueprint: Blueprint, rule: str, endpoint: str, handlers: Mapping[str, Handler]
) -> None:
    """Serve ``rule`` with ``handlers`` (method -> view; ``GET`` also answers ``HEAD``)."""

    def view(**kwargs: Any) -> ResponseReturnValue:
        return handlers["GET" if request.method == "HEAD" else request.method](**kwargs)

    blueprint.add_url_rule(
        rule, endpoint, view, methods=list(handlers), provide_automatic_options=False
    )


def _no_guard() -> None:
    return None


@dataclass(frozen=True)
class Prefix:
    """A URL prefix the package answers in full.

    ``guard`` runs first and may raise :class:`~.errors.ApiError` (the admin
    API's token check); ``finish`` adds the headers the prefix's blueprint
    adds to every answer.
    """

    path: str
    finish: Callable[[Response], Response]
    guard: Callable[[], None] = _no_guard

    def covers(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path + "/")


def _unrouted(error: NotFound | MethodNotAllowed) -> Response:
    if isinstance(error, NotFound):
        return json_error(404, f"no such endpoint: {request.path}")
    allow = ", ".join(sorted({*(error.valid_methods or ()), "OPTIONS"}))
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": allow})
    reason = f"{request.method} is not allowed here; use {allow}"
    return json_error(405, reason, {"Allow": allow})


def install_unrouted_answers(app: Flask, prefixes: Sequence[Prefix]) -> None:
    """Answer requests under ``prefixes`` that match no rule (once per app).

    The answer is raised as a response, which Flask returns (through the
    app's ``after_request`` functions) without asking its error handlers;
    every other routing error goes on as before.
    """
    # The longest prefix first, so a prefix nested in another wins.
    ordered = sorted(prefixes, key=lambda prefix: len(prefix.path), reverse=True)
    raise_default = app.raise_routing_exception

    def answer(current: Request, error: NotFound | MethodNotAllowed) -> Response | None:
        prefix = next((p for p in ordered if p.covers(current.path)), None)
        if prefix is None:
            return None  # the host's own path
        if isinstance(error, NotFound) and not current.path.endswith("/"):
            # Werkzeug redirects ``/status`` to the rule ``/status/`` for that
            # rule's methods only, and answers 404 for the others: they are a
            # wrong method, not a wrong path.
            adapter = app.url_map.bind_to_environ(current.environ)
            methods = adapter.allowed_methods(current.path + "/")
            if methods:
                error = MethodNotAllowed(valid_methods=methods)
        try:
            prefix.guard()
        except ApiError as refused:
            return prefix.finish(api_error_response(refused))
        return prefix.finish(_unrouted(error))

    def raise_routing_exception(current: Request) -> NoReturn:
        error = current.routing_exception
        if isinstance(error, NotFound | MethodNotAllowed):
            response = answer(current, error)
            if response is not None:
                abort(response)
        raise_default(current)

    # Flask sends every routing error through this method, meant to be
    # overridden by a subclass; an extension cannot subclass the host's app,
    # so it is replaced on this app only.
    app.raise_routing_exception = raise_routing_exception  # type: ignore[method-assign, assignment]
