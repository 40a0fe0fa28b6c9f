"""Concurrent evaluation, timeouts, deadline, TTL cache and single flight (acceptance 5)."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask

from flask_management_endpoints import Health
from flask_management_endpoints.health.contributors import Check, Composite
from flask_management_endpoints.health.evaluation import (
    CompositeOutcome,
    EvaluationSettings,
    Evaluator,
)
from flask_management_endpoints.health.status import StatusAggregator
from tests.management_endpoints.apps import CallCounter, make_app, timeout_seconds
from tests.support.fake_service import FakeService
from tests.support.gunicorn import GunicornRunner

QUIET = {"diskSpace": False, "memory": False}


def test_ten_slow_dependencies_are_called_concurrently(
    fake_service: Callable[..., FakeService],
) -> None:
    services = [fake_service(delay=0.3) for _ in range(10)]
    for service in services:
        service.hang()
    app = make_app(
        {
            "indicators": QUIET,
            "service_dependencies": {f"dep{i}": s.url for i, s in enumerate(services)},
        },
        BACKEND_TIMEOUT=10.0,
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(lambda: app.test_client().get("/z/health"))
        # All ten requests are in flight at once: one after the other, only
        # the first would have arrived while the services hang. (The wait is
        # bounded for a broken build; a loaded machine takes well under it.)
        deadline = time.monotonic() + 30
        while sum(s.request_count for s in services) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [s.request_count for s in services] == [1] * 10
        for service in services:
            service.release()
        response = answer.result(timeout=30)
    assert response.status_code == 200
    assert {c["status"] for c in response.get_json()["components"].values()} == {"UP"}


def test_hanging_dependency_only_downs_its_own_component(
    fake_service: Callable[..., FakeService],
) -> None:
    hanging, healthy = fake_service(), fake_service()
    hanging.hang()
    app = make_app(
        {
            "indicators": QUIET,
            "service_dependencies": {"stuck": hanging.url, "fine": healthy.url},
            "check_functions": {"health": {"local": lambda: True}},
            "show_details": "always",
        },
        BACKEND_TIMEOUT=1.0,
    )
    started = time.monotonic()
    body = app.test_client().get("/z/health").get_json()
    elapsed = time.monotonic() - started
    # The service never answers (for a minute): DOWN with a timeout means the call was
    # cut, after waiting what was left of the 1 s (less when the machine is loaded).
    stuck = body["components"]["stuck"]
    assert stuck["status"] == "DOWN"
    assert stuck["details"]["url"] == hanging.url  # shown although the call never answered
    assert timeout_seconds(stuck["details"]["error"]) <= 1.0
    assert elapsed >= 0.95  # it did wait for the stuck one
    assert body["components"]["fine"]["status"] == "UP"
    assert body["components"]["local"]["status"] == "UP"


def test_hanging_check_holds_one_thread_and_later_probes_time_out_at_once() -> None:
    release = threading.Event()
    calls = CallCounter()

    def stuck() -> bool:
        calls()
        release.wait(10)
        return True

    app = make_app(
        {"indicators": QUIET, "check_functions": {"health": {"stuck": stuck}}},
        BACKEND_TIMEOUT=2.0,
    )
    client = app.test_client()
    try:
        assert client.get("/z/health").status_code == 503
        started = time.monotonic()
        assert client.get("/z/health").status_code == 503
        # Waiting for the check again would take at least the whole timeout (2 s); an
        # answer sooner did not wait, whatever the load (the timeout is the contract).
        assert time.monotonic() - started < 2.0
        assert calls.calls == 1
    finally:
        release.set()


def test_overall_deadline_bounds_the_answer_when_the_pool_is_saturated() -> None:
    release = threading.Event()

    def slow() -> bool:
        release.wait(5)
        return True

    checks = {f"c{i}": slow for i in range(4)}
    app = make_app(
        {
            "indicators": QUIET,
            "check_functions": {"health": checks},
            "max_workers": 2,
            "deadline": 0.4,
        },
        BACKEND_TIMEOUT=5.0,
    )
    try:
        started = time.monotonic()
        body = app.test_client().get("/z/health").get_json()
        # Without the deadline the answer would wait at least the timeout (5 s): an
        # answer sooner was cut by the 0.4 s deadline, with seconds to spare for load.
        assert time.monotonic() - started < 5.0
        assert {c["status"] for c in body["components"].values() if c != {"status": "UP"}} == {
            "DOWN"
        }
    finally:
        release.set()


def _concurrent_gets(app: Flask, path: str, count: int) -> list[int]:
    barrier = threading.Barrier(count)

    def get(_: int) -> int:
        client = app.test_client()
        barrier.wait()
        return client.get(path).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(get, range(count)))


def test_fifty_concurrent_probes_run_each_check_once_per_ttl(
    fake_service: Callable[..., FakeService],
) -> None:
    remote = fake_service(delay=0.2)
    db = CallCounter(True, delay=0.2)
    app = make_app(
        {
            "indicators": QUIET,
            "service_dependencies": {"remote": remote.url},
            "check_functions": {"readiness": {"db": db}},
            "success_ttl": 60.0,
        }
    )
    assert _concurrent_gets(app, "/z/health", 50) == [200] * 50
    assert (db.calls, remote.request_count) == (1, 1)
    assert _concurrent_gets(app, "/z/health/readiness", 50) == [200] * 50
    assert db.calls == 1


@pytest.mark.parametrize(
    ("success_ttl", "failure_ttl", "passing_runs", "failing_runs"),
    [(60.0, 0.0, 1, 3), (0.0, 60.0, 3, 1)],
)
def test_success_and_failure_ttls_are_separate(
    success_ttl: float, failure_ttl: float, passing_runs: int, failing_runs: int
) -> None:
    passing, failing = CallCounter(True), CallCounter(False)
    app = make_app(
        {
            "indicators": QUIET,
            "check_functions": {"health": {"passing": passing, "failing": failing}},
            "success_ttl": success_ttl,
            "failure_ttl": failure_ttl,
        }
    )
    client = app.test_client()
    for _ in range(3):
        assert client.get("/z/health").status_code == 503
    assert (passing.calls, failing.calls) == (passing_runs, failing_runs)


def test_success_ttl_expires() -> None:
    check = CallCounter(True)
    app = make_app(
        {"indicators": QUIET, "check_functions": {"health": {"c": check}}, "success_ttl": 1.0}
    )
    client = app.test_client()
    client.get("/z/health")
    client.get("/z/health")
    assert check.calls == 1
    time.sleep(1.05)
    client.get("/z/health")
    assert check.calls == 2


def test_evaluator_runs_checks_on_a_bounded_pool() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def check() -> Health:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return Health.up()

    evaluator = Evaluator(
        EvaluationSettings(max_workers=3, timeout=5, deadline=5), StatusAggregator()
    )
    tree = Composite({f"c{i}": Check(check) for i in range(9)})
    result = evaluator.evaluate(tree)
    assert isinstance(result, CompositeOutcome)
    assert result.status == "UP"
    assert len(result.components) == 9
    assert peak == 3
    evaluator.shutdown()


PRELOADED_APP = """
from flask import Flask

