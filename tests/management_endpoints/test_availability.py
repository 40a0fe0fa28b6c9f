"""Availability state and the SIGTERM drain, in-process and under gunicorn (acceptance 6)."""

from __future__ import annotations

import os
import signal
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
import requests

from flask_management_endpoints import (
    LivenessState,
    ReadinessState,
    availability,
    drain_on_sigterm,
)
from flask_management_endpoints.health.availability import Availability, install_sigterm_handler
from tests.management_endpoints.apps import make_app
from tests.support.gunicorn import GunicornRunner


def test_liveness_state_broken_downs_liveness_only() -> None:
    app = make_app()
    client = app.test_client()
    availability(app).liveness = LivenessState.BROKEN
    response = client.get("/z/health/liveness")
    assert (response.status_code, response.get_json()) == (503, {"status": "DOWN"})
    assert client.get("/z/health/readiness").status_code == 200
    availability(app).liveness = LivenessState.CORRECT
    assert client.get("/z/health/liveness").status_code == 200


def test_refusing_traffic_makes_readiness_out_of_service() -> None:
    app = make_app()
    client = app.test_client()
    with app.app_context():
        availability().readiness = ReadinessState.REFUSING_TRAFFIC
    response = client.get("/z/health/readiness", headers={"Accept": "*/*"})
    assert (response.status_code, response.get_json()) == (503, {"status": "OUT_OF_SERVICE"})
    assert client.get("/z/health/liveness").status_code == 200
    root = client.get("/z/health").get_json()
    assert root["components"]["readinessState"] == {"status": "OUT_OF_SERVICE"}


def test_state_is_per_app() -> None:
    first, second = make_app(name="first"), make_app(name="second")
    availability(first).readiness = ReadinessState.REFUSING_TRAFFIC
    assert second.test_client().get("/z/health/readiness").status_code == 200


@pytest.fixture
def restore_sigterm() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.mark.usefixtures("restore_sigterm")
def test_sigterm_refuses_traffic_then_passes_the_signal_on_after_the_drain() -> None:
    passed_on = threading.Event()

    def previous(signum: int, frame: FrameType | None) -> None:
        passed_on.set()

    signal.signal(signal.SIGTERM, previous)
    state = Availability()
    install_sigterm_handler(state, drain_seconds=0.3)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.05)  # let the interpreter run the handler
    assert state.readiness is ReadinessState.REFUSING_TRAFFIC
    assert not passed_on.is_set()
    deadline = time.monotonic() + 5
    while not passed_on.is_set() and time.monotonic() < deadline:
        time.sleep(0.02)  # the handler runs in this (main) thread between sleeps
    assert passed_on.is_set()


APP_MODULE = """
import time

from flask import Flask

from flask_management_endpoints import ManagementEndpoints, availability

app = Flask("drain")
app.config["Z_ENDPOINTS"] = {
    "handle_sigterm": {handle_sigterm},
    "drain_seconds": 2.0,
    "indicators": {"diskSpace": False, "memory": False},
}
ManagementEndpoints(app)


@app.get("/")
def index():
    return "ok"


@app.get("/slow")
def slow():
    time.sleep(1.5)
    return {"readiness": availability().readiness.value}
"""


# With --preload the app is loaded in the master and each worker installs
# its own signal handlers after the fork, so the drain is installed per worker.
PRELOAD_CONFIG = """
from flask_management_endpoints import drain_on_sigterm

def post_worker_init(worker):
    drain_on_sigterm(worker.wsgi)
"""


