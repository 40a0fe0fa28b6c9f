"""The loggers endpoint: Actuator shapes, runtime levels, and every gunicorn worker."""

from __future__ import annotations

import logging
import os
import signal
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from tests.management_endpoints.apps import make_app
from tests.support.gunicorn import GunicornRunner

TOKEN = "logger-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NAME = "orders.payments.test"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    yield make_app(
        {"auth_token": TOKEN, "exposure": {"include": ["loggers"]}, "loggers_dir": str(tmp_path)}
    )
    logging.getLogger(NAME).setLevel(logging.NOTSET)


def test_list_has_levels_root_and_every_logger(app: Flask) -> None:
    logging.getLogger(NAME)
    body = app.test_client().get("/z/loggers", headers=AUTH).get_json()
    assert body["levels"] == ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]
    assert next(iter(body["loggers"])) == "ROOT"
    root = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    assert body["loggers"]["ROOT"]["effectiveLevel"] == root
    assert body["loggers"][NAME] == {"configuredLevel": None, "effectiveLevel": root}


def test_post_sets_and_null_resets_a_level(app: Flask) -> None:
    client = app.test_client()
    logging.getLogger(NAME)
    response = client.post(f"/z/loggers/{NAME}", json={"configuredLevel": "debug"}, headers=AUTH)
    assert response.status_code == 204
    assert logging.getLogger(NAME).level == logging.DEBUG
    one = client.get(f"/z/loggers/{NAME}", headers=AUTH).get_json()
    assert one == {"configuredLevel": "DEBUG", "effectiveLevel": "DEBUG"}
    client.post(f"/z/loggers/{NAME}", json={"configuredLevel": None}, headers=AUTH)
    assert logging.getLogger(NAME).level == logging.NOTSET


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (f"/z/loggers/{NAME}", {"configuredLevel": "LOUD"}, "configuredLevel must be one of"),
        (f"/z/loggers/{NAME}", {"level": "DEBUG"}, 'expected a JSON object {"configuredLevel"'),
        ("/z/loggers/ROOT", {"configuredLevel": None}, "the ROOT logger cannot be reset"),
    ],
)
def test_bad_level_changes_are_400s(
    app: Flask, path: str, body: dict[str, Any], message: str
) -> None:
    response = app.test_client().post(path, json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(message)


def test_unknown_logger_is_a_json_404(app: Flask) -> None:
    response = app.test_client().get("/z/loggers/no.such.logger.anywhere", headers=AUTH)
    assert (response.status_code, response.get_json()["error"]) == (404, "Not Found")


def test_post_needs_authorization(app: Flask) -> None:
    response = app.test_client().post(f"/z/loggers/{NAME}", json={"configuredLevel": "DEBUG"})
    assert response.status_code == 401
    assert logging.getLogger(NAME).level == logging.NOTSET


APP_MODULE = """
import logging
import os

from flask import Flask

from flask_management_endpoints import ManagementEndpoints

logger = logging.getLogger("{name}")
app = Flask("orders")
app.config["Z_ENDPOINTS"] = {{
    "auth_token": "{token}",
    "exposure": {{"include": ["loggers"]}},
}}
ManagementEndpoints(app)


@app.after_request
def name_the_worker(response):
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response


@app.get("/level")
def level():
    return {{"level": logging.getLevelName(logger.getEffectiveLevel())}}
"""


def answers_per_worker(base_url: str, path: str, workers: int) -> dict[str, Any]:
    """GET ``path`` on fresh connections until every worker has answered (bounded)."""
    seen: dict[str, Any] = {}
    for _ in range(400):
        response = requests.get(base_url + path, headers=AUTH, timeout=5)
        seen.setdefault(response.headers["X-Worker-Pid"], response.json())
        if len(seen) == workers:
            break
    return seen


def test_a_post_reaches_all_four_gunicorn_workers(tmp_path: Path, gunicorn: GunicornRunner) -> None:
    module = tmp_path / "logger_app.py"
    module.write_text(textwrap.dedent(APP_MODULE.format(token=TOKEN, name=NAME)))
    server = gunicorn.start("logger_app:app", workers=4, pythonpath=[tmp_path])
    path = f"/z/loggers/{NAME}"
    before = answers_per_worker(server.base_url, path, 4)
    assert len(before) == 4
    assert {answer["configuredLevel"] for answer in before.values()} == {None}

    posted = requests.post(
        server.base_url + path, json={"configuredLevel": "DEBUG"}, headers=AUTH, timeout=5
    )
    assert posted.status_code == 204

    after = answers_per_worker(server.base_url, path, 4)
    assert len(after) == 4, after
    for pid, answer in after.items():
        assert answer == {"configuredLevel": "DEBUG", "effectiveLevel": "DEBUG"}, pid
    # Each worker has applied it to the logger itself, for the app's own routes too.
    levels = answers_per_worker(server.base_url, "/level", 4)
    assert levels == {pid: {"level": "DEBUG"} for pid in after}


def levels_until(base_url: str, done: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    """GET ``/level`` (the app's own route) until ``done(level per worker pid)`` (bounded)."""
    levels: dict[str, str] = {}
    deadline = time.monotonic() + 30  # a wait for the workers, not a speed claim
    while not done(levels) and time.monotonic() < deadline:
        response = requests.get(base_url + "/level", timeout=5)
        levels[response.headers["X-Worker-Pid"]] = response.json()["level"]
    return levels


def test_workers_serving_only_the_apps_routes_follow_a_post(
    tmp_path: Path, gunicorn: GunicornRunner
) -> None:
    """No request hook: each worker's polling thread, and a new worker's first request."""
    module = tmp_path / "logger_app.py"
    module.write_text(textwrap.dedent(APP_MODULE.format(token=TOKEN, name=NAME)))
    server = gunicorn.start("logger_app:app", workers=4, pythonpath=[tmp_path])
    before = levels_until(server.base_url, lambda levels: len(levels) == 4)
    assert set(before.values()) == {"WARNING"}, before

    posted = requests.post(
        server.base_url + f"/z/loggers/{NAME}",
        json={"configuredLevel": "DEBUG"},
        headers=AUTH,
        timeout=5,
    )
    assert posted.status_code == 204
    # The three other workers see no management request: they follow the file by themselves.
    after = levels_until(
        server.base_url, lambda levels: len(levels) == 4 and set(levels.values()) == {"DEBUG"}
    )
    assert after == dict.fromkeys(before, "DEBUG")

    # A worker started later (gunicorn replaces a killed one) has the level on its first request.
    replaced = next(pid for pid in before if pid != posted.headers["X-Worker-Pid"])
    os.kill(int(replaced), signal.SIGKILL)
    first_answers: dict[str, str] = {}

    def replacement_answered(levels: dict[str, str]) -> bool:
        for pid, level in levels.items():
            first_answers.setdefault(pid, level)
        return bool(set(levels) - set(before))

    levels_until(server.base_url, replacement_answered)
    new_pids = set(first_answers) - set(before)
    assert new_pids, "no replacement worker answered"
    assert {first_answers[pid] for pid in new_pids} == {"DEBUG"}
