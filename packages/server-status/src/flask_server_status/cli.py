"""``flask server-status``: the schema (``db ...``) and day-to-day operations.

Every failure (an unknown revision, a downgrade past base, an unreachable
database, an unknown incident) is reported as one ``Error: ...`` line with
exit code 1, never a traceback: :func:`_reported` turns the errors of Alembic,
SQLAlchemy and the write functions into :class:`click.ClickException`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from . import migrate, models
from .clock import utcnow
from .errors import StatusError
from .incidents import create_incident, record_status
from .state import StatusState, get_state


def _engine() -> sa.Engine:
    state = get_state()
    state.disable_auto_migrate()
    return state.engine


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Report the errors a command can meet as ``Error: <one line>``, exit code 1."""
    from alembic.util import CommandError

    try:
        yield
    except CommandError as error:
        raise click.ClickException(_one_line(str(error))) from None
    except StatusError as error:
        raise click.ClickException(_one_line(error.reason)) from None
    except (sa.exc.OperationalError, sqlite3.OperationalError) as error:
        # The driver's own first line says why (refused, no such file, bad
        # password); SQLite's migration lock file raises sqlite3's error bare.
        cause = getattr(error, "orig", None) or error
        reason = str(cause).strip().splitlines()[0]
        raise click.ClickException(
            f"cannot use the status database ({_database(get_state())}): {_one_line(reason)}"
        ) from None
    except sa.exc.SQLAlchemyError as error:
        raise click.ClickException(
            f"the status database failed ({_database(get_state())}): "
            f"{_one_line(str(error).splitlines()[0])}"
        ) from None


def _database(state: StatusState) -> str:
    """The database URL without its password, for error messages."""
    return state.engine.url.render_as_string(hide_password=True)


def _schema_at() -> str:
    return f"server-status schema at {migrate.current(_engine()) or 'none'}"


server_status_cli = AppGroup("server-status", help="flask-server-status commands.")


@server_status_cli.group("db")
def db_cli() -> None:
    """Manage the flask-server-status tables (its own Alembic history)."""


def _migrate(direction: str, revision: str, sql: bool) -> None:
    """Run the migration, or with ``sql`` print the script Alembic would run."""
    with _reported():
        if sql:
            if direction == "downgrade" and ":" not in revision:
                raise click.ClickException(
                    f"downgrade --sql needs a FROM:TO range such as head:base, got {revision!r}"
                )
            click.echo(migrate.offline_sql(_engine().url, direction, revision), nl=False)
            return
        run = migrate.upgrade if direction == "upgrade" else migrate.downgrade
        run(_engine(), revision)
        click.echo(_schema_at())


_SQL_OPTION = click.option(
    "--sql", is_flag=True, help="Print the SQL instead of running it (offline)."
)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@_SQL_OPTION
def upgrade_command(revision: str, sql: bool) -> None:
    """Upgrade the status tables to REVISION (default: head).

    With --sql, REVISION may be a FROM:TO range; without FROM the script starts at base.
    """
    _migrate("upgrade", revision, sql)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
@_SQL_OPTION
def downgrade_command(revision: str, sql: bool) -> None:
    """Downgrade the status tables to REVISION (default: one step; 'base' drops them).

    With --sql, REVISION must be a FROM:TO range, e.g. head:base.
    """
    _migrate("downgrade", revision, sql)


@db_cli.command("stamp")
@click.argument("revision", default="head")
@click.option("--purge", is_flag=True, help="Empty the version table before stamping.")
def stamp_command(revision: str, purge: bool) -> None:
    """Record REVISION as the schema's revision without running migrations."""
    with _reported():
        migrate.stamp(_engine(), revision, purge=purge)
        click.echo(_schema_at())


@db_cli.command("current")
def current_command() -> None:
    """Print the revision the status tables are at ('none' before the first upgrade)."""
    with _reported():
        click.echo(migrate.current(_engine()) or "none")


@db_cli.command("history")
@click.option("-r", "--rev-range", default=None, help="Range such as base:head or -1:current.")
@click.option("-v", "--verbose", is_flag=True, help="Show full revision details.")
@click.option("-i", "--indicate-current", is_flag=True, help="Mark the database's revision.")
def history_command(rev_range: str | None, verbose: bool, indicate_current: bool) -> None:
    """List the package's revisions, newest first."""
    with _reported():
        engine = _engine() if indicate_current else None
        click.echo(migrate.history(engine, rev_range, verbose=verbose), nl=False)


