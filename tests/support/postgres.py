"""A real PostgreSQL for the tests, found or started, and a fresh schema per test.

Where the server comes from, in order (:func:`find_or_start`):

1. ``TEST_POSTGRES_URL``, when set: that server, and nothing else is tried.
2. The conventional local address, ``postgres@127.0.0.1:5432`` with trust
   auth (database ``test``, else ``postgres``), when it answers.
3. A throwaway cluster from the PostgreSQL server binaries on this machine
   (``initdb`` on PATH or under ``/usr/lib/postgresql/*/bin``): initialised in
   a temporary folder, served on a free loopback port, stopped and removed at
   the end of the session. initdb refuses to run as root, so as root the
   cluster belongs to the ``postgres`` system user (or ``nobody``).

Only when none of these works do the PostgreSQL tests skip, with the reason.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support.fake_service import free_port
from tests.support.subprocesses import stop

CONVENTIONAL_URLS = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)
START_TIMEOUT_S = 30.0


def normalise(raw: str) -> str:
    """A PostgreSQL URL with the psycopg 3 driver, whatever scheme it was written with."""
    url = make_url(raw.strip())
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def answers(url: str) -> bool:
    """True when ``SELECT 1`` succeeds at ``url`` within a few seconds."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def wait_until_answers(process: subprocess.Popen[bytes], url: str, timeout: float) -> bool:
    """True once the server ``process`` started answers at ``url``; False when it
    exits or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if answers(url):
            return True
        time.sleep(0.2)
    return False


def find_initdb() -> Path | None:
    """The newest ``initdb`` on this machine, or None."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path)
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return installed[-1] if installed else None


class Throwaway(Protocol):
    """A database server the session started: its folder, removed by :meth:`stop`."""

    folder: Path

    def stop(self) -> None: ...


@dataclass
class Provided:
    """The database server the session uses: a base URL, or the reason there is none."""

    url: str | None
    how: str
    cluster: Throwaway | None = None

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


class ThrowawayCluster:
    """A PostgreSQL cluster of this test session alone, in a temporary folder."""

    def __init__(self, initdb: Path) -> None:
        self.bin = initdb.parent
        self.folder = Path(tempfile.mkdtemp(prefix="pg-tests-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._user = _cluster_user()
        self._process: subprocess.Popen[bytes] | None = None
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """initdb, then start the server and wait until it answers; raises RuntimeError."""
        self._run([self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                   "--no-sync", "-E", "UTF8"])  # fmt: skip
        log = (self.folder / "server.log").open("wb")
        settings = [
            "-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
            "-c", f"unix_socket_directories={self.folder}", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), *settings],
            stdout=log,
            stderr=subprocess.STDOUT,
            **self._as_user(),
        )
        if not wait_until_answers(self._process, self.url, START_TIMEOUT_S):
            self.stop()
            raise RuntimeError("the throwaway PostgreSQL cluster did not start")

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then remove the folder."""
        if self._process is not None:
            stop(self._process, signal.SIGINT, timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, command: list[Path | str]) -> None:
        result = subprocess.run(
            [str(part) for part in command], capture_output=True, check=False, **self._as_user()
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{Path(str(command[0])).name} failed: {result.stderr.decode(errors='replace')}"
            )

    def _as_user(self) -> dict[str, object]:
        if self._user is None:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}


def _cluster_user() -> pwd.struct_passwd | None:
    """Who owns the cluster: None (this user) unless running as root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists")


def find_or_start() -> Provided:
    """The session's PostgreSQL, in the order described in the module docstring."""
    raw = os.environ.get("TEST_POSTGRES_URL", "").strip()
    if raw:
        url = normalise(raw)
        return Provided(url, f"TEST_POSTGRES_URL ({make_url(url).render_as_string()})")
    for url in CONVENTIONAL_URLS:
        if answers(url):
            return Provided(url, f"the server at {make_url(url).render_as_string()}")
    initdb = find_initdb()
    if initdb is None:
        return Provided(
            None,
            "no PostgreSQL answers at 127.0.0.1:5432, no server binaries (initdb) are "
            "installed, and TEST_POSTGRES_URL is not set",
        )
    cluster = ThrowawayCluster(initdb)
    try:
        cluster.start()
    except (RuntimeError, OSError) as error:
        cluster.stop()
        return Provided(None, f"a throwaway cluster from {initdb.parent} did not start: {error}")
    return Provided(cluster.url, f"a throwaway cluster from {initdb.parent}", cluster)


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
