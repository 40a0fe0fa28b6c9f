"""Heartbeats: every process says it is alive with each flush, even an empty one.

Each process is an *instance* (:class:`Instance`: a random id, host, pid,
package version, first seen). Every flush upserts its row in
``server_status_instances`` (``last_seen``) and ORs the minutes it was
running into ``server_status_coverage``, so the reports can tell "no
traffic" (instances reporting, no requests) from "no data" (no instance
reporting at all: the app was down, or never started).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import metadata

import sqlalchemy as sa

from .bounds import fit
from .clock import minute_start
from .models import coverage, instances, upsert

#: Instances not seen for this long are forgotten.
INSTANCE_RETENTION = timedelta(days=7)


def package_version() -> str:
    try:
        return metadata.version("flask-server-status")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "unknown"


@dataclass(frozen=True)
class Instance:
    """One process that records traffic."""

    id: str
    host: str
    pid: int
    version: str
    first_seen: datetime

    @classmethod
    def current(cls, first_seen: datetime) -> Instance:
        """This process, first seen at ``first_seen``."""
        return cls(
            str(uuid.uuid4()), socket.gethostname(), os.getpid(), package_version(), first_seen
        )


def hour_masks(minutes: Iterable[int]) -> dict[datetime, int]:
    """Minute numbers (``unix_time // 60``) as per-hour bit masks (bit m = minute m)."""
    masks: dict[datetime, int] = {}
    for minute in minutes:
        start = minute_start(minute - minute % 60)
        masks[start] = masks.get(start, 0) | (1 << (minute % 60))
    return masks


def touch_instance(connection: sa.Connection, instance: Instance, now: datetime) -> None:
    """Mark ``instance`` seen at ``now`` (its own row: no other writer waits on it)."""
    connection.execute(
        upsert(connection, instances, ["id"], lambda _incoming: {"last_seen": now}).values(
            id=instance.id,
            host=fit(instance.host, instances.c.host),
            pid=instance.pid,
            version=fit(instance.version, instances.c.version),
            first_seen=instance.first_seen,
            last_seen=now,
        )
    )


def mark_coverage(connection: sa.Connection, minutes: Iterable[int]) -> None:
    """OR ``minutes`` into the coverage masks of their hours (rows every writer shares,
    so the flush writes them last, after its bucket rows)."""
    masks = hour_masks(minutes)
    if not masks:
        return
    statement = upsert(
        connection,
        coverage,
        ["hour_start"],
        lambda incoming: {"minutes": coverage.c.minutes.op("|")(incoming("minutes"))},
    )
    connection.execute(
        statement, [{"hour_start": hour, "minutes": mask} for hour, mask in sorted(masks.items())]
    )


def prune_instances(connection: sa.Connection, now: datetime, coverage_before: datetime) -> None:
    """Forget instances not seen for :data:`INSTANCE_RETENTION` and coverage hours
    starting before ``coverage_before``."""
    connection.execute(sa.delete(instances).where(instances.c.last_seen < now - INSTANCE_RETENTION))
    connection.execute(sa.delete(coverage).where(coverage.c.hour_start < coverage_before))
