"""A fresh PostgreSQL schema per test, selected through ``search_path``."""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def postgres_base_url() -> str | None:
    """``TEST_POSTGRES_URL`` normalised to the psycopg 3 driver, or None."""
    raw = os.environ.get("TEST_POSTGRES_URL", "").strip()
    if not raw:
        return None
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


class PostgresSchema:
    """Create a uniquely named schema; :attr:`url` connects with it as ``search_path``.

    Every connection made through :attr:`url` (in this process, in gunicorn
    workers, in Alembic) sees only this schema, so tests can run side by side
    against one database without seeing each other's tables.
    """

    def __init__(self, base_url: str) -> None:
        self.name = f"t_{uuid.uuid4().hex[:16]}"
        self._admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.name}"'))
        base = make_url(base_url)
        query = dict(base.query)
        query["options"] = f"-csearch_path={self.name}"
        self.url = base.set(query=query).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self._admin.dispose()