from flask_management_endpoints import ManagementEndpoints

app = Flask("preloaded")
app.config["Z_ENDPOINTS"] = {{
    "service_dependencies": {{"remote": "{remote}"}},
    "indicators": {{"diskSpace": False, "memory": False}},
    "success_ttl": 0,
    "failure_ttl": 0,
}}
ManagementEndpoints(app)
# Evaluate once before gunicorn forks: the pool, its threads and the HTTP
# session now exist in the master process only.
assert app.test_client().get("/z/health").status_code == 200
"""


@pytest.mark.gunicorn
def test_workers_forked_after_an_evaluation_start_their_own_pool(
    gunicorn: GunicornRunner, tmp_path: Path, fake_service: Callable[..., FakeService]
) -> None:
    remote = fake_service()
    (tmp_path / "preloaded_app.py").write_text(PRELOADED_APP.format(remote=remote.url))
    server = gunicorn.start(
        "preloaded_app:app",
        workers=2,
        pythonpath=[tmp_path],
        extra_args=["--preload"],
        ready_path="/z/health/liveness",
    )
    for _ in range(4):
        response = requests.get(server.base_url + "/z/health", timeout=5)
        assert response.status_code == 200
        assert response.json()["components"]["remote"] == {"status": "UP"}
    assert remote.request_count >= 5  # one from the master, one per request in the workers


def test_status_changes_are_logged_once_per_change_through_the_app_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check = CallCounter(True)
    app = make_app(
        {
            "indicators": QUIET,
            "check_functions": {"health": {"db": check}},
            "success_ttl": 0,
            "failure_ttl": 0,
        },
    )
    client = app.test_client()
    caplog.set_level(logging.INFO, logger=app.logger.name)
    client.get("/z/health")
    check.result = RuntimeError("pool exhausted")
    client.get("/z/health")
    client.get("/z/health")
    check.result = True
    client.get("/z/health")
    messages = [r.getMessage() for r in caplog.records if r.name == app.logger.name]
    assert messages == [
        "health check 'db' is DOWN (was UP): RuntimeError: pool exhausted",
        "health check 'db' is UP (was DOWN)",
    ]
    assert not [r for r in caplog.records if r.name.startswith("flask_management")]


STATUS_CHANGE_APP = """
from flask import Flask
from flask_management_endpoints import ManagementEndpoints

def db():
    raise RuntimeError("pool exhausted")

app = Flask("orders")
app.config["Z_ENDPOINTS"] = {
    "indicators": {"diskSpace": False, "memory": False},
    "check_functions": {"health": {"db": db}},
}
ManagementEndpoints(app)
for _ in range(3):
    app.test_client().get("/z/health")
"""


def test_a_status_change_is_one_line_in_the_app_logs_default_format() -> None:
    # A process of its own: under pytest the root logger has a handler, so
    # Flask would not give the app logger its default handler.
    done = subprocess.run(
        [sys.executable, "-c", STATUS_CHANGE_APP], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "health check" in line]
    assert len(lines) == 1, done.stderr
    # Flask's default handler: "[time] LEVEL in module: message".
    assert lines[0].startswith("[")
    assert lines[0].endswith(
        "] WARNING in evaluation: health check 'db' is DOWN: RuntimeError: pool exhausted"
    )
    assert "Traceback" not in done.stderr


def test_probe_groups_answer_within_the_probe_deadline() -> None:
    release = threading.Event()

    def stuck() -> bool:
        release.wait(10)
        return True

    app = make_app(
        {
            "indicators": QUIET,
            "check_functions": {"readiness": {"stuck": stuck}},
            "groups": {"readiness": {"show_components": "always", "show_details": "always"}},
        },
        BACKEND_TIMEOUT=10.0,
    )
    try:
        started = time.monotonic()
        response = app.test_client().get("/z/health/readiness", headers={"Accept": "*/*"})
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        stuck_component = response.get_json()["components"]["stuck"]
        # The probe deadline (0.8 s, inside the 1 s Kubernetes gives a probe by
        # default) stopped the wait: the check reports how long it was waited for,
        # from 0.8 s (a loaded machine wakes a little later), never the timeout.
        assert 0.8 <= timeout_seconds(stuck_component["details"]["error"]) < 10.0
        # Without the deadline the answer would wait at least the check's timeout.
        assert elapsed < 10.0
    finally:
        release.set()
