"""The flush ledger: which flush batches the database has applied.

:func:`claim` inserts the ids of a transaction's batches into
``server_status_flushes`` *in that transaction* and answers the ids that were
new. A batch whose id is already there was committed before (its
acknowledgement was lost, or it was replayed from a crashed process's spool)
and its counts must not be added again. The primary key decides even between
two processes claiming the same id at once: on PostgreSQL the second insert
waits for the first transaction and then finds the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from .models import flushes, insert_if_new

#: How long applied batch ids are kept. A batch can only be retried while its
#: process holds it or its spool file waits for a restart; spooled batches
#: older than :data:`REPLAY_LIMIT` are not replayed, so a pruned id can never
#: be applied twice.
FLUSH_LEDGER_RETENTION = timedelta(days=3)
REPLAY_LIMIT = FLUSH_LEDGER_RETENTION - timedelta(hours=1)


def claim(connection: sa.Connection, batch_ids: Sequence[str], now: datetime) -> set[str]:
    """Record ``batch_ids`` as applied by this transaction; returns those not applied before."""
    # One statement per batch, as MySQL tells only of one row whether it was new.
    # A flush carries one batch (more only after failed flushes).
    return {
        batch_id
        for batch_id in sorted(batch_ids)
        if insert_if_new(
            connection, flushes, ["batch_id"], {"batch_id": batch_id, "applied_at": now}
        )
        is not None
    }


def prune_ledger(connection: sa.Connection, now: datetime) -> int:
    """Forget batch ids older than :data:`FLUSH_LEDGER_RETENTION`; returns rows deleted."""
    cutoff = now - FLUSH_LEDGER_RETENTION
    return connection.execute(sa.delete(flushes).where(flushes.c.applied_at < cutoff)).rowcount
