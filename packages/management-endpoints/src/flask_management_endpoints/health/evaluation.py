"""Concurrent evaluation of a contributor tree.

Every check that is not ``in_process`` runs on a bounded thread pool under
its own timeout, and the whole evaluation under an overall deadline. Each
check's last result is kept for a success or a failure TTL, and requests
that arrive while a check runs wait for that same run (single flight), so a
burst of probes runs each check once. A check that hangs keeps at most one
pool thread busy: later evaluations join its run and time out at once.

How long an evaluation may wait is its :class:`Wait`: for a fresh result
(the default), only for a first result (the probes: the last result serves
while a newer one is on its way), or not at all (a request that would
otherwise hold a server thread the probes need).
"""

from __future__ import annotations

import contextvars
import enum
import logging
import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import NamedTuple

from flask_management_endpoints.health.contributors import Check, Composite, Contributor
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.health.status import Status, StatusAggregator
from flask_management_endpoints.info.masking import mask_value

logger = logging.getLogger(__name__)


# Named tuples rather than dataclasses: they are built on every probe.
class Outcome(NamedTuple):
    """The evaluated result of one check: its health, run time and end time."""

    health: Health
    elapsed: float
    finished_at: float

    @property
    def status(self) -> Status:
        return self.health.status


class CompositeOutcome(NamedTuple):
    """The aggregated status of a composite and its members' results, by name."""

    status: Status
    components: dict[str, Node]


Node = Outcome | CompositeOutcome


@dataclass(frozen=True)
class EvaluationSettings:
    max_workers: int = 16
    timeout: float = 2.0
    deadline: float = 2.0
    success_ttl: float = 1.0
    failure_ttl: float = 1.0


class Wait(enum.Enum):
    """How long an evaluation waits for a check that is running."""

    #: For a result younger than its TTL, up to the deadline.
    FRESH = "fresh"
    #: The last result serves while a newer one is on its way; wait only for a first one.
    LAST = "last"
    #: Never: the last result, or UNKNOWN while the first run is on its way.
    NEVER = "never"


# A check once started: its (cached) outcome, or its run, when that began,
# and the result before it (None for a first run).
_Started = Outcome | tuple[Future[Outcome], float, Outcome | None]


class _Slot:
    """The cached result and the run in flight of one check."""

    __slots__ = ("expires", "future", "lock", "outcome", "started")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcome: Outcome | None = None
        self.expires = 0.0
        self.future: Future[Outcome] | None = None
        self.started = 0.0


