"""Alembic migrations shipped in the package, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_server_status import FlaskStatus, get_state, migrate
from flask_server_status.engine import create_engine
from flask_server_status.models import metadata
from tests.server_status.processes import run_together
from tests.server_status.storage import outcome_totals
from tests.support.mariadb import MariaDBDatabase
from tests.support.postgres import PostgresSchema


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(database_url, key="test")
    yield engine
    engine.dispose()


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


OUR_TABLES = set(metadata.tables)


def test_there_is_a_single_head_and_the_package_knows_it_without_alembic() -> None:
    assert migrate.heads() == [migrate.HEAD]


def test_upgrade_downgrade_to_base_and_upgrade_again(engine: sa.Engine) -> None:
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.heads()[0]
    assert OUR_TABLES | {migrate.VERSION_TABLE} <= table_names(engine)

    migrate.downgrade(engine, "base")
    assert migrate.current(engine) is None
    assert table_names(engine) & OUR_TABLES == set()

    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.heads()[0]
    assert migrate.schema_differences(engine) == []


COMPONENT_LINKS = {"server_status_incident_components", "server_status_maintenance_components"}


def test_0004_adds_the_component_links_and_its_downgrade_removes_only_them(
    engine: sa.Engine,
) -> None:
    migrate.upgrade(engine, "0004")
    assert table_names(engine) >= COMPONENT_LINKS

    migrate.downgrade(engine, "0003")
    assert table_names(engine) & COMPONENT_LINKS == set()
    assert table_names(engine) >= OUR_TABLES - COMPONENT_LINKS


def test_models_match_the_migrated_schema(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.schema_differences(engine) == []
    assert migrate.is_current(engine)


def test_processes_upgrading_together_migrate_once(
    database_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    upgrade = "migrate.upgrade(engine)\nprint('alembic' in sys.modules)"
    prepare = f"""
        import sys
        from flask_server_status import migrate
        from flask_server_status.engine import create_engine
        engine = create_engine({database_url!r}, key="test")
        """
    imported = run_together(upgrade, 4, tmp_path, prepare=prepare)
    version_table = sa.table(migrate.VERSION_TABLE, sa.column("version_num"))
    with engine.connect() as connection:
        assert connection.execute(sa.select(version_table)).scalars().all() == migrate.heads()
    assert migrate.schema_differences(engine) == []
    # Only the process that migrated loaded Alembic; the others found the schema
    # current, after waiting for the lock, with one query. Once at head, none does.
    assert sorted(out.strip() for out in imported) == ["False", "False", "False", "True"]
    again = run_together(upgrade, 2, tmp_path, prepare=prepare)
    assert [out.strip() for out in again] == ["False", "False"]


def test_cli_upgrade_downgrade_current_check(database_url: str, engine: sa.Engine) -> None:
    app = Flask(__name__)
    app.config["SERVER_STATUS_DATABASE_URI"] = database_url
    FlaskStatus(app)
    runner = app.test_cli_runner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(args=["server-status", "db", *args])
        return result.exit_code, result.output

    assert run("current") == (0, "none\n")
    code, output = run("check")
    assert code == 1
    assert "flask server-status db upgrade" in output
    head = migrate.heads()[0]
    assert run("upgrade") == (0, f"server-status schema at {head}\n")
    assert run("current") == (0, f"{head}\n")
    assert run("check") == (0, f"server-status schema is up to date ({head})\n")
    assert run("downgrade", "base") == (0, "server-status schema at none\n")
    assert table_names(engine) & OUR_TABLES == set()
    get_state(app).engine.dispose()


def _host_app(database_url: str) -> tuple[Flask, SQLAlchemy, type]:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db = SQLAlchemy(app)

    class Order(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)

    @app.route("/orders")
    def orders() -> str:
        return str(db.session.query(Order).count())

    FlaskStatus(app)  # after db.init_app: shares the Flask-SQLAlchemy engine
    return app, db, Order


def test_host_create_all_and_drop_all_leave_our_tables_alone(database_url: str) -> None:
    app, db, _order = _host_app(database_url)
    state = get_state(app)
    with app.app_context():
        assert state.engine is db.engine
        db.create_all()
    app.test_client().get("/orders")
    assert state.flush()
    with app.app_context():
        assert set(db.metadata.tables) == {"order"}
        db.drop_all()
        db.create_all()
    assert outcome_totals(state.engine) == {"/orders": {"requests": 1, "successes": 1}}
    assert migrate.schema_differences(state.engine) == []
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_host_autogenerate_ignores_our_tables_with_the_documented_filter(
    database_url: str,
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app, db, _order = _host_app(database_url)
    with app.app_context():
        db.create_all()
        migrate.upgrade(db.engine)
        with db.engine.connect() as connection:
            unfiltered = MigrationContext.configure(connection)
            removed = {
                diff[1].name
                for diff in compare_metadata(unfiltered, db.metadata)
                if diff[0] == "remove_table"
            }
            filtered = MigrationContext.configure(
                connection, opts={"include_object": migrate.exclude_server_status_tables}
            )
            assert compare_metadata(filtered, db.metadata) == []
        db.drop_all()
        db.engine.dispose()
    # Without the filter the host's autogenerate would drop our tables.
    assert removed >= OUR_TABLES


OLD_BUCKET_TABLES = ("minute", "hourly", "daily")


def reflected(engine: sa.Engine, name: str) -> sa.Table:
    """A table as the database has it now (the models know only the head schema)."""
    return sa.Table(name, sa.MetaData(), autoload_with=engine)


#: Old fixed-bound histogram counts of one bucket, and the latency each maps to.
OLD_COUNTS = {"latency_le_5": 10, "latency_le_100": 80, "latency_le_500": 5, "latency_overflow": 5}
MAPPED_TO_MS = {"latency_le_5": 2.5, "latency_le_100": 75.0, "latency_le_500": 375.0}
MAPPED_TO_MS["latency_overflow"] = 15_000.0


def test_upgrade_from_0001_carries_old_histograms_forward_and_downgrade_restores_them(
    engine: sa.Engine,
) -> None:
    from datetime import datetime

    from flask_server_status import latency, reports
    from flask_server_status.config import read_settings
    from flask_server_status.reports.statistics import round_ms

    now = datetime(2026, 11, 21, 15, 30)
    starts = {
        "minute": now,
        "hourly": now.replace(minute=0),
        "daily": now.replace(hour=0, minute=0),
    }
    migrate.upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO server_status_routes (id, rule, endpoint, name, doc, "
                "name_overridden, created_at) VALUES (1, '/old', 'old', 'Old', '', :no, :at)"
            ),
            {"no": False, "at": now},
        )
        for name in OLD_BUCKET_TABLES:
            connection.execute(
                reflected(engine, f"server_status_{name}_buckets").insert(),
                {
                    "route_id": 1,
                    "bucket_start": starts[name],
                    **{"requests": 100, "successes": 100, "latency_sum_ms": 80000},
                    **OLD_COUNTS,
                },
            )

    migrate.upgrade(engine)
    assert migrate.schema_differences(engine) == []
    expected = {latency.index_of(MAPPED_TO_MS[c]): n for c, n in OLD_COUNTS.items()}
    for name in OLD_BUCKET_TABLES:
        columns = {
            c["name"] for c in sa.inspect(engine).get_columns(f"server_status_{name}_buckets")
        }
        assert not any(column.startswith("latency_le_") for column in columns)
        table = reflected(engine, f"server_status_{name}_latency")
        with engine.connect() as connection:
            stored = dict(
                connection.execute(
                    sa.select(table.c.bucket_index, table.c.requests).where(
                        table.c.route_id == 1, table.c.bucket_start == starts[name]
                    )
                ).all()
            )
        assert stored == expected, name
    # The percentiles are those of the mapped latencies: 80 % at 75 ms, 5 % at 375 ms, ...
    settings = read_settings({}, import_name="test")
    [route] = reports.route_list(engine, settings, now=now)["routes"]
    assert route["latency_ms"] == {
        "p50": round_ms(latency.representative(latency.index_of(75.0))),
        "p95": round_ms(latency.representative(latency.index_of(375.0))),
        "p99": round_ms(latency.representative(latency.index_of(15_000.0))),
    }
    assert route["latency_ms"]["p50"] == pytest.approx(75.0, rel=latency.RELATIVE_ACCURACY)

    migrate.downgrade(engine, "0001")
    with engine.connect() as connection:
        for name in OLD_BUCKET_TABLES:
            row = (
                connection.execute(sa.select(reflected(engine, f"server_status_{name}_buckets")))
                .mappings()
                .one()
            )
            old = {key: value for key, value in row.items() if key.startswith("latency_")}
            assert old.pop("latency_sum_ms") == 80000
            assert {key: value for key, value in old.items() if value} == OLD_COUNTS, name
    assert not any(name.endswith("_latency") for name in table_names(engine))


@pytest.mark.parametrize(
    ("server", "schema_of"), [("postgres", PostgresSchema), ("mariadb", MariaDBDatabase)]
)
def test_a_migration_in_one_schema_never_waits_for_another_schema(
    request: pytest.FixtureRequest,
    server: str,
    schema_of: type[PostgresSchema] | type[MariaDBDatabase],
) -> None:
    provided = request.getfixturevalue(f"{server}_server")
    if provided.url is None:
        pytest.skip(f"{server} unavailable: {provided.how}")
    schemas = [schema_of(provided.url) for _ in range(2)]
    engines = [create_engine(schema.url, key="test") for schema in schemas]
    try:
        # The database lock another process migrating the first schema holds (this
        # process's own lock is only for its threads).
        with migrate._database_lock(engines[0]):
            upgrade = threading.Thread(target=migrate.upgrade, args=(engines[1],), daemon=True)
            upgrade.start()
            upgrade.join(timeout=60)
            assert not upgrade.is_alive(), "the migration waited for another schema's lock"
        assert migrate.is_current(engines[1])
        assert not table_names(engines[0])
    finally:
        for engine, schema in zip(engines, schemas, strict=True):
            engine.dispose()
            schema.drop()
