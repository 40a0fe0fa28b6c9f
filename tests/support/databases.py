"""The databases the storage tests run on, and the fixture giving each one's URL."""

from __future__ import annotations

from sqlalchemy.engine import make_url

#: The URL fixture (see tests/conftest.py) of each database, by the name tests use.
DATABASE_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_url", "mariadb": "mariadb_url"}

#: The product name the db health indicator shows, by the URL's SQLAlchemy backend
#: (the MariaDB tests connect with ``mysql+pymysql://``, so MySQL's).
PRODUCT_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL"}


def product_name(url: str) -> str:
    """The product name the db health indicator shows for a database at ``url``."""
    return PRODUCT_NAMES[make_url(url).get_backend_name()]
