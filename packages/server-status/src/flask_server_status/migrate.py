"""Running the package's Alembic migrations, safely from many processes at once.

The migration scripts live in ``flask_server_status/migrations``; their
version table is ``server_status_alembic_version``. :func:`upgrade` holds a
lock for the whole run so that gunicorn workers starting together on an empty
database migrate it exactly once: a PostgreSQL advisory lock, a MySQL or
MariaDB named lock (``GET_LOCK``), or on SQLite an exclusive transaction on a
small lock file next to the database. The advisory and named locks are one per
schema (PostgreSQL's ``current_schema()``, MySQL's ``DATABASE()``), so apps
that keep their tables in different schemas of one database never wait for
each other's migrations. MySQL and MariaDB commit every DDL statement as it
runs: a migration that fails there half way leaves its first steps applied.

Host apps using Flask-Migrate / Alembic for their own tables should pass
:func:`exclude_server_status_tables` as ``include_object`` so autogenerate
ignores these tables (see the README).
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .models import (
    MYSQL_BACKENDS,
    OPEN_AUTOMATIC_COLUMN,
    OPEN_AUTOMATIC_INCIDENT_INDEX,
    TABLE_PREFIX,
    metadata,
)

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported inside the functions that use it: it is needed once per
# process at most, and importing it costs every gunicorn worker a third of a
# second at boot.

VERSION_TABLE = "server_status_alembic_version"
#: The head revision of the migration scripts, known without Alembic (a test
#: compares it with Alembic's heads): importing Alembic, with Mako and Pygments,
#: costs a process about 0.4 s of CPU, which every worker's first flush paid
#: only to find the schema current, and a worker stopping on SIGTERM waits for
#: that flush: on a loaded machine, longer than gunicorn's graceful timeout.
HEAD = "0004"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: First key of the PostgreSQL advisory lock held while migrating (arbitrary,
#: fixed); the second is the hash of the schema migrated.
ADVISORY_LOCK_KEY = 0x5EE5_7A75
_SCHEMA_LOCK = "CAST(:key AS integer), hashtext(current_schema())"
_LOCK = sa.text(f"SELECT pg_advisory_lock({_SCHEMA_LOCK})")
_UNLOCK = sa.text(f"SELECT pg_advisory_unlock({_SCHEMA_LOCK})")
#: The MySQL / MariaDB named lock held while migrating: one per database
#: (hashed, as lock names are limited to 64 characters).
_NAMED_LOCK = "CONCAT('flask_server_status:', SHA1(DATABASE()))"
_GET_LOCK = sa.text(f"SELECT GET_LOCK({_NAMED_LOCK}, :seconds)")
_RELEASE_LOCK = sa.text(f"SELECT RELEASE_LOCK({_NAMED_LOCK})")
LOCK_TIMEOUT_SECONDS = 120.0
#: Alembic keeps the running migration in module globals (``alembic.context``),
#: so two threads of one process (two apps, or a flush thread and a reader)
#: must never run migrations at the same time.
_PROCESS_LOCK = threading.Lock()


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook that keeps only this package's tables."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    return bool(table_name and table_name.startswith(TABLE_PREFIX))


def exclude_server_status_tables(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook for the *host* app: ignores this package's tables.

    Use it in the host's ``migrations/env.py`` (Flask-Migrate) so autogenerate
    neither drops nor recreates ``server_status_*`` tables::

        context.configure(..., include_object=exclude_server_status_tables)
    """
    table_name = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    if table_name == VERSION_TABLE:
        return False
    return not (table_name and table_name.startswith(TABLE_PREFIX))


