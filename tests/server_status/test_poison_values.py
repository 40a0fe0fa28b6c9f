"""One odd value never stops storage: texts are bounded, rejected parts are isolated."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state
from flask_server_status.models import incidents, routes
from tests.server_status.storage import outcome_totals

LONG_NAME = "N" * 300
LONG_RULE = "/" + "r" * 599
LongTypeError = type("E" * 300, (Exception,), {})


def add_poison_routes(app: Flask) -> None:
    def long_name() -> str:
        return "named"

    long_name.__doc__ = f"# {LONG_NAME}\n\nA route with a very long name."
    app.add_url_rule("/long-name", "long_name", long_name)
    app.add_url_rule(LONG_RULE, "long_rule", lambda: "ruled")

    def long_type() -> str:
        raise LongTypeError("x" * 5000)

    app.add_url_rule("/long-type", "long_type", long_type)


def test_a_300_character_name_a_600_character_rule_and_a_300_character_type_are_stored_bounded(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    add_poison_routes(app)
    state = get_state(app)
    client = app.test_client()
    for path, count in (
        ("/", 7),
        ("/boom", 3),
        ("/long-name", 5),
        (LONG_RULE, 4),
        ("/long-type", 10),  # the minimum volume: its incident stores the exception
    ):
        for _ in range(count):
            assert client.get(path).status_code in (200, 500)
    assert state.flush()
    assert outcome_totals(state.engine) == {
        "/": {"requests": 7, "successes": 7},
        "/boom": {"requests": 3, "failures": 3},
        "/long-name": {"requests": 5, "successes": 5},
        LONG_RULE[:500]: {"requests": 4, "successes": 4},
        "/long-type": {"requests": 10, "failures": 10},
    }
    assert state.dropped_requests == 0
    with state.engine.connect() as connection:
        names = dict(connection.execute(sa.select(routes.c.rule, routes.c.name)).all())
        errors = connection.execute(sa.select(incidents.c.error_type, incidents.c.error_message))
        error_types = {row[0]: row[1] for row in errors}
    assert names["/long-name"] == LONG_NAME[:200]
    assert names[LONG_RULE[:500]] == "long_rule"
    expected_type = f"{__name__}.{'E' * 300}"[:200]
    assert len(error_types[expected_type]) == 1000


def test_nul_bytes_and_lone_surrogates_are_stored_replaced(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    def odd() -> str:
        return "odd"

    odd.__doc__ = "# Odd\x00name \udcff\n\nSee \x00."
    app.add_url_rule("/odd", "odd", odd)
    state = get_state(app)
    assert app.test_client().get("/odd").status_code == 200
    assert state.flush()
    with state.engine.connect() as connection:
        row = connection.execute(sa.select(routes).where(routes.c.rule == "/odd")).mappings().one()
    assert (row["name"], row["doc"]) == ("Odd\ufffdname ?", "See \ufffd.")
    assert outcome_totals(state.engine)["/odd"] == {"requests": 1, "successes": 1}


def reject_counts_of(engine: sa.Engine, route_id: int) -> None:
    """Make the database itself refuse every minute bucket of one route."""
    with engine.begin() as connection:
        if engine.dialect.name == "mysql":
            # MariaDB's own refusal of a value out of range (errno 1264): a DataError.
            connection.execute(
                sa.text(
                    "CREATE TRIGGER rejected_route BEFORE INSERT ON server_status_minute_buckets "
                    f"FOR EACH ROW IF NEW.route_id = {route_id} THEN SIGNAL SQLSTATE '22003' "
                    "SET MYSQL_ERRNO = 1264, MESSAGE_TEXT = 'rejected'; END IF"
                )
            )
        elif engine.dialect.name == "postgresql":
            connection.execute(
                sa.text(
                    "ALTER TABLE server_status_minute_buckets ADD CONSTRAINT "
                    f"ck_rejected_route CHECK (route_id <> {route_id})"
                )
            )
        else:
            connection.execute(
                sa.text(
                    "CREATE TRIGGER rejected_route BEFORE INSERT ON server_status_minute_buckets "
                    f"WHEN NEW.route_id = {route_id} BEGIN SELECT RAISE(ABORT, 'rejected'); END"
                )
            )


def test_a_part_the_database_rejects_is_left_out_once_logged_and_the_rest_is_stored(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app()
    state = get_state(app)
    assert state.flush()  # route rows exist
    with state.engine.connect() as connection:
        moved = connection.execute(sa.select(routes.c.id).where(routes.c.rule == "/moved")).scalar()
    assert moved is not None
    reject_counts_of(state.engine, moved)
    caplog.set_level(logging.WARNING, logger="flask_server_status")
    client = app.test_client()
    for _round in range(2):
        for path, count in (("/", 5), ("/moved", 4), ("/fail", 2)):
            for _ in range(count):
                client.get(path)
        assert state.flush()
    assert outcome_totals(state.engine) == {
        "/": {"requests": 10, "successes": 10},
        "/fail": {"requests": 4, "failures": 4},
    }
    assert state.dropped_requests == 8
    assert not state.flusher.unconfirmed
    reports = [r.getMessage() for r in caplog.records if "cannot store" in r.getMessage()]
    assert len(reports) == 1
    assert reports[0].startswith("flask-server-status cannot store counts of route '/moved'")
