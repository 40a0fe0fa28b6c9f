"""The request hooks: count every request of a recorded rule into the aggregate.

This is the hot path. Per request a thin wrapper around ``app.wsgi_app``
stores one timestamp in the WSGI environ (a ``before_request`` hook would cost
Flask's hook dispatch and a context lookup for the same result, and would miss
the time spent routing); an ``after_request`` hook looks the rule up in a dict,
classifies the status with a tuple index and adds to counters under a short
lock. No I/O, no logging, nothing that can fail the host's request. The
request object is resolved once (``_get_current_object``) because every
attribute read through Flask's ``request`` proxy costs as much as the rest of
the hook.

Outcome classes: failure when the status is in ``SERVER_STATUS_FAILURE_STATUSES``
(default 500-599), client error for any other 4xx, success otherwise. An
unhandled exception counts as a 500 (Flask answers 500 and runs
``after_request``; when it propagates the exception instead, in testing or
debug mode, the ``got_request_exception`` signal counts it). Its type and
message are remembered for the automatic incident of the rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter, time
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Request, Response, got_request_exception, request
from werkzeug.local import LocalProxy

from .aggregate import CLIENT_ERRORS, FAILURES, SUCCESSES, Aggregate, ErrorInfo
from .bounds import fit
from .config import Settings
from .flusher import Flusher
from .models import incidents
from .routes import UNMATCHED, RuleLike

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger("flask_server_status")

START_KEY = "flask_server_status.start"
_current_request = cast("LocalProxy[Request]", request)._get_current_object
ERROR_MESSAGE_LIMIT = 1000


def outcome_of(status: int, failure_statuses: frozenset[int]) -> int:
    """The counter index (SUCCESSES, FAILURES or CLIENT_ERRORS) of an HTTP status."""
    if status in failure_statuses:
        return FAILURES
    if 400 <= status <= 499:
        return CLIENT_ERRORS
    return SUCCESSES


def describe_exception(error: BaseException) -> ErrorInfo:
    """``(qualified type name, message)`` of an exception, each fitted to its column.

    The message is cut to :data:`ERROR_MESSAGE_LIMIT` characters: admins need
    its start, not a whole dump.
    """
    kind = type(error)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    columns = incidents.c
    return fit(name, columns.error_type), fit(
        str(error)[:ERROR_MESSAGE_LIMIT], columns.error_message
    )


class Recorder:
    """Installs the request hooks on an app and feeds one :class:`Aggregate`.

    ``should_record(rule)`` decides once per rule string whether it is
    recorded; the first recorded request of a process starts ``flusher``'s
    thread (lazily, so a preloading gunicorn master never runs one).
    """

    def __init__(
        self,
        settings: Settings,
        aggregate: Aggregate,
        should_record: Callable[[RuleLike], bool],
        flusher: Flusher,
    ) -> None:
        self.aggregate = aggregate
        self._should_record = should_record
        self._flusher = flusher
        self._outcomes = tuple(outcome_of(s, settings.failure_statuses) for s in range(600))
        self._decisions: dict[str, bool] = {}
        self._started = False
        # Requests matching no rule are counted under this pseudo-rule, if asked.
        self._unmatched = UNMATCHED if settings.record_unmatched else None

    def install(self, app: Flask) -> None:
        inner = app.wsgi_app

        def timed_wsgi_app(environ: WSGIEnvironment, start_response: StartResponse) -> Any:
            environ[START_KEY] = perf_counter()
            return inner(environ, start_response)

        timed_wsgi_app.__wrapped__ = inner  # type: ignore[attr-defined]
        app.wsgi_app = timed_wsgi_app  # type: ignore[method-assign]
        # First in the list: Flask runs after_request hooks in reverse order, so
        # ours runs last and sees the final status.
        app.after_request_funcs.setdefault(None, []).insert(0, self._after_request)
        got_request_exception.connect(self._on_exception, app, weak=False)

    def reset_after_fork(self) -> None:
        """A forked child starts its own flush thread on its first request."""
        self._started = False

    def _after_request(self, response: Response) -> Response:
        current = _current_request()
        start = current.environ.pop(START_KEY, None)
        rule = current.url_rule or self._unmatched
        if start is not None and rule is not None:
            self._count(rule, response.status_code, start)
        return response

    def _on_exception(self, sender: Flask, exception: BaseException, **_extra: object) -> None:
        try:
            self._note_exception(sender, exception)
        except Exception:  # never let counting break the host's error handling
            logger.exception("flask-server-status could not count a failed request")

    def _note_exception(self, app: Flask, exception: BaseException) -> None:
        current = _current_request()
        rule = current.url_rule
        if rule is None:
            return
        if self._decide(rule):
            self.aggregate.note_error(rule.rule, describe_exception(exception))
        propagate = app.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = app.testing or app.debug
        start = current.environ.get(START_KEY)
        if propagate and start is not None:
            # Flask re-raises instead of answering, so after_request never runs.
            del current.environ[START_KEY]
            self._count(rule, 500, start)

    def _decide(self, rule: RuleLike) -> bool:
        record = self._decisions.get(rule.rule)
        if record is None:
            record = self._decisions[rule.rule] = self._should_record(rule)
        return record

    def _count(self, rule: RuleLike, status: int, start: float) -> None:
        latency_ms = (perf_counter() - start) * 1000.0
        try:
            record = self._decisions.get(rule.rule)
            if record is None:
                record = self._decide(rule)
            if not record:
                return
            if not self._started:
                self._started = True
                self._flusher.start()
            outcome = self._outcomes[status] if 0 <= status < 600 else SUCCESSES
            self.aggregate.add(rule.rule, int(time()) // 60, outcome, latency_ms)
        except Exception:  # never let counting break the host's request
            logger.exception("flask-server-status could not count a request")
