"""Probes answer from memory; /z/health never holds the threads they need; the startup group."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask_management_endpoints import StartupState, availability
from tests.management_endpoints.apps import make_app

QUIET = {"diskSpace": False, "memory": False}


class Gate:
    """A check that answers ``result`` at once until closed, then waits for ``release``."""

    def __init__(self) -> None:
        self.open = True
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> bool:
        if not self.open:
            self.entered.set()
            self.release.wait(10)
        return True


def test_health_beyond_the_waiting_limit_answers_at_once_with_pending_checks() -> None:
    gate = Gate()
    gate.open = False
    app = make_app(
        {
            "indicators": QUIET,
            "check_functions": {"health": {"slow": gate}},
            "max_waiting_evaluations": 1,
            "show_details": "always",
        },
        BACKEND_TIMEOUT=10.0,
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            waiting = pool.submit(lambda: app.test_client().get("/z/health"))
            assert gate.entered.wait(5)
            # The one waiting evaluation holds the only slot: this request
            # answers while the check is still running, without waiting for it.
            body = app.test_client().get("/z/health").get_json()
            assert not gate.release.is_set()
            assert body["components"]["slow"] == {
                "status": "UNKNOWN",
                "details": {"pending": "first run not finished"},
            }
            assert body["status"] == "UP"
        finally:
            gate.release.set()
        assert waiting.result(5).get_json()["components"]["slow"]["status"] == "UP"


def test_readiness_serves_the_last_result_while_a_newer_one_runs() -> None:
    gate = Gate()
    app = make_app(
        {
            "indicators": QUIET,
            "check_functions": {"readiness": {"cache": gate}},
            "success_ttl": 0,
        },
        BACKEND_TIMEOUT=10.0,
    )
    client = app.test_client()
    try:
        assert client.get("/z/health/readiness").status_code == 200
        gate.open = False
        # The result is expired (TTL 0): a new run starts and blocks; the
        # probe answers with the last result instead of waiting for it.
        assert client.get("/z/health/readiness").status_code == 200
        assert gate.entered.wait(5)
        assert client.get("/z/health/readiness").status_code == 200
        assert not gate.release.is_set()
    finally:
        gate.release.set()


def test_startup_is_up_after_the_first_ready_answer() -> None:
    app = make_app({"indicators": QUIET})
    client = app.test_client()
    availability(app).readiness = availability(app).readiness.REFUSING_TRAFFIC
    assert client.get("/z/health/startup").get_json() == {"status": "OUT_OF_SERVICE"}
    availability(app).readiness = availability(app).readiness.ACCEPTING_TRAFFIC
    assert client.get("/z/health/startup").status_code == 200
    # Once started, a later refusal of traffic is readiness's business only.
    availability(app).readiness = availability(app).readiness.REFUSING_TRAFFIC
    assert client.get("/z/health/startup").status_code == 200
    assert client.get("/z/health/readiness").status_code == 503


def test_a_ready_answer_ends_start_up() -> None:
    app = make_app({"indicators": QUIET})
    assert availability(app).startup is StartupState.STARTING
    assert app.test_client().get("/z/health/readiness").status_code == 200
    assert availability(app).startup is StartupState.STARTED


def test_declared_start_up_waits_for_the_app() -> None:
    app = make_app({"indicators": QUIET, "startup_declared": True})
    client = app.test_client()
    assert client.get("/z/health/readiness").status_code == 200
    assert client.get("/z/health/startup").status_code == 503
    availability(app).startup = StartupState.STARTED
    assert client.get("/z/health/startup").get_json() == {"status": "UP"}


def test_startup_checks_are_members_of_the_startup_group() -> None:
    app = make_app(
        {
            "indicators": QUIET,
            "check_functions": {"startup": {"migrations": lambda: False}},
            "groups": {"startup": {"show_components": "always"}},
        }
    )
    body = app.test_client().get("/z/health/startup").get_json()
    assert body == {
        "status": "DOWN",
        "components": {"migrations": {"status": "DOWN"}, "startupState": {"status": "UP"}},
    }