class Evaluator:
    """Evaluates contributor trees; one per application, safe across threads.

    After a fork the child must call :meth:`after_fork` (the app's at-fork
    hook does).
    """

    def __init__(
        self,
        settings: EvaluationSettings,
        aggregator: StatusAggregator,
        log: logging.Logger = logger,
    ) -> None:
        self.settings = settings
        self.aggregator = aggregator
        # Where status changes are told: the app's own logger, so they come out
        # with the app's handlers and format.
        self.log = log
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._slots: dict[Check, _Slot] = {}

    def evaluate(
        self,
        contributor: Contributor,
        *,
        skip_remote: Health | None = None,
        deadline: float | None = None,
        wait: Wait = Wait.FRESH,
    ) -> Node:
        """Evaluate ``contributor`` within ``deadline`` seconds (default: the configured one).

        Remote checks answer ``skip_remote`` instead of running, when given.
        ``wait`` says whether a check still running is waited for (see :class:`Wait`);
        a run is started (or joined) whenever the cached result is too old.
        """
        started_at = time.monotonic()
        running: dict[Check, _Started] = {}
        self._start(contributor, running, skip_remote)
        seconds = self.settings.deadline if deadline is None else deadline
        if wait is Wait.NEVER:
            seconds = 0.0
        return self._collect(contributor, running, started_at + seconds, skip_remote, wait)

    def evaluate_in_process(self, contributor: Contributor) -> Node:
        """Evaluate a tree of in-process checks in this thread: no pool, no cache."""
        return self._collect(contributor, {}, math.inf, None, Wait.FRESH)

    def status_in_process(self, contributor: Contributor) -> Status:
        """Only the aggregated status of a tree of in-process checks (the probes' answer)."""
        if isinstance(contributor, Composite):
            return self.aggregator.aggregate(
                [self.status_in_process(member) for member in contributor.members.values()]
            )
        return contributor.run().status

    def shutdown(self) -> None:
        """Stop accepting work; queued runs and runs in flight finish in the background."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False)

    # -- internals -------------------------------------------------------------
    def _start(
        self,
        contributor: Contributor,
        running: dict[Check, _Started],
        skip_remote: Health | None,
    ) -> None:
        if isinstance(contributor, Composite):
            for member in contributor.members.values():
                self._start(member, running, skip_remote)
        elif _pooled(contributor, skip_remote) and contributor not in running:
            running[contributor] = self._begin(contributor)

    def _collect(
        self,
        contributor: Contributor,
        running: dict[Check, _Started],
        deadline_at: float,
        skip_remote: Health | None,
        wait: Wait,
    ) -> Node:
        if isinstance(contributor, Composite):
            components = {
                name: self._collect(member, running, deadline_at, skip_remote, wait)
                for name, member in contributor.members.items()
            }
            status = self.aggregator.aggregate([node.status for node in components.values()])
            return CompositeOutcome(status, components)
        if not _pooled(contributor, skip_remote):
            if skip_remote is not None and contributor.remote:
                return Outcome(skip_remote, 0.0, time.time())
            return _run(contributor)
        state = running[contributor]
        if isinstance(state, Outcome):
            return state
        future, started, previous = state
        if wait is not Wait.FRESH and not future.done():
            if previous is not None:
                return previous
            if wait is Wait.NEVER:
                pending = Health.unknown(**contributor.details, pending="first run not finished")
                return Outcome(pending, time.monotonic() - started, time.time())
        limit = min(started + self.settings.timeout, deadline_at)
        try:
            return future.result(timeout=max(0.0, limit - time.monotonic()))
        except FutureTimeout:
            waited = time.monotonic() - started
            error = timeout_message(min(waited, self.settings.timeout))
            return Outcome(Health.down(**contributor.details, error=error), waited, time.time())

    def _begin(self, check: Check) -> _Started:
        slot = self._slot(check)
        with slot.lock:
            now = time.monotonic()
            if slot.outcome is not None and now < slot.expires:
                return slot.outcome
            if slot.future is None:
                context = contextvars.copy_context()
                try:
                    slot.future = self._executor().submit(context.run, self._run_into, check, slot)
                except RuntimeError as error:  # the pool was shut down by a reconfiguration
                    return Outcome(Health.from_exception(error), 0.0, time.time())
                slot.started = now
            return slot.future, slot.started, slot.outcome

    def _run_into(self, check: Check, slot: _Slot) -> Outcome:
        outcome = _run(check)
        ttl = (
            self.settings.success_ttl if outcome.status == Status.UP else self.settings.failure_ttl
        )
        with slot.lock:
            _log_change(self.log, check, slot.outcome, outcome)
            slot.outcome = outcome
            slot.expires = time.monotonic() + ttl
            slot.future = None
        return outcome

    def after_fork(self) -> None:
        """In a forked child: the parent's pool and runs in flight have no threads here."""
        self._lock = threading.Lock()
        self._pool = None
        self._slots = {}

    def _slot(self, check: Check) -> _Slot:
        slot = self._slots.get(check)
        if slot is None:
            with self._lock:
                slot = self._slots.setdefault(check, _Slot())
        return slot

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        max_workers=self.settings.max_workers, thread_name_prefix="health-check"
                    )
        return self._pool


def _log_change(log: logging.Logger, check: Check, before: Outcome | None, after: Outcome) -> None:
    """Log a check's status when it changes: one line per change per process, not per probe."""
    if before is None and after.status == Status.UP:
        return
    if before is not None and before.status == after.status:
        return
    level = logging.INFO if after.status == Status.UP else logging.WARNING
    error = after.health.details.get("error")
    log.log(
        level,
        "health check %r is %s%s%s",
        check.name,
        after.status,
        f" (was {before.status})" if before is not None else "",
        f": {mask_value(str(error))}" if error else "",
    )


def timeout_message(seconds: float) -> str:
    """``timeout after 2.0s``: the error of a check that did not answer in time."""
    return f"timeout after {seconds:.1f}s"


def _pooled(check: Check, skip_remote: Health | None) -> bool:
    return not check.in_process and not (check.remote and skip_remote is not None)


def _run(check: Check) -> Outcome:
    started = time.monotonic()
    health = check.run()
    return Outcome(health, time.monotonic() - started, time.time())
