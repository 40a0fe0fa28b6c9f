"""``flask server-status``: through Click's runner and as a real ``flask`` process.

Every error is one ``Error:`` line with exit code 1; the ``db`` commands match
Flask-Migrate's ``flask db`` (history, heads, show, stamp, offline ``--sql``);
the operational commands list routes, open and resolve incidents and flush.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state, migrate
from tests.server_status.storage import stored_requests

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_APP = "tests.server_status.sample_app:create_app()"
HEAD = migrate.heads()[0]


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["server-status", *args])
    return result.exit_code, result.output


def assert_one_error_line(code: int, output: str, *expected: str) -> None:
    assert code == 1, output
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: "), output
    assert "Traceback" not in output
    for text in expected:
        assert text in lines[0]


def tables(app: Flask) -> set[str]:
    return set(sa.inspect(get_state(app).engine).get_table_names())


def test_db_errors_are_one_line(make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVER_STATUS_AUTO_MIGRATE=False)
    assert_one_error_line(*run(app, "db", "downgrade"), "Relative revision -1")
    assert_one_error_line(*run(app, "db", "upgrade", "nonsense"), "'nonsense'")
    assert_one_error_line(*run(app, "db", "stamp", "nonsense"), "'nonsense'")
    assert_one_error_line(*run(app, "db", "show", "nonsense"), "'nonsense'")
    assert_one_error_line(*run(app, "db", "downgrade", "--sql", "base"), "FROM:TO")
    assert run(app, "db", "upgrade") == (0, f"server-status schema at {HEAD}\n")
    assert_one_error_line(*run(app, "db", "upgrade", "nonsense"), "'nonsense'")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqlite:////nonexistent-folder/status.db", "unable to open database file"),
        ("postgresql://postgres@127.0.0.1:1/test", "127.0.0.1"),
    ],
)
def test_an_unreachable_database_is_one_line(url: str, reason: str) -> None:
    from tests.server_status.sample_app import create_app

    app = create_app(url)
    for command in (("db", "upgrade"), ("db", "current"), ("routes",), ("flush",)):
        assert_one_error_line(*run(app, *command), "cannot use the status database", reason)
    assert_one_error_line(*run(app, "incident", "open", "Down"), reason)
    get_state(app).engine.dispose()


def test_history_heads_show_and_stamp(make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVER_STATUS_AUTO_MIGRATE=False)
    code, heads = run(app, "db", "heads")
    assert (code, heads) == (0, f"{HEAD} (head)\n")
    code, history = run(app, "db", "history")
    assert code == 0
    # Whatever the chain, the head is listed first and the initial schema last.
    lines = history.splitlines()
    assert f"-> {HEAD} (head), " in lines[0]
    assert lines[-1].startswith("<base> -> 0001")
    assert "Initial schema" in lines[-1]
    code, shown = run(app, "db", "show")
    assert code == 0
    assert f"Rev: {HEAD} (head)" in shown
    assert "Parent: " in shown

    # Stamping records the revision and creates no table but the version table.
    assert run(app, "db", "stamp", "head") == (0, f"server-status schema at {HEAD}\n")
    assert tables(app) == {migrate.VERSION_TABLE}
    code, history = run(app, "db", "history", "--indicate-current")
    assert code == 0
    assert f"{HEAD} (head) (current)" in history
    assert run(app, "db", "stamp", "base") == (0, "server-status schema at none\n")


def test_offline_sql_is_printed_and_nothing_is_run(make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVER_STATUS_AUTO_MIGRATE=False)
    code, script = run(app, "db", "upgrade", "--sql")
    assert code == 0, script
    assert "CREATE TABLE server_status_routes" in script
    # The script leaves the version table at head (inserted, or updated to it).
    assert f"version_num='{HEAD}'" in script or f"VALUES ('{HEAD}')" in script
    dialect = get_state(app).engine.dialect.name
    assert ("TIMESTAMP WITHOUT TIME ZONE" in script) == (dialect == "postgresql")
    code, script = run(app, "db", "downgrade", "--sql", f"{HEAD}:base")
    assert code == 0, script
    assert "DROP TABLE server_status_routes" in script
    assert "DELETE FROM server_status_alembic_version" in script
    assert tables(app) == set()
    assert run(app, "db", "current") == (0, "none\n")


def test_routes_lists_names_and_stored_totals(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    assert run(app, "routes")[1].startswith("no routes stored yet")
    client = app.test_client()
    for path in ("/", "/", "/", "/fail", "/fail"):
        client.get(path)
    assert get_state(app).flush()
    code, output = run(app, "routes")
    assert code == 0, output
    rows = {line.split()[1]: line.split() for line in output.splitlines()[1:]}
    assert output.splitlines()[0].split() == ["ID", "RULE", "NAME", "REQUESTS", "FAILURES"]
    assert rows["/"][2:] == ["Home", "page", "3", "0"]
    assert rows["/fail"][-2:] == ["2", "2"]
    assert rows["/items"][-2:] == ["0", "0"]
    assert stored_requests(get_state(app).engine) == 5


def test_open_and_resolve_an_incident(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    client.get("/")
    assert run(app, "flush") == (0, "flushed\n")
    route_id = client.get("/status/api/routes").get_json()["routes"][0]["id"]
    code, output = run(
        app, "incident", "open", "Payments are slow", "--impact", "minor",
        "--route", str(route_id), "--message", "Looking into it.",
    )  # fmt: skip
    assert code == 0, output
    incident_id = int(output.removeprefix("opened incident "))
    incident = client.get(f"/status/api/incidents/{incident_id}").get_json()
    assert (incident["title"], incident["impact"], incident["status"]) == (
        "Payments are slow", "minor", "investigating",
    )  # fmt: skip
    assert incident["updates"][0]["message"] == "Looking into it."
    assert run(app, "incident", "resolve", str(incident_id), "--message", "Fixed.") == (
        0, f"resolved incident {incident_id}\n",
    )  # fmt: skip
    incident = client.get(f"/status/api/incidents/{incident_id}").get_json()
    assert incident["status"] == "resolved"
    assert incident["resolved_at"] is not None

    assert_one_error_line(*run(app, "incident", "resolve", "999999"), "no incident with id 999999")
    assert_one_error_line(
        *run(app, "incident", "open", "Down", "--route", "999999"), "unknown route id(s): 999999"
    )
    assert_one_error_line(*run(app, "incident", "open", " "), "TITLE")


def flask_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STATUS_TEST_DATABASE_URI": database_url}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", SAMPLE_APP, "server-status", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_flask_command(database_url: str) -> None:
    failed = flask_cli(database_url, "db", "upgrade", "nonsense")
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr == "Error: Can't locate revision identified by 'nonsense'\n"

    upgraded = flask_cli(database_url, "db", "upgrade")
    assert (upgraded.returncode, upgraded.stdout) == (0, f"server-status schema at {HEAD}\n")
    opened = flask_cli(database_url, "incident", "open", "Search is down")
    assert (opened.returncode, opened.stderr) == (0, "")
    assert opened.stdout.startswith("opened incident ")
    flushed = flask_cli(database_url, "flush")
    assert (flushed.returncode, flushed.stdout) == (0, "flushed\n")
    listed = flask_cli(database_url, "routes")
    assert listed.returncode == 0
    assert "Home page" in listed.stdout

    at_base = flask_cli(database_url, "db", "downgrade", "base")
    assert at_base.stdout == "server-status schema at none\n"
    failed = flask_cli(database_url, "db", "downgrade")
    assert failed.returncode == 1
    assert failed.stderr == "Error: Relative revision -1 didn't produce 1 migrations\n"
