"""The spool: unconfirmed flush batches kept on local disk until the database has them.

A process writes its unconfirmed batches (:class:`~.batches.Batch`, with
their ids) to ``<dir>/<instance id>.json`` *before* it sends them to the
database, and removes the file once the database confirmed them. If the
process dies in between (killed, out of memory, a crash right after
``COMMIT``), the file is left behind; the next process of the same app on the
same database (a restarted or replacement worker) replays it, and the flush
ledger skips whichever batches had been committed already. So a crash neither
loses nor doubles counts.

Each process holds an exclusive ``flock`` on ``<instance id>.lock`` for as
long as it lives; the kernel releases it when the process dies, which is how
a replaying process tells a dead owner's spool from a live one's. The
directory is per database (a hash of its URL), so a spool is never replayed
into another database. POSIX only (``fcntl``); elsewhere the spool is off and
a crash loses the counts of the last flush interval, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from .batches import Batch

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def spool_directory(root: str, database_url: str) -> Path:
    """The spool folder of one database under ``root``."""
    digest = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:16]
    return Path(root) / digest


class Spool:
    """The spool file of one process, and the orphaned files of dead ones."""

    def __init__(self, directory: Path, instance_id: str) -> None:
        self.directory = directory
        self.path = directory / f"{instance_id}.json"
        self._lock_fd: int | None = None

    @staticmethod
    def available() -> bool:
        return fcntl is not None

    def save(self, batches: Sequence[Batch]) -> None:
        """Replace this process's spool file with ``batches`` (atomically); raises OSError."""
        if self._lock_fd is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock_fd = _locked(self.path.with_suffix(".lock"), blocking=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps([batch.to_json() for batch in batches]), "utf-8")
        os.replace(temporary, self.path)

    def clear(self) -> None:
        """The database has every batch: forget them."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's lock descriptor (the parent keeps its lock)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    @contextlib.contextmanager
    def orphans(self) -> Iterator[list[tuple[Path, list[Batch]]]]:
        """Spool files of dead processes with their batches, locked while the block runs.

        Unreadable files are skipped (and left for a human to look at).
        Remove a file with :meth:`remove_orphan` once its batches are applied.
        """
        found: list[tuple[Path, list[Batch]]] = []
        held: list[int] = []
        try:
            for path in sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []:
                if path == self.path:
                    continue
                descriptor = _locked(path.with_suffix(".lock"), blocking=False)
                if descriptor is None:
                    continue  # its process is alive
                held.append(descriptor)
                try:
                    batches = [
                        Batch.from_json(item) for item in json.loads(path.read_text("utf-8"))
                    ]
                except FileNotFoundError:
                    continue  # replayed by another process just now
                except (OSError, ValueError, KeyError, TypeError):
                    continue
                found.append((path, batches))
            yield found
        finally:
            for descriptor in held:
                os.close(descriptor)

    @staticmethod
    def remove_orphan(path: Path) -> None:
        for leftover in (path, path.with_suffix(".lock")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _locked(path: Path, *, blocking: bool) -> int | None:
    """An open descriptor of ``path`` holding an exclusive flock (None if taken)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor
