"""The request hook: counts every request of a recorded rule into the aggregate.

This is the hot path. Per request it stores one timestamp in the WSGI environ,
then, after the response is made, looks the rule up in a dict, classifies
the status with a tuple index and adds to counters under a short lock. No I/O,
no logging, nothing that can fail the host's request.

Outcome classes: failure when the status is in ``SERVER_STATUS_FAILURE_STATUSES``
(default 500-599), client error for any other 4xx, success otherwise. An
unhandled exception counts as a 500 even when Flask propagates it (testing
or debug mode), and its type and message are remembered for the automatic
incident of the rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter, time

from flask import Flask, Response, request
from werkzeug.routing import Rule

from .aggregate import CLIENT_ERRORS, FAILURES, SUCCESSES, Aggregate, ErrorInfo
from .config import Settings

logger = logging.getLogger("flask_server_status")

START_KEY = "flask_server_status.start"
ERROR_MESSAGE_LIMIT = 1000


def outcome_of(status: int, failure_statuses: frozenset[int]) -> int:
    """The counter index (SUCCESSES, FAILURES or CLIENT_ERRORS) of an HTTP status."""
    if status in failure_statuses:
        return FAILURES
    if 400 <= status <= 499:
        return CLIENT_ERRORS
    return SUCCESSES


def describe_exception(error: BaseException) -> ErrorInfo:
    """``(qualified type name, message)`` of an exception, message truncated."""
    kind = type(error)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    return name, str(error)[:ERROR_MESSAGE_LIMIT]


class Recorder:
    """Installs the request hooks on an app and feeds one :class:`Aggregate`.

    ``should_record(rule)`` decides once per rule string whether it is
    recorded; ``on_first_request`` is called once (per process) when the
    first recorded request arrives, to start the flush thread lazily.
    """

    def __init__(
        self,
        settings: Settings,
        aggregate: Aggregate,
        should_record: Callable[[Rule], bool],
        on_first_request: Callable[[], None],
    ) -> None:
        self.aggregate = aggregate
        self._should_record = should_record
        self._on_first_request = on_first_request
        self._outcomes = tuple(outcome_of(s, settings.failure_statuses) for s in range(600))
        self._decisions: dict[str, bool] = {}
        self._started = False

    def install(self, app: Flask) -> None:
        # First in both lists: the timestamp is taken before the app's own
        # before_request hooks, and our after_request runs last (Flask runs them
        # in reverse), so it sees the final status.
        app.before_request_funcs.setdefault(None, []).insert(0, self._before_request)
        app.after_request_funcs.setdefault(None, []).insert(0, self._after_request)
        app.teardown_request(self._teardown_request)

    def reset_after_fork(self) -> None:
        """A forked child starts its own flush thread on its first request."""
        self._started = False

    def _before_request(self) -> None:
        request.environ[START_KEY] = perf_counter()

    def _after_request(self, response: Response) -> Response:
        start = request.environ.pop(START_KEY, None)
        rule = request.url_rule
        if start is not None and rule is not None:
            self._count(rule, response.status_code, start)
        return response

    def _teardown_request(self, error: BaseException | None) -> None:
        if error is None:
            return
        rule = request.url_rule
        if rule is None:
            return
        start = request.environ.pop(START_KEY, None)
        if start is not None:
            # The exception propagated past Flask's error handling, so no
            # response (and no after_request) was made: it is a 500.
            self._count(rule, 500, start)
        if self._decisions.get(rule.rule):
            self.aggregate.note_error(rule.rule, describe_exception(error))

    def _count(self, rule: Rule, status: int, start: float) -> None:
        latency_ms = (perf_counter() - start) * 1000.0
        try:
            record = self._decisions.get(rule.rule)
            if record is None:
                record = self._decisions[rule.rule] = self._should_record(rule)
            if not record:
                return
            if not self._started:
                self._started = True
                self._on_first_request()
            outcome = self._outcomes[status] if 0 <= status < 600 else SUCCESSES
            self.aggregate.add(rule.rule, int(time()) // 60, outcome, latency_ms)
        except Exception:  # never let counting break the host's request
            logger.exception("flask-server-status could not count a request")
