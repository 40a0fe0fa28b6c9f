"""Automatic incidents: burn-rate opening, quiet period, captured exception, one per route."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state
from flask_server_status.automatic_incidents import FlushedRoute, update_automatic_incidents
from flask_server_status.clock import bucket_start, minute_of, minute_start, utcnow
from flask_server_status.models import (
    incident_updates,
    incidents,
    maintenance,
    maintenance_routes,
    routes,
)
from flask_server_status.store import add_counts
from tests.server_status.processes import run_together
from tests.server_status.storage import bucket_counters, failed_counts, outcome_totals

SETTINGS = {"SERVER_STATUS_SLO": 99.9, "SERVER_STATUS_INCIDENT_QUIET_SECONDS": 600}
#: The default minimum volume: this many requests in the 5-minute window, all
#: failed, are a fast burn (1,000 times the budget).
MIN_REQUESTS = 10
FAST_BURN_EVIDENCE = (
    "Opened automatically: 100 % of 10 requests failed in the last 5 minutes; the 99.9 % "
    "objective's budget is burning 1,000 times too fast (100 % of 10 in the last hour: "
    "1,000 times)."
)


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


def test_a_fast_burn_opens_one_major_incident_with_the_exception_and_evidence(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**SETTINGS)
    client = app.test_client()
    for _ in range(MIN_REQUESTS):
        client.get("/boom")
    for _ in range(MIN_REQUESTS - 1):
        client.get("/fail")  # 503 every time, but below the minimum volume
    state = get_state(app)
    assert state.flush()

    (incident,) = automatic_incidents(state.engine)
    assert incident["rule"] == "/boom"
    assert incident["title"] == "boom is failing"
    assert incident["status"] == "investigating"
    assert incident["impact"] == "major"
    assert incident["resolved_at"] is None
    assert incident["error_type"] == "RuntimeError"
    assert incident["error_message"] == "the database said no"
    assert incident["updates"] == [("investigating", FAST_BURN_EVIDENCE)]

    for _ in range(3):  # more failures keep the same incident open
        client.get("/boom")
    assert state.flush()
    assert [i["id"] for i in automatic_incidents(state.engine)] == [incident["id"]]


def test_the_minimum_volume_counts_requests_from_separate_flushes(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**SETTINGS)
    state = get_state(app)
    client = app.test_client()
    for _ in range(MIN_REQUESTS - 1):
        client.get("/fail")
        assert state.flush()
    assert automatic_incidents(state.engine) == []
    client.get("/fail")
    assert state.flush()
    (incident,) = automatic_incidents(state.engine)
    assert incident["rule"] == "/fail"
    assert incident["error_type"] is None  # an abort(503), not an exception


def test_five_failures_after_a_bad_hour_open_a_minor_incident_not_a_major_one(
    make_app: Callable[..., Flask],
) -> None:
    """The fast alert's minimum volume is read from its 5-minute window, not its hour."""
    app = make_app(**SETTINGS)
    state = get_state(app)
    assert state.flush()  # registers the app's routes
    fail = _route_id(state.engine, "/fail")
    minute = minute_of(utcnow())
    # 35 to 54 minutes ago: 995 requests, 95 of them failed.
    earlier = {(fail, minute - ago): bucket_counters(50, 5) for ago in range(35, 54)}
    earlier[(fail, minute - 54)] = bucket_counters(45)
    with state.engine.begin() as connection:
        add_counts(connection, earlier)
    client = app.test_client()
    for _ in range(5):  # now: 5 of 5 fail, half the minimum volume
        client.get("/fail")
    assert state.flush()
    (incident,) = automatic_incidents(state.engine)
    assert (incident["rule"], incident["impact"]) == ("/fail", "minor")
    assert incident["updates"][0][1].startswith(
        "Opened automatically: 10 % of 1,000 requests failed in the last 6 hours; "
    )


def test_a_quiet_period_resolves_the_incident_and_only_new_failures_open_another(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**SETTINGS)
    state = get_state(app)
    client = app.test_client()
    for _ in range(MIN_REQUESTS):
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
        "Resolved automatically: within the 99.9 % objective for 10 minutes "
        "(0 of 0 requests failed).",
    )

    # The failures behind the resolved incident do not open another ...
    assert state.flush(now=later + timedelta(seconds=30))
    assert len(automatic_incidents(state.engine)) == 1
    # ... new ones, after the resolution, do.
    boom = _route_id(state.engine, "/boom")
    minute = minute_of(later) + 1
    with state.engine.begin() as connection:
        add_counts(connection, {(boom, minute): failed_counts(MIN_REQUESTS)})
        update_automatic_incidents(
            connection,
            {boom: FlushedRoute("boom", "/boom", "boom", None)},
            minute_start(minute) + timedelta(seconds=30),
            state.settings,
        )
    first, second = automatic_incidents(state.engine)
    assert first["id"] == resolved["id"]
    assert second["resolved_at"] is None


def _route_id(engine: sa.Engine, rule: str) -> int:
    with engine.connect() as connection:
        route_id: int = connection.execute(
            sa.select(routes.c.id).where(routes.c.rule == rule)
        ).scalar_one()
    return route_id


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
    for _ in range(MIN_REQUESTS):
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
    assert outcome_totals(state.engine)["/boom"] == {"requests": 10, "failures": 10}


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
        for _ in range(10):  # each process alone reaches the minimum volume
            client.get("/boom")
        """,
    )
    from flask_server_status.engine import create_engine

    engine = create_engine(database_url, key="test")
    try:
        (incident,) = automatic_incidents(engine)
        assert incident["rule"] == "/boom"
        assert [status for status, _message in incident["updates"]] == ["investigating"]
        assert outcome_totals(engine) == {"/boom": {"requests": 40, "failures": 40}}
    finally:
        engine.dispose()


def test_the_database_itself_refuses_a_second_open_automatic_incident_per_route(
    engine: sa.Engine,
) -> None:
    """The key behind "one per route" holds against any writer: a partial unique
    index on SQLite and PostgreSQL, a generated column's unique key on MariaDB."""
    now = datetime(2026, 1, 5, 12, 0)
    with engine.begin() as connection:
        route_id = connection.execute(
            sa.insert(routes).values(rule="/x", endpoint="x", name="X", doc="", created_at=now)
        ).inserted_primary_key[0]

    def incident(**values: object) -> dict[str, object]:
        base = {"route_id": route_id, "title": "X", "status": "investigating", "impact": "minor"}
        return {**base, "automatic": True, "started_at": now, "resolved_at": None, **values}

    with engine.begin() as connection:
        connection.execute(sa.insert(incidents), [incident(resolved_at=now), incident()])
        # Closed and manual incidents of the route are not limited.
        connection.execute(
            sa.insert(incidents), [incident(resolved_at=now), incident(automatic=False)]
        )
    with engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(sa.insert(incidents).values(**incident()))
    with engine.begin() as connection:
        connection.execute(
            sa.update(incidents).where(incidents.c.resolved_at.is_(None)).values(resolved_at=now)
        )
        connection.execute(sa.insert(incidents).values(**incident()))  # open again: allowed
        opened = connection.execute(
            sa.select(sa.func.count()).where(
                incidents.c.automatic == sa.true(), incidents.c.resolved_at.is_(None)
            )
        ).scalar()
    assert opened == 1
