"""Automatic incidents: threshold, quiet period, captured exception, one per route."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state
from flask_server_status.clock import bucket_start, utcnow
from flask_server_status.models import (
    incident_updates,
    incidents,
    maintenance,
    maintenance_routes,
    routes,
)
from tests.server_status.processes import run_together
from tests.server_status.storage import outcome_totals

SETTINGS = {
    "SERVER_STATUS_INCIDENT_FAILURE_THRESHOLD": 3,
    "SERVER_STATUS_INCIDENT_WINDOW_SECONDS": 300,
    "SERVER_STATUS_INCIDENT_QUIET_SECONDS": 600,
}


def automatic_incidents(engine: sa.Engine) -> list[dict[str, Any]]:
    query = (
        sa.select(incidents, routes.c.rule)
        .join(routes, routes.c.id == incidents.c.route_id)
        .where(incidents.c.automatic == sa.true())
        .order_by(incidents.c.id)
    )
    with engine.connect() as connection:
        found = [dict(row) for row in connection.execute(query).mappings()]
        for incident in found:
            incident["updates"] = [
                (row.status, row.message)
                for row in connection.execute(
                    sa.select(incident_updates)
                    .where(incident_updates.c.incident_id == incident["id"])
                    .order_by(incident_updates.c.id)
                )
            ]
    return found


def test_failures_over_the_threshold_open_one_incident_with_the_exception(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**SETTINGS)
    client = app.test_client()
    for _ in range(3):
        client.get("/boom")
    for _ in range(2):
        client.get("/fail")  # 503 twice: below the threshold
    state = get_state(app)
    assert state.flush()

    (incident,) = automatic_incidents(state.engine)
    assert incident["rule"] == "/boom"
    assert incident["title"] == "boom is failing"
    assert incident["status"] == "investigating"
    assert incident["resolved_at"] is None
    assert incident["error_type"] == "RuntimeError"
    assert incident["error_message"] == "the database said no"
    assert incident["updates"] == [
        ("investigating", "Opened automatically: at least 3 failed requests in 5 minutes.")
    ]

    for _ in range(3):  # more failures keep the same incident open
        client.get("/boom")
    assert state.flush()
    assert [i["id"] for i in automatic_incidents(state.engine)] == [incident["id"]]


def test_the_threshold_counts_failures_from_separate_flushes(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**SETTINGS)
    state = get_state(app)
    client = app.test_client()
    for _ in range(3):
        client.get("/fail")
        assert state.flush()
    (incident,) = automatic_incidents(state.engine)
    assert incident["rule"] == "/fail"
    assert incident["error_type"] is None  # an abort(503), not an exception


def test_a_quiet_period_resolves_the_incident_and_new_failures_open_another(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**SETTINGS)
    state = get_state(app)
    client = app.test_client()
    for _ in range(3):
        client.get("/boom")
    assert state.flush()

    assert state.flush(now=utcnow() + timedelta(minutes=5))  # not quiet long enough
    (still_open,) = automatic_incidents(state.engine)
    assert still_open["resolved_at"] is None

    later = utcnow() + timedelta(minutes=12)
    assert state.flush(now=later)
    (resolved,) = automatic_incidents(state.engine)
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] == later
    assert resolved["updates"][-1] == (
        "resolved",
        "Resolved automatically: no failures for 10 minutes.",
    )

    for _ in range(3):
        client.get("/boom")
    assert state.flush()
    first, second = automatic_incidents(state.engine)
    assert first["id"] == resolved["id"]
    assert second["resolved_at"] is None


def add_maintenance(
    app: Flask, starts_at: datetime, ends_at: datetime, rules: Sequence[str] = ()
) -> None:
    """A maintenance window over ``rules`` (none: the whole service)."""
    state = get_state(app)
    assert state.flush()  # registers the app's routes
    with state.engine.begin() as connection:
        window_id = connection.execute(
            sa.insert(maintenance)
            .values(title="Upgrade", starts_at=starts_at, ends_at=ends_at, created_at=utcnow())
            .returning(maintenance.c.id)
        ).scalar_one()
        for rule in rules:
            route_id = connection.execute(
                sa.select(routes.c.id).where(routes.c.rule == rule)
            ).scalar_one()
            connection.execute(
                sa.insert(maintenance_routes).values(maintenance_id=window_id, route_id=route_id)
            )


def fail_both(app: Flask) -> None:
    client = app.test_client()
    for _ in range(3):
        client.get("/boom")
        client.get("/fail")


def test_no_incident_opens_for_a_route_in_maintenance(make_app: Callable[..., Flask]) -> None:
    app = make_app(**SETTINGS)
    now = utcnow()
    add_maintenance(app, now - timedelta(hours=1), now + timedelta(hours=1), ["/boom"])
    fail_both(app)
    state = get_state(app)
    assert state.flush()
    assert [i["rule"] for i in automatic_incidents(state.engine)] == ["/fail"]


def test_no_incident_opens_while_the_whole_service_is_in_maintenance(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**SETTINGS)
    now = utcnow()
    add_maintenance(app, now - timedelta(hours=2), now - timedelta(hours=1))  # over
    add_maintenance(app, now - timedelta(hours=1), now + timedelta(hours=1))
    add_maintenance(app, now + timedelta(hours=1), now + timedelta(hours=2))  # not yet
    fail_both(app)
    state = get_state(app)
    assert state.flush()
    assert automatic_incidents(state.engine) == []
    assert outcome_totals(state.engine)["/boom"] == {"requests": 3, "failures": 3}


def test_failures_during_a_finished_window_do_not_count_afterwards(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**SETTINGS)
    ends_at = bucket_start(utcnow(), "minute") + timedelta(minutes=2)
    add_maintenance(app, ends_at - timedelta(hours=1), ends_at, ["/boom"])
    fail_both(app)  # within the window
    state = get_state(app)
    assert state.flush(now=ends_at + timedelta(seconds=30))  # flushed after it ended
    assert [i["rule"] for i in automatic_incidents(state.engine)] == ["/fail"]


def test_failures_after_a_window_ended_open_an_incident(make_app: Callable[..., Flask]) -> None:
    app = make_app(**SETTINGS)
    ends_at = bucket_start(utcnow(), "minute")
    add_maintenance(app, ends_at - timedelta(hours=1), ends_at)
    fail_both(app)  # from this minute on: after the window
    state = get_state(app)
    assert state.flush()
    assert [i["rule"] for i in automatic_incidents(state.engine)] == ["/boom", "/fail"]


def test_processes_flushing_at_once_open_a_single_incident(
    database_url: str, tmp_path: Path
) -> None:
    run_together(
        "assert get_state(app).flush()",
        4,
        tmp_path,
        prepare=f"""
        from tests.server_status.sample_app import create_app
        from flask_server_status import get_state
        app = create_app({database_url!r}, **{SETTINGS!r})
        get_state(app).engine.connect().close()  # schema ready before the race
        client = app.test_client()
        for _ in range(5):
            client.get("/boom")
        """,
    )
    from flask_server_status.engine import create_engine

    engine = create_engine(database_url, key="test")
    try:
        (incident,) = automatic_incidents(engine)
        assert incident["rule"] == "/boom"
        assert [status for status, _message in incident["updates"]] == ["investigating"]
        assert outcome_totals(engine) == {"/boom": {"requests": 20, "failures": 20}}
    finally:
        engine.dispose()