def alembic_config(
    connection: sa.Connection | None = None, *, output: io.StringIO | None = None
) -> Config:
    """An Alembic config for the package's scripts, bound to ``connection`` if given.

    What Alembic prints (history, offline SQL) goes to ``output`` when given.
    """
    from alembic.config import Config

    config = Config(stdout=output or io.StringIO(), output_buffer=output)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def heads() -> list[str]:
    """The head revisions of the package's migration scripts (one, normally)."""
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config()).get_heads())


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` under the cross-process migration lock.

    A database already at :data:`HEAD` (every process of a migrated app, and
    every one that waited for the lock while another migrated) is told by one
    query, without importing Alembic.
    """
    if revision == "head" and at_head(engine):
        return
    with _locked_connection(engine) as connection:
        if revision == "head" and at_head(engine):
            return
        from alembic import command

        command.upgrade(alembic_config(connection), revision)
        connection.commit()


def at_head(engine: sa.Engine) -> bool:
    """True when the database records :data:`HEAD` as its revision; False also when it
    has no version table yet or cannot be read (the caller's next step reports why)."""
    version = sa.table(VERSION_TABLE, sa.column("version_num"))
    try:
        with engine.connect() as connection:
            revisions = connection.execute(sa.select(version.c.version_num)).scalars().all()
    except sa.exc.DBAPIError:
        return False
    return revisions == [HEAD]


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Downgrade the schema to ``revision`` (``base`` removes every table)."""
    from alembic import command

    with _locked_connection(engine) as connection:
        command.downgrade(alembic_config(connection), revision)
        connection.commit()


def stamp(engine: sa.Engine, revision: str, *, purge: bool = False) -> None:
    """Record ``revision`` in the version table without running any migration."""
    from alembic import command

    with _locked_connection(engine) as connection:
        command.stamp(alembic_config(connection), revision, purge=purge)
        connection.commit()


def offline_sql(url: sa.URL, direction: str, revision: str) -> str:
    """The SQL ``upgrade`` or ``downgrade`` to ``revision`` would run, for ``url``'s dialect.

    Nothing is connected to: a DBA can review the script first. Alembic's
    rules apply: a downgrade needs a ``from:to`` range, an upgrade starts at
    base unless one is given.
    """
    from alembic import command

    output = io.StringIO()
    config = alembic_config(output=output)
    config.attributes["url"] = url
    migrate = command.upgrade if direction == "upgrade" else command.downgrade
    migrate(config, revision, sql=True)
    return output.getvalue()


def history(
    engine: sa.Engine | None, rev_range: str | None = None, *, verbose: bool = False
) -> str:
    """Alembic's ``history`` listing; the current revision is marked when ``engine`` is given."""
    from alembic import command

    output = io.StringIO()
    if engine is None:
        command.history(alembic_config(output=output), rev_range, verbose=verbose)
        return output.getvalue()
    with engine.connect() as connection:
        config = alembic_config(connection, output=output)
        command.history(config, rev_range, verbose=verbose, indicate_current=True)
    return output.getvalue()


def describe_heads(*, verbose: bool = False) -> str:
    """Alembic's ``heads`` listing."""
    from alembic import command

    output = io.StringIO()
    command.heads(alembic_config(output=output), verbose=verbose)
    return output.getvalue()


def describe_revision(revision: str) -> str:
    """Alembic's ``show`` of one revision (``head`` by default in the CLI)."""
    from alembic import command

    output = io.StringIO()
    command.show(alembic_config(output=output), revision)
    return output.getvalue()


def current(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None when never migrated."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def schema_differences(engine: sa.Engine) -> list[Any]:
    """Differences between the models and the database (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": VERSION_TABLE,
                "include_object": (
                    _include_in_mysql_comparison
                    if engine.dialect.name in MYSQL_BACKENDS
                    else include_object
                ),
                "compare_type": True,
            },
        )
        return list(compare_metadata(context, metadata))


def _include_in_mysql_comparison(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """:func:`include_object`, leaving out the key of open automatic incidents.

    On MySQL and MariaDB that key is a generated column the model does not
    have and a unique index over it (see ``models.OPEN_AUTOMATIC_COLUMN``),
    both made by the migrations alone.
    """
    if (type_, name) in (
        ("column", OPEN_AUTOMATIC_COLUMN),
        ("index", OPEN_AUTOMATIC_INCIDENT_INDEX),
    ):
        return False
    return include_object(obj, name, type_, reflected, compare_to)


def is_current(engine: sa.Engine) -> bool:
    """True when the database is at the head revision."""
    return current(engine) in heads()


@contextlib.contextmanager
def _locked_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    with _PROCESS_LOCK, _database_lock(engine) as connection:
        yield connection


@contextlib.contextmanager
def _database_lock(engine: sa.Engine) -> Iterator[sa.Connection]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(_LOCK, {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(_UNLOCK, {"key": ADVISORY_LOCK_KEY})
                connection.commit()
        return
    if engine.dialect.name in MYSQL_BACKENDS:
        with engine.connect() as connection:
            # GET_LOCK answers 0 when it timed out; wait on, as pg_advisory_lock does.
            while (
                got := connection.execute(_GET_LOCK, {"seconds": LOCK_TIMEOUT_SECONDS}).scalar()
            ) != 1:
                if got is None:
                    raise RuntimeError("MySQL refused the migration lock (GET_LOCK returned NULL)")
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(_RELEASE_LOCK)
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        with engine.connect() as connection:
            yield connection
        return
    lock = sqlite3.connect(f"{database}.migrate-lock", timeout=LOCK_TIMEOUT_SECONDS)
    try:
        # An exclusive transaction on a separate file serialises migrating
        # processes without holding a lock on the database Alembic writes to.
        lock.execute("BEGIN EXCLUSIVE")
        with engine.connect() as connection:
            yield connection
    finally:
        lock.close()
