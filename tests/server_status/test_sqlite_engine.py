"""Several processes opening one new SQLite file at once (gunicorn workers at boot)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import sqlalchemy as sa

from flask_server_status.engine import create_engine

ROUNDS = 12
PROCESSES = 4


def open_and_write(url: str, start_at: float) -> str | None:
    while time.time() < start_at:  # line the processes up on the same instant
        time.sleep(0.001)
    try:
        engine = create_engine(url, key="SERVER_STATUS_DATABASE_URI")
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x integer)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        engine.dispose()
    except Exception as error:
        return repr(error)
    return None


def test_workers_opening_a_new_file_together_never_see_database_is_locked(tmp_path: Path) -> None:
    # Without a retry, switching a new file to WAL fails at once ("database is
    # locked") in roughly one round in ten while sibling processes hold a lock.
    context = multiprocessing.get_context("fork")
    with context.Pool(PROCESSES) as pool:
        for round_ in range(ROUNDS):
            url = f"sqlite:///{tmp_path / f'round{round_}.db'}"
            start_at = time.time() + 0.2
            errors = pool.starmap(open_and_write, [(url, start_at)] * PROCESSES)
            assert errors == [None] * PROCESSES, f"round {round_}: {errors}"
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                assert conn.execute(sa.text("PRAGMA journal_mode")).scalar_one() == "wal"
                assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar_one() == PROCESSES
            engine.dispose()
