"""The summary everyone reads is built once per period per process, not once per reader.

Unit cases drive :class:`SharedAnswers` with a clock of the test's own; the
app cases count the statements the database really receives while many
readers (threads of one process, as gunicorn's threads are) ask at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state
from flask_server_status.config import ConfigError, read_settings
from flask_server_status.shared_answers import SharedAnswers
from tests.server_status.api.contract import AUTH, SECRET

MakeApp = Callable[..., Flask]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting(value: str = "answer") -> tuple[Callable[[], str], list[int]]:
    calls: list[int] = []

    def build() -> str:
        calls.append(1)
        return f"{value} {len(calls)}"

    return build, calls


def test_an_answer_is_built_once_while_fresh_and_again_when_old() -> None:
    clock = Clock()
    answers = SharedAnswers(10.0, clock)
    build, calls = counting()
    assert [answers.get("summary", build) for _ in range(5)] == ["answer 1"] * 5
    clock.now += 9.9
    assert answers.get("summary", build) == "answer 1"
    clock.now += 0.1
    assert answers.get("summary", build) == "answer 2"
    assert len(calls) == answers.builds == 2
    # Keys are kept apart.
    assert answers.get(("summary", 7), build) == "answer 3"


def test_invalidate_makes_the_next_reader_build() -> None:
    answers = SharedAnswers(60.0, Clock())
    build, _ = counting()
    assert answers.get("k", build) == "answer 1"
    answers.invalidate()
    assert answers.get("k", build) == "answer 2"
    assert answers.get("k", build) == "answer 2"


def test_an_answer_built_across_an_invalidation_is_not_kept() -> None:
    """The build read the database before the change: serve it once, keep nothing."""
    answers = SharedAnswers(60.0, Clock())
    builds: list[str] = []

    def build_while_changed() -> str:
        builds.append("x")
        if len(builds) == 1:
            answers.invalidate()  # an admin write lands during the build
        return f"build {len(builds)}"

    assert answers.get("k", build_while_changed) == "build 1"
    assert answers.get("k", build_while_changed) == "build 2"
    assert answers.get("k", build_while_changed) == "build 2"


def test_a_failed_build_keeps_nothing_and_the_next_reader_tries_again() -> None:
    answers = SharedAnswers(60.0, Clock())

    def failing() -> str:
        raise sa.exc.OperationalError("select", {}, Exception("database down"))

    with pytest.raises(sa.exc.OperationalError):
        answers.get("k", failing)
    build, _ = counting()
    assert answers.get("k", build) == "answer 1"


def test_zero_seconds_builds_for_every_reader() -> None:
    answers = SharedAnswers(0.0, Clock())
    build, calls = counting()
    assert [answers.get("k", build) for _ in range(3)] == ["answer 1", "answer 2", "answer 3"]
    assert len(calls) == 3


def test_readers_arriving_during_a_build_wait_for_it_single_flight() -> None:
    answers = SharedAnswers(60.0)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> object:
        calls.append(1)
        started.set()
        assert release.wait(10)
        return object()

    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(answers.get, "summary", slow) for _ in range(20)]
        assert started.wait(10)
        release.set()
        results = [future.result(timeout=10) for future in futures]
    assert len(calls) == 1
    assert all(result is results[0] for result in results)


def test_a_negative_period_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="SERVER_STATUS_PAGE_CACHE_SECONDS"):
        read_settings({"SERVER_STATUS_PAGE_CACHE_SECONDS": -1}, import_name="app")


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_many_readers_cost_the_database_one_summary(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_PAGE_CACHE_SECONDS=60)
    client = app.test_client()
    client.get("/")
    state = get_state(app)
    assert state.flush()
    with statements(state.engine) as one:
        first = client.get("/status/api/summary")
    with statements(state.engine) as many, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.get("/status/api/summary"), range(40)))
    assert one
    assert many == []  # the 40 readers were served what the first one built
    assert {answer.get_data() for answer in answers} == {first.get_data()}
    assert {answer.headers["ETag"] for answer in answers} == {first.headers["ETag"]}
    # Gzip and plain are both kept: each reader gets the one it takes, with its own tag.
    zipped = client.get("/status/api/summary", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] != first.headers["ETag"]
    tag = zipped.headers["ETag"]
    again = client.get(
        "/status/api/summary", headers={"Accept-Encoding": "gzip", "If-None-Match": tag}
    )
    assert again.status_code == 304


def test_a_flush_or_an_admin_write_here_is_read_at_once(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_PAGE_CACHE_SECONDS=3600, API_ENABLED=True, API_SECRET=SECRET)
    client = app.test_client()
    state = get_state(app)
    assert state.flush()
    assert client.get("/status/api/status").get_json()["status"]["indicator"] == "no_data"
    client.get("/")
    assert state.flush()  # this process's flush: its kept answers are out of date
    assert client.get("/status/api/status").get_json()["status"]["indicator"] == "operational"
    created = client.post(
        "/flask-status/incidents", json={"title": "Down", "impact": "critical"}, headers=AUTH
    )
    assert created.status_code == 201
    summary = client.get("/status/api/summary").get_json()
    assert [incident["title"] for incident in summary["incidents"]["active"]] == ["Down"]
    assert client.get("/status/api/status").get_json()["status"]["indicator"] == "major_outage"
    # A refused write changes nothing and keeps what was built.
    builds = state.answers.builds
    refused = client.post("/flask-status/incidents", json={"title": ""}, headers=AUTH)
    assert refused.status_code == 422
    client.get("/status/api/status")
    assert state.answers.builds == builds
