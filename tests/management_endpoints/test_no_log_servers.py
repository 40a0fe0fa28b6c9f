"""no_log against real servers: gunicorn, the Werkzeug dev server and waitress.

Each server runs the same app (written to a module in tmp_path) with
``ManagementEndpoints(app, no_log=True)``. Successful probes must be absent
from the access log; failed probes and other requests must be present.
Servers other than the gunicorn CLI run in a fresh interpreter so that the
access logger really is created after ``init_app``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.fake_service import free_port
from tests.support.gunicorn import REPO_ROOT, GunicornRunner
from tests.support.subprocesses import stop

APP_MODULE = """
from flask import Flask

from flask_management_endpoints import ManagementEndpoints


def create_app():
    app = Flask("probed")
    app.config["Z_ENDPOINTS"] = {
        # A readiness check that fails, so /health and /health/readiness answer 503.
        "check_functions": {"readiness": {"broken": lambda: False}},
        "indicators": {"memory": False, "diskSpace": False},
    }
    app.add_url_rule("/", "home", lambda: "home")
    app.add_url_rule("/zebra", "zebra", lambda: "not a management path")
    ManagementEndpoints(app, no_log=True)
    return app


app = create_app()
"""

# path -> expected status. Successful probes must vanish, everything else stays.
SUCCESSFUL_PROBES = {
    "/z/health/liveness": 200,
    "/z/health/ping": 200,
    "/z/info": 200,
    "/z/version": 200,
    "/z": 200,
}
KEPT = {
    "/": 200,
    "/zebra": 200,
    "/z/health/readiness": 503,
    "/z/health": 503,
    "/z/health/nope": 404,
}


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "probed_app.py").write_text(APP_MODULE)
    return tmp_path


def exercise(base_url: str) -> None:
    """Request every path twice, checking the status each time."""
    for _ in range(2):
        for path, status in {**SUCCESSFUL_PROBES, **KEPT}.items():
            answer = requests.get(base_url + path, timeout=10)
            assert answer.status_code == status, (path, answer.status_code, answer.text)


def logged_paths(lines: list[str]) -> dict[str, int]:
    """How many access lines name each path (request line ``"GET <path> HTTP/1.1"``)."""
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]  # Werkzeug's colours
    return {
        path: sum(f'"GET {path} HTTP/1.1"' in line for line in plain)
        for path in {**SUCCESSFUL_PROBES, **KEPT}
    }


def assert_only_successful_probes_dropped(lines: list[str]) -> None:
    counts = logged_paths(lines)
    assert {p: counts[p] for p in SUCCESSFUL_PROBES} == dict.fromkeys(SUCCESSFUL_PROBES, 0)
    assert {p: counts[p] for p in KEPT} == dict.fromkeys(KEPT, 2)


# Start-up polling asks for this; its access lines are not counted.
READY_PATH = "/?ready"


def wait_until_serving(base_url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(base_url + READY_PATH, timeout=2)
            return
        except requests.RequestException:
            assert time.monotonic() < deadline, f"{base_url} did not answer"
            time.sleep(0.1)


@pytest.mark.gunicorn
def test_gunicorn_drops_successful_probes(gunicorn: GunicornRunner, app_dir: Path) -> None:
    server = gunicorn.start(
        "probed_app:app", workers=2, pythonpath=[app_dir], ready_path=READY_PATH
    )
    exercise(server.base_url)
    assert server.stop() == 0  # graceful: every access line is written
    lines = server.read_access_log().splitlines()
    assert_only_successful_probes_dropped(lines)
    # gunicorn's status atom is a string: the lines carry it as logged.
    assert any('"GET /z/health HTTP/1.1" 503' in line for line in lines)


EMBEDDED_GUNICORN = """
import json, logging, sys

from probed_app import app  # ManagementEndpoints(app, no_log=True) has run

from gunicorn.app.base import BaseApplication

print(json.dumps("gunicorn.access" in logging.root.manager.loggerDict), flush=True)


class Embedded(BaseApplication):
    def load_config(self):
        self.cfg.set("bind", sys.argv[1])
        self.cfg.set("workers", 1)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", 4)
        self.cfg.set("accesslog", sys.argv[2])
        self.cfg.set("access_log_format", '{"request": "%(r)s", "status": "%(s)s"}')

    def load(self):
        return app


Embedded().run()
"""


@pytest.fixture
def embedded_gunicorn(app_dir: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    """gunicorn embedded in a script that builds the app before gunicorn's loggers."""
    (app_dir / "embedded.py").write_text(EMBEDDED_GUNICORN)
    port = free_port()
    access_log = app_dir / "embedded-access.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(app_dir), str(REPO_ROOT)])}
    proc = subprocess.Popen(
        [sys.executable, str(app_dir / "embedded.py"), f"127.0.0.1:{port}", str(access_log)],
        cwd=app_dir,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url)
        yield base_url, access_log, proc
    finally:
        stop(proc, signal.SIGTERM, timeout=20)


@pytest.mark.gunicorn
def test_gunicorn_logger_created_after_init_app(
    embedded_gunicorn: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base_url, access_log, proc = embedded_gunicorn
    exercise(base_url)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    assert proc.stdout is not None
    assert json.loads(proc.stdout.readline()) is False  # no access logger at init_app
    lines = access_log.read_text().splitlines()
    assert_only_successful_probes_dropped([line.replace('\\"', '"') for line in lines])
    # A custom access_log_format changes the text, not what the filter reads.
    assert all(line.startswith('{"request": ') for line in lines)


SERVE_IN_FRESH_INTERPRETER = """
import json, logging, sys, threading

from probed_app import app  # ManagementEndpoints(app, no_log=True) has run

ACCESS_LOGGERS = ("werkzeug", "wsgi", "gunicorn.access")
existing = [n for n in ACCESS_LOGGERS if n in logging.root.manager.loggerDict]
lines = []


class Capture(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())


logging.getLogger().addHandler(Capture())

if sys.argv[1] == "werkzeug":
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port, serve, stop = server.server_port, server.serve_forever, server.shutdown
else:
    from paste.translogger import TransLogger
    from waitress import create_server

    server = create_server(
        TransLogger(app, setup_console_handler=False), host="127.0.0.1", port=0, threads=2
    )
    port, serve, stop = server.effective_port, server.run, server.close

thread = threading.Thread(target=serve, daemon=True)
thread.start()
print(json.dumps({"port": port, "existing": existing}), flush=True)
sys.stdin.readline()  # the test has made its requests
stop()
print(json.dumps(lines), flush=True)
"""


@pytest.mark.parametrize("server", ["werkzeug", "waitress"])
def test_dev_server_and_waitress_drop_successful_probes(app_dir: Path, server: str) -> None:
    if server == "waitress":
        # waitress writes no access log; its documentation points to Paste's TransLogger.
        pytest.importorskip("paste.translogger", reason="waitress access logs need Paste")
    (app_dir / "serve.py").write_text(textwrap.dedent(SERVE_IN_FRESH_INTERPRETER))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(app_dir), str(REPO_ROOT)])}
    with subprocess.Popen(
        [sys.executable, str(app_dir / "serve.py"), server],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        try:
            started = json.loads(proc.stdout.readline())
            # The access logger does not exist yet when init_app runs.
            assert started["existing"] == []
            exercise(f"http://127.0.0.1:{started['port']}")
            proc.stdin.write("done\n")
            proc.stdin.flush()
            lines = json.loads(proc.stdout.readline())
        finally:
            proc.kill()
    assert_only_successful_probes_dropped(lines)
