"""Logger levels set through ``/loggers`` reach every worker process of the instance.

A POST is received by one worker; the others learn of it from a small JSON
file ``{"generation": n, "levels": {name: level or null}}`` shared by the
workers of one server (see docs/decisions/0011). Each worker looks at the
file's identity (inode and modification time, one ``os.stat``) once a second
from one daemon thread per process (:func:`watch`), and on every ``/loggers``
request, and applies the levels when the generation moved on. A worker
started later (gunicorn replacing one) applies them on its first request.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path

import psutil

from flask_management_endpoints.loggers import apply_levels

#: Seconds between two looks at the file from the polling thread.
POLL_INTERVAL = 1.0
logger = logging.getLogger(__name__)


def default_path(app_name: str, directory: str | None) -> Path:
    """The file of this server: keyed by the parent process (gunicorn's master) and its start.

    Every worker of one gunicorn (or uWSGI) master shares the parent; a new
    master (a restart) starts with no runtime levels.
    """
    parent = os.getppid()
    try:
        started = int(psutil.Process(parent).create_time())
    except psutil.Error:
        started = 0
    safe_name = re.sub(r"[^A-Za-z0-9_.-]", "_", app_name)
    folder = Path(directory or tempfile.gettempdir())
    return folder / f"flask-management-endpoints-{safe_name}-{parent}-{started}-loggers.json"


class LoggerLevelSync:
    """The shared levels file of one app in one server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Apply the file's levels now if another process changed them."""
        identity = self._identity()
        if identity is None or identity == self._seen:
            return
        with self._lock:
            generation, levels = self._read()
            if generation > self._generation:
                apply_levels(levels)
                self._generation = generation
            self._seen = identity

    def publish(self, name: str, level: str | None) -> None:
        """Set ``name`` to ``level`` here and in the file, under an exclusive lock."""
        with self._lock, self._file_lock():
            generation, levels = self._read()
            levels[name] = level
            generation += 1
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            temporary.write_text(json.dumps({"generation": generation, "levels": levels}))
            os.replace(temporary, self.path)
            apply_levels(levels)
            self._generation, self._seen = generation, self._identity()

    def _identity(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _read(self) -> tuple[int, dict[str, str | None]]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return 0, {}
        except (OSError, ValueError):
            logger.warning("cannot read the logger levels file %s", self.path, exc_info=True)
            return 0, {}
        levels = document.get("levels") if isinstance(document, Mapping) else None
        generation = document.get("generation") if isinstance(document, Mapping) else None
        if not isinstance(levels, dict) or not isinstance(generation, int):
            return 0, {}
        return generation, levels

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        # Two workers posting at once must not lose one change.
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


# One polling thread per process follows every watched file. A forked child
# has no thread and watches nothing (each app's state drops its file at fork,
# as the child's server is another one); watch() starts the child's own.
_watched: weakref.WeakSet[LoggerLevelSync] = weakref.WeakSet()
_poller: threading.Thread | None = None
_watch_lock = threading.Lock()


def watch(sync: LoggerLevelSync) -> None:
    """Refresh ``sync`` every :data:`POLL_INTERVAL` seconds for as long as it is referenced.

    The thread is a daemon, started on the first call in each process: the
    app's own requests never look at the file.
    """
    global _poller
    with _watch_lock:
        _watched.add(sync)
        if _poller is None:
            _poller = threading.Thread(
                target=_poll_forever, name="flask-management-endpoints-loggers", daemon=True
            )
            _poller.start()


def _poll_forever() -> None:
    while True:
        time.sleep(POLL_INTERVAL)
        for sync in list(_watched):
            try:
                sync.refresh()
            except Exception:  # the thread must outlive one bad look; the next may succeed
                logger.exception("cannot apply the logger levels file %s", sync.path)


def _forget_in_child() -> None:
    global _poller, _watch_lock
    _watch_lock = threading.Lock()
    _watched.clear()
    _poller = None


os.register_at_fork(after_in_child=_forget_in_child)
