"""The no_log filter's decisions, and what installing it leaves alone."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
import requests
from flask import Flask

from flask_management_endpoints import ManagementEndpoints, no_log
from flask_management_endpoints.no_log import ProbeAccessLogFilter, access_of


def record(msg: str, args: object) -> logging.LogRecord:
    return logging.LogRecord("access", logging.INFO, __file__, 1, msg, args, None)  # type: ignore[arg-type]


def werkzeug_record(request_line: str, status: str) -> logging.LogRecord:
    # The shape WSGIRequestHandler.log_request gives its record.
    return record('127.0.0.1 - - [21/Nov/2026 15:00:00] "%s" %s %s', (request_line, status, "-"))


def gunicorn_record(path: str, status: object) -> logging.LogRecord:
    # gunicorn logs access_log_format with its atoms mapping as the only argument.
    atoms = {"U": path, "s": status, "r": f"GET {path} HTTP/1.1", "q": ""}
    return record('%(h)s "%(r)s" %(s)s', (atoms,))


KEEP, DROP = True, False


@pytest.fixture(autouse=True)
def restore_access_loggers() -> Iterator[None]:
    """Take this module's filters off the shared access loggers afterwards."""
    before = {
        name: list(logging.getLogger(name).filters)
        for name in no_log.DEFAULT_LOGGER_NAMES
        if name in logging.root.manager.loggerDict
    }
    yield
    for name in no_log.DEFAULT_LOGGER_NAMES:
        if name in logging.root.manager.loggerDict:
            logging.getLogger(name).filters[:] = before.get(name, [])


@pytest.mark.parametrize(
    ("log_record", "expected"),
    [
        (gunicorn_record("/z/health/liveness", "200"), DROP),  # gunicorn: a string status
        (gunicorn_record("/z/health/liveness", 200), DROP),
        (gunicorn_record("/z/info", "304"), DROP),
        (gunicorn_record("/z/health", "503"), KEEP),
        (gunicorn_record("/z/health/x", "404"), KEEP),
        (gunicorn_record("/zebra", "200"), KEEP),
        (gunicorn_record("/", "200"), KEEP),
        (gunicorn_record("/z", "200"), DROP),
        (werkzeug_record("GET /z/health/ping?verbose=1 HTTP/1.1", "200"), DROP),
        (werkzeug_record("\x1b[32mGET /z/health HTTP/1.1\x1b[0m", "308"), DROP),  # coloured 3xx
        (werkzeug_record("\x1b[35m\x1b[1mGET /z/health HTTP/1.1\x1b[0m", "500"), KEEP),
        (werkzeug_record("HEAD /z/version HTTP/1.0", "200"), DROP),
        (werkzeug_record("GET /orders HTTP/1.1", "200"), KEEP),
        (record('10.0.0.1 - - [t] "GET /z/info HTTP/1.1" 200 12 "-" "kube-probe/1.29"', ()), DROP),
        (record(" * Running on http://127.0.0.1:5000", ()), KEEP),
        (record("broken %s %s", ("one",)), KEEP),  # malformed: left to the handler
    ],
)
def test_filter_decisions(log_record: logging.LogRecord, expected: bool) -> None:
    assert ProbeAccessLogFilter(["/z"]).filter(log_record) is expected


def test_access_of_reads_path_and_status() -> None:
    assert access_of(gunicorn_record("/z/info", "200")) == ("/z/info", "200")
    assert access_of(werkzeug_record("GET /a?b=c HTTP/1.1", "404")) == ("/a", "404")
    assert access_of(record("plain message", ())) is None
    assert access_of(record("%(x)s", ({"x": 1},))) is None  # a mapping that is not gunicorn's


def test_prefixes_are_normalised_and_root_is_ignored() -> None:
    assert ProbeAccessLogFilter(["z/", "/admin/"]).prefixes() == ("/z", "/admin")
    catch_all = ProbeAccessLogFilter(["/", ""])
    assert catch_all.prefixes() == ()
    assert catch_all.filter(gunicorn_record("/orders", "200")) is KEEP


def test_callable_prefixes_are_read_when_filtering() -> None:
    current = ["/z"]
    log_filter = ProbeAccessLogFilter(lambda: current)
    assert log_filter.filter(gunicorn_record("/ops/health", "200")) is KEEP
    current[:] = ["/ops"]
    assert log_filter.filter(gunicorn_record("/ops/health", "200")) is DROP


def test_install_leaves_handlers_levels_and_app_logger_alone() -> None:
    app = Flask("untouched")
    root = logging.getLogger()
    before = (list(root.handlers), root.level, list(app.logger.handlers), app.logger.level)
    hooks_before = dict(app.before_request_funcs)
    no_log.install(app, ["/z"], logger_names=["never.created.access"])
    assert (list(root.handlers), root.level, list(app.logger.handlers), app.logger.level) == (
        before
    )
    assert app.before_request_funcs == hooks_before
    assert "never.created.access" not in logging.root.manager.loggerDict


def test_filter_attaches_to_existing_and_later_loggers() -> None:
    early = logging.getLogger("tests.no_log.early")
    app = Flask("attach")
    app.add_url_rule("/z/health", "probe", lambda: "UP")
    log_filter = no_log.install(
        app, ["/z"], logger_names=["tests.no_log.early", "tests.no_log.late"]
    )
    assert log_filter in early.filters
    late = logging.getLogger("tests.no_log.late")  # appears after install
    assert log_filter not in late.filters
    app.test_client().get("/z/health")
    assert log_filter in late.filters


def test_two_apps_filter_their_own_prefixes(
    live_server: Callable[[Flask], str], caplog: pytest.LogCaptureFixture
) -> None:
    quiet, chatty = Flask("quiet"), Flask("chatty")
    ManagementEndpoints(quiet, no_log=True)
    ManagementEndpoints(chatty, prefix="/admin")
    quiet_url, chatty_url = live_server(quiet), live_server(chatty)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert requests.get(f"{quiet_url}/z/health/liveness", timeout=10).status_code == 200
        assert requests.get(f"{chatty_url}/admin/health/liveness", timeout=10).status_code == 200
    messages = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert not any("/z/health/liveness" in m for m in messages)
    assert sum("/admin/health/liveness" in m for m in messages) == 1