@pytest.mark.gunicorn
@pytest.mark.parametrize("preload", [False, True], ids=["handle_sigterm", "preload"])
def test_gunicorn_sigterm_drains_with_readiness_503_while_requests_finish(
    gunicorn: GunicornRunner, tmp_path: Path, preload: bool
) -> None:
    module = APP_MODULE.replace("{handle_sigterm}", str(not preload))
    (tmp_path / "drain_app.py").write_text(textwrap.dedent(module))
    extra_args: list[str] = []
    if preload:
        (tmp_path / "gunicorn_conf.py").write_text(PRELOAD_CONFIG)
        extra_args = ["--preload", "--config", str(tmp_path / "gunicorn_conf.py")]
    server = gunicorn.start(
        "drain_app:app",
        workers=1,
        worker_class="gthread",
        threads=4,
        pythonpath=[tmp_path],
        extra_args=extra_args,
    )
    base = server.base_url
    probe = {"Accept": "*/*", "User-Agent": "kube-probe/1.30"}
    assert requests.get(base + "/z/health/readiness", headers=probe, timeout=5).status_code == 200

    in_flight: dict[str, object] = {}

    def slow_request() -> None:
        response = requests.get(base + "/slow", timeout=10)
        in_flight.update(status=response.status_code, body=response.json())

    slow = threading.Thread(target=slow_request)
    slow.start()
    time.sleep(0.3)  # the slow request is being served
    server.send_signal(signal.SIGTERM)

    readiness = None
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        readiness = requests.get(base + "/z/health/readiness", headers=probe, timeout=5)
        if readiness.status_code == 503:
            break
        time.sleep(0.05)
    assert readiness is not None
    assert (readiness.status_code, readiness.json()) == (503, {"status": "OUT_OF_SERVICE"})
    # Still alive and serving while draining: liveness is fine.
    assert requests.get(base + "/z/health/liveness", headers=probe, timeout=5).status_code == 200

    slow.join(10)
    assert in_flight == {"status": 200, "body": {"readiness": "REFUSING_TRAFFIC"}}
    assert server.wait(timeout=15) == 0


@pytest.mark.gunicorn
@pytest.mark.parametrize(
    ("hook", "worker_class"),
    [(False, "sync"), (False, "gthread"), (True, "sync")],
    ids=["no_hook", "no_hook_gthread", "post_worker_init"],
)
def test_handle_sigterm_under_preload_warns_unless_the_worker_installs_the_drain(
    gunicorn: GunicornRunner, tmp_path: Path, hook: bool, worker_class: str
) -> None:
    """Checked on each worker's first request (the app's own route), off the main thread too."""
    (tmp_path / "drain_app.py").write_text(
        textwrap.dedent(APP_MODULE.replace("{handle_sigterm}", "True"))
    )
    extra_args = ["--preload", "--capture-output"]
    if hook:
        (tmp_path / "gunicorn_conf.py").write_text(PRELOAD_CONFIG)
        extra_args += ["--config", str(tmp_path / "gunicorn_conf.py")]
    server = gunicorn.start(
        "drain_app:app",
        workers=2,
        worker_class=worker_class,
        threads=2 if worker_class == "gthread" else 1,  # sync with threads would be gthread
        pythonpath=[tmp_path],
        extra_args=extra_args,
    )
    for _ in range(6):  # reaches both workers' first requests
        assert requests.get(server.base_url + "/", timeout=5).text == "ok"
    assert server.stop(signal.SIGINT) == 0
    warnings = [line for line in server.read_error_log().splitlines() if "handle_sigterm" in line]
    if hook:
        assert warnings == []
    else:
        assert warnings, server.read_error_log()
        assert all("post_worker_init" in line and "--preload" in line for line in warnings)
        assert len(warnings) <= 2  # once per worker at most


@pytest.mark.usefixtures("restore_sigterm")
def test_drain_on_sigterm_installs_the_handler_for_an_app() -> None:
    passed_on = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: passed_on.set())
    app = make_app()
    drain_on_sigterm(app, drain_seconds=0)
    os.kill(os.getpid(), signal.SIGTERM)
    deadline = time.monotonic() + 5
    while not passed_on.is_set() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert passed_on.is_set()
    assert app.test_client().get("/z/health/readiness").status_code == 503


@pytest.mark.usefixtures("restore_sigterm")
def test_handle_sigterm_setting_installs_the_handler_at_init_app() -> None:
    before = signal.getsignal(signal.SIGTERM)
    make_app({"handle_sigterm": True})
    assert signal.getsignal(signal.SIGTERM) is not before
