"""A real MariaDB (or MySQL) for the tests, found or started, and a fresh database per test.

Where the server comes from, in order (:func:`find_or_start`):

1. ``TEST_MARIADB_URL``, when set: that server, and nothing else is tried.
2. The conventional local address, ``root@127.0.0.1:3306`` without a
   password, when it answers.
3. A throwaway server from the MariaDB server binaries on this machine
   (Debian's ``mariadb-server``: ``mariadb-install-db`` and ``mariadbd``):
   initialised in a temporary folder, served on a free loopback port,
   stopped and removed at the end of the session. As root the server runs as
   the ``mysql`` system user (mariadbd refuses to run as root).

Only when none of these works do the MariaDB tests skip, with the reason.
Each test gets a database of its own (MySQL's schemas are databases), which
is dropped at teardown.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support.fake_service import free_port
from tests.support.postgres import Provided, answers, wait_until_answers
from tests.support.subprocesses import stop

CONVENTIONAL_URLS = ("mysql+pymysql://root@127.0.0.1:3306/",)
START_TIMEOUT_S = 60.0
#: Where Debian's mariadb-server puts its binaries.
BINARY_FOLDERS = (Path("/usr/sbin"), Path("/usr/bin"), Path("/usr/local/mysql/bin"))


def normalise(raw: str) -> str:
    """A MySQL URL with the PyMySQL driver and no database, whatever it was written with."""
    url = make_url(raw.strip())
    backend = url.get_backend_name()
    return url.set(drivername=f"{backend}+pymysql", database=None).render_as_string(
        hide_password=False
    )


def find_binaries() -> tuple[Path, Path] | None:
    """``(mariadb-install-db, mariadbd)`` of this machine, or None (Debian puts the
    first in /usr/bin and the second in /usr/sbin)."""
    folders = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    folders += BINARY_FOLDERS
    install, server = (
        next((folder / name for folder in folders if (folder / name).exists()), None)
        for name in ("mariadb-install-db", "mariadbd")
    )
    return None if install is None or server is None else (install, server)


class ThrowawayServer:
    """A MariaDB server of this test session alone, in a temporary folder."""

    def __init__(self, install_db: Path, mariadbd: Path) -> None:
        self.install_db = install_db
        self.mariadbd = mariadbd
        self.folder = Path(tempfile.mkdtemp(prefix="mariadb-tests-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._user = pwd.getpwnam("mysql") if os.geteuid() == 0 else None
        self._process: subprocess.Popen[bytes] | None = None
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)

    @property
    def url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/"

    def _options(self) -> list[str]:
        # Its own temporary files in its own folder too: TMPDIR may be a folder the
        # server's user cannot write (nox points it at the session's, owned by root).
        options = ["--no-defaults", f"--datadir={self.data}", f"--tmpdir={self.folder}"]
        if self._user is not None:
            options.append(f"--user={self._user.pw_name}")
        return options

    def start(self) -> None:
        """Initialise the data folder, start the server, wait until it answers; RuntimeError."""
        # Root may log in over TCP without a password, as on the conventional server.
        result = subprocess.run(
            [
                str(self.install_db),
                *self._options(),
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"mariadb-install-db failed: {result.stderr.decode(errors='replace')[-2000:]}"
            )
        log = (self.folder / "server.log").open("wb")
        settings = [
            "--bind-address=127.0.0.1", f"--port={self.port}",
            f"--socket={self.folder / 'mariadb.sock'}", f"--pid-file={self.folder / 'pid'}",
            "--skip-name-resolve", "--skip-log-bin", "--max-connections=400",
            "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=64M",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            [str(self.mariadbd), *self._options(), *settings],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if not wait_until_answers(self._process, self.url, START_TIMEOUT_S):
            self.stop()
            raise RuntimeError("the throwaway MariaDB server did not start")

    def stop(self) -> None:
        """Shut down (SIGTERM), then remove the folder."""
        if self._process is not None:
            stop(self._process, signal.SIGTERM, timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def find_or_start() -> Provided:
    """The session's MariaDB, in the order described in the module docstring."""
    raw = os.environ.get("TEST_MARIADB_URL", "").strip()
    if raw:
        url = normalise(raw)
        return Provided(url, f"TEST_MARIADB_URL ({make_url(url).render_as_string()})")
    for url in CONVENTIONAL_URLS:
        if answers(url):
            return Provided(url, f"the server at {url}")
    binaries = find_binaries()
    if binaries is None:
        return Provided(
            None,
            "no MariaDB answers at 127.0.0.1:3306, no server binaries (mariadbd, "
            "mariadb-install-db) are installed, and TEST_MARIADB_URL is not set",
        )
    server = ThrowawayServer(*binaries)
    try:
        server.start()
    except (RuntimeError, OSError, KeyError) as error:
        server.stop()
        return Provided(None, f"a throwaway server from {binaries[1]} did not start: {error}")
    return Provided(server.url, f"a throwaway server from {binaries[1]}", server)


class MariaDBDatabase:
    """Create a uniquely named database; :attr:`url` connects to it.

    Every connection made through :attr:`url` (in this process, in gunicorn
    workers, in Alembic) sees only this database, so tests can run side by
    side against one server without seeing each other's tables.
    """

    def __init__(self, base_url: str) -> None:
        self.name = f"t_{uuid.uuid4().hex[:16]}"
        self._admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4"))
        self.url = make_url(base_url).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{self.name}`"))
        self._admin.dispose()
