"""The answers everyone reads, built once per process while they are fresh.

During an outage every reader polls the summary at once; building it reads
the whole history. :class:`SharedAnswers` keeps each built answer (the web
layer keeps its bytes, gzip and tags: :class:`~.web.conditional.Prepared`)
for ``SERVER_STATUS_PAGE_CACHE_SECONDS`` and builds it with one builder at a
time (single flight): readers arriving during a build wait for it and get
its result, so the database sees one build per key and period whatever the
number of readers. This process's own flushes and admin writes
(:meth:`invalidate`, wired in :mod:`.state` and :mod:`.web.admin`) make the
next reader build afresh; another process's writes are seen within the
period. A period of ``0`` builds every answer for its reader.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class _Entry:
    answer: Any
    built_at: float
    epoch: int


class SharedAnswers:
    """Answers by key (``("summary", days)``), each built at most once per ``max_age`` seconds."""

    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self.reset_after_fork()

    def reset_after_fork(self) -> None:
        """Fresh locks and no entries (a forked child must not inherit a held lock)."""
        self._entries: dict[Hashable, _Entry] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self._epoch = 0
        #: Answers built so far (for tests and the stampede benchmark).
        self.builds = 0

    def invalidate(self) -> None:
        """Forget every answer: the data changed (a flush or an admin write here)."""
        with self._guard:
            self._epoch += 1
            self._entries.clear()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The fresh answer of ``key``, built by ``build`` when there is none.

        ``build`` raising (the database is down) keeps nothing: the next
        reader tries again.
        """
        if self.max_age <= 0:
            return self._built(build)
        found = self._fresh(key)
        if found is not None:
            return found.answer  # type: ignore[no-any-return]
        with self._lock_of(key):
            found = self._fresh(key)  # built by the reader this one waited for
            if found is not None:
                return found.answer  # type: ignore[no-any-return]
            epoch = self._epoch
            answer = self._built(build)
            with self._guard:
                # Invalidated while building: the answer may predate the change.
                if epoch == self._epoch:
                    self._entries[key] = _Entry(answer, self._clock(), epoch)
            return answer

    def _built(self, build: Callable[[], T]) -> T:
        answer = build()
        self.builds += 1
        return answer

    def _fresh(self, key: Hashable) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.epoch != self._epoch:
            return None
        if self._clock() - entry.built_at >= self.max_age:
            return None
        return entry

    def _lock_of(self, key: Hashable) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())