@db_cli.command("heads")
@click.option("-v", "--verbose", is_flag=True, help="Show full revision details.")
def heads_command(verbose: bool) -> None:
    """Show the head revision(s) of the package's scripts."""
    with _reported():
        click.echo(migrate.describe_heads(verbose=verbose), nl=False)


@db_cli.command("show")
@click.argument("revision", default="head")
def show_command(revision: str) -> None:
    """Show one revision (default: head)."""
    with _reported():
        click.echo(migrate.describe_revision(revision), nl=False)


@db_cli.command("check")
def check_command() -> None:
    """Exit 1 unless the status tables are at head and match the models."""
    with _reported():
        engine = _engine()
        revision = migrate.current(engine)
        if revision not in migrate.heads():
            raise click.ClickException(
                f"server-status schema at {revision or 'none'}, head is "
                f"{', '.join(migrate.heads())}: run `flask server-status db upgrade`"
            )
        differences = migrate.schema_differences(engine)
        if differences:
            raise click.ClickException(
                f"server-status schema differs from the models: {_one_line(str(differences))}"
            )
        click.echo(f"server-status schema is up to date ({revision})")


@server_status_cli.command("routes")
def routes_command() -> None:
    """List the recorded routes: id, rule, name and the requests and failures stored."""
    state = get_state()
    routes, days = models.routes, models.daily_buckets
    conditions = [routes.c.deleted_at.is_(None)]
    if state.settings.routes is not None:
        conditions.append(routes.c.rule.in_(sorted(state.settings.routes)))
    query = (
        sa.select(
            routes.c.id,
            routes.c.rule,
            routes.c.name,
            sa.func.coalesce(sa.func.sum(days.c.requests), 0),
            sa.func.coalesce(sa.func.sum(days.c.failures), 0),
        )
        .select_from(routes.outerjoin(days, days.c.route_id == routes.c.id))
        .where(*conditions)
        .group_by(routes.c.id, routes.c.rule, routes.c.name)
        .order_by(routes.c.rule)
    )
    with _reported(), state.engine.connect() as connection:
        rows = [tuple(str(cell) for cell in row) for row in connection.execute(query)]
    if not rows:
        click.echo(
            "no routes stored yet: they appear after the first flush (flask server-status flush)"
        )
        return
    table = [("ID", "RULE", "NAME", "REQUESTS", "FAILURES"), *rows]
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    for row in table:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@server_status_cli.group("incident")
def incident_cli() -> None:
    """Open and resolve manual incidents (as the admin API does)."""


@incident_cli.command("open")
@click.argument("title")
@click.option(
    "--impact", type=click.Choice(models.INCIDENT_IMPACTS), default="major", show_default=True
)
@click.option(
    "--status",
    type=click.Choice([s for s in models.INCIDENT_STATUSES if s != "resolved"]),
    default="investigating",
    show_default=True,
)
@click.option("--route", "route_ids", type=int, multiple=True, help="Affected route id (repeat).")
@click.option("--message", default="", help="Text of the first status update.")
def open_incident_command(
    title: str, impact: str, status: str, route_ids: tuple[int, ...], message: str
) -> None:
    """Open a manual incident titled TITLE; prints its id."""
    if not title.strip() or len(title) > 200:
        raise click.ClickException("TITLE must have 1 to 200 characters")
    state = get_state()
    now = utcnow()
    with _reported(), state.engine.begin() as connection:
        incident_id = create_incident(
            connection,
            title=title.strip(),
            status=status,
            impact=impact,
            route_ids=sorted(set(route_ids)),
            message=message,
            started_at=now,
            now=now,
        )
    click.echo(f"opened incident {incident_id}")


@incident_cli.command("resolve")
@click.argument("incident_id", type=int)
@click.option("--message", default="", help="Text of the closing status update.")
def resolve_incident_command(incident_id: int, message: str) -> None:
    """Resolve incident INCIDENT_ID with a closing status update."""
    state = get_state()
    with _reported(), state.engine.begin() as connection:
        record_status(connection, incident_id, status="resolved", message=message, now=utcnow())
    click.echo(f"resolved incident {incident_id}")


@server_status_cli.command("flush")
def flush_command() -> None:
    """Run a flush now in this process: register the app's routes, resolve quiet
    automatic incidents and prune old buckets.

    Request counts live in the memory of each server process and are written by
    that process's own flush thread; this command cannot reach them.
    """
    state = get_state()
    with _reported():
        # Reach the database first, so an outage is one clear line (the flush
        # itself keeps what it could not write and only logs).
        with state.engine.connect():
            pass
        if not state.flush():
            raise click.ClickException(
                f"the flush could not write to the status database ({_database(state)}); "
                "see the log above"
            )
    click.echo("flushed")
