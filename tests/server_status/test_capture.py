"""Request capture: what counts, under which rule and outcome class (in-process)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import LATENCY_BUCKETS_MS, get_state
from flask_server_status.latency import MIN_INDEX
from tests.server_status.storage import outcome_totals, stored_histograms, stored_totals


def test_every_outcome_class_is_counted_under_its_rule(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    for user_id in range(5):
        assert client.get(f"/user/{user_id}").status_code == 200
    for method in ("get", "post", "put", "patch", "delete", "options"):
        assert getattr(client, method)("/items").status_code in (200, 204)
    assert client.get("/moved").status_code == 302
    assert client.get("/missing").status_code == 404
    assert client.get("/fail").status_code == 503
    assert client.get("/boom").status_code == 500
    assert get_state(app).flush()

    assert outcome_totals(get_state(app).engine) == {
        "/user/<int:id>": {"requests": 5, "successes": 5},
        "/items": {"requests": 6, "successes": 6},
        "/moved": {"requests": 1, "successes": 1},
        "/missing": {"requests": 1, "client_errors": 1},
        "/fail": {"requests": 1, "failures": 1},
        "/boom": {"requests": 1, "failures": 1},
    }


def test_a_propagated_exception_counts_as_500(make_app: Callable[..., Flask]) -> None:
    app = make_app(TESTING=True)  # Flask re-raises instead of answering 500
    with pytest.raises(RuntimeError, match="the database said no"):
        app.test_client().get("/boom")
    assert get_state(app).flush()
    assert outcome_totals(get_state(app).engine) == {"/boom": {"requests": 1, "failures": 1}}


def test_failure_statuses_are_configurable(make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVER_STATUS_FAILURE_STATUSES=[404, 500])
    client = app.test_client()
    client.get("/missing")
    client.get("/fail")  # 503 is not in the list: neither failure nor 4xx
    client.get("/boom")
    assert get_state(app).flush()
    assert outcome_totals(get_state(app).engine) == {
        "/missing": {"requests": 1, "failures": 1},
        "/fail": {"requests": 1, "successes": 1},
        "/boom": {"requests": 1, "failures": 1},
    }


def test_unmatched_static_self_and_management_requests_are_not_recorded(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    app.static_folder = None  # no file needed: the rule decides
    client = app.test_client()
    client.get("/no-such-page")
    client.post("/")  # 405: the path exists but no rule matches the method
    client.get("/z/health")
    client.get("/static/app.css")
    client.get("/status/")
    client.get("/status/api/summary")
    client.put("/flask-status/configure", json={"rule": "/", "name": "x"})
    client.get("/")
    assert get_state(app).flush()
    assert set(stored_totals(get_state(app).engine)) == {"/"}


def test_unmatched_requests_are_recorded_when_asked(make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVER_STATUS_RECORD_UNMATCHED=True)
    client = app.test_client()
    client.get("/no-such-page")
    client.post("/")  # 405
    client.get("/")
    state = get_state(app)
    assert state.flush()
    assert outcome_totals(state.engine) == {
        "<unmatched>": {"requests": 2, "client_errors": 2},
        "/": {"requests": 1, "successes": 1},
    }
    assert state.app_routes()["<unmatched>"].name == "Unmatched requests"


def test_exclusions_are_configurable(make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVER_STATUS_EXCLUDE_PREFIXES=["/user"], SERVER_STATUS_RECORD_SELF=True)
    client = app.test_client()
    client.get("/z/health")
    client.get("/user/1")
    client.get("/status/api/status")
    assert get_state(app).flush()
    assert set(stored_totals(get_state(app).engine)) == {"/z/health", "/status/api/status"}


def test_routes_argument_restricts_what_is_recorded(database_url: str) -> None:
    from tests.server_status.sample_app import create_app

    app = create_app(database_url, SERVER_STATUS_ROUTES=["/", "/z/health"])
    state = get_state(app)
    try:
        client = app.test_client()
        for path in ("/", "/user/3", "/z/health", "/boom"):
            client.get(path)
        assert state.flush()
        assert set(stored_totals(state.engine)) == {"/", "/z/health"}
        assert set(state.app_routes()) == {"/", "/z/health"}
    finally:
        state.flusher.stop(flush=False)
        state.engine.dispose()


def test_the_request_thread_never_touches_the_database(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    state = get_state(app)
    assert state.flush()  # schema ready, routes known
    connecting_threads: list[str] = []
    sa.event.listen(
        state.engine,
        "engine_connect",
        lambda _conn: connecting_threads.append(threading.current_thread().name),
    )
    client = app.test_client()
    for user_id in range(50):
        client.get(f"/user/{user_id}")
        client.get("/boom")
    assert threading.current_thread().name not in connecting_threads
    assert state.flush()
    assert stored_totals(state.engine)["/user/<int:id>"]["requests"] == 50


def test_latency_histogram_and_sum_are_stored(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    client.get("/slow")
    for _ in range(3):
        client.get("/")
    assert get_state(app).flush()
    totals = stored_totals(get_state(app).engine)
    histograms = stored_histograms(get_state(app).engine)
    assert set(histograms) == set(totals)
    for rule, counts in totals.items():
        assert sum(histograms[rule].values()) == counts["requests"]
    slow = totals["/slow"]
    assert slow["latency_sum_ms"] >= 200  # the view sleeps 200 ms
    # Its one request is in a bucket whose upper bound is at least 200 ms.
    [index] = histograms["/slow"]
    assert LATENCY_BUCKETS_MS[index - MIN_INDEX] >= 200


def test_an_exception_that_cannot_be_described_still_counts(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()

    class UnprintableError(Exception):
        def __str__(self) -> str:
            raise ValueError("no text for you")

    @app.route("/unprintable")
    def unprintable() -> None:
        raise UnprintableError

    assert app.test_client().get("/unprintable").status_code == 500
    assert get_state(app).flush()
    assert outcome_totals(get_state(app).engine)["/unprintable"] == {
        "requests": 1,
        "failures": 1,
    }
