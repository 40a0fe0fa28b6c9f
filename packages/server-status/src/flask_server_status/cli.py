"""``flask server-status db upgrade|downgrade|current|check``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from . import migrate
from .state import get_state


def _engine() -> sa.Engine:
    state = get_state()
    state.disable_auto_migrate()
    return state.engine


server_status_cli = AppGroup("server-status", help="flask-server-status commands.")


@server_status_cli.group("db")
def db_cli() -> None:
    """Manage the flask-server-status tables (its own Alembic history)."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Upgrade the status tables to REVISION (default: head)."""
    migrate.upgrade(_engine(), revision)
    click.echo(f"server-status schema at {migrate.current(_engine()) or 'none'}")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade_command(revision: str) -> None:
    """Downgrade the status tables to REVISION (default: one step; 'base' drops them)."""
    migrate.downgrade(_engine(), revision)
    click.echo(f"server-status schema at {migrate.current(_engine()) or 'none'}")


@db_cli.command("current")
def current_command() -> None:
    """Print the revision the status tables are at ('none' before the first upgrade)."""
    click.echo(migrate.current(_engine()) or "none")


@db_cli.command("check")
def check_command() -> None:
    """Exit 1 unless the status tables are at head and match the models."""
    engine = _engine()
    revision = migrate.current(engine)
    if revision not in migrate.heads():
        raise click.ClickException(
            f"server-status schema at {revision or 'none'}, head is "
            f"{', '.join(migrate.heads())}: run `flask server-status db upgrade`"
        )
    differences = migrate.schema_differences(engine)
    if differences:
        raise click.ClickException(f"server-status schema differs from the models: {differences}")
    click.echo(f"server-status schema is up to date ({revision})")
