"""The ``diskSpace`` indicator: enough free space on the disk holding a path."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from flask_management_endpoints.health.health import Health

#: Spring Boot's default: 10 MiB.
DEFAULT_THRESHOLD_BYTES = 10 * 1024 * 1024


def disk_space(
    path: str | os.PathLike[str] = ".",
    threshold_bytes: int = DEFAULT_THRESHOLD_BYTES,
) -> Callable[[], Health]:
    """A check that is UP while the disk holding ``path`` has ``threshold_bytes`` free.

    ``free`` is the space available to this (unprivileged) process. Details,
    as Spring Boot shows them: ``total``, ``free``, ``threshold`` (bytes),
    ``path`` (absolute) and ``exists``. A missing path is DOWN with
    ``exists: false``. A relative ``path`` is resolved when the check runs.
    Raises ``ValueError`` for a negative threshold.
    """
    if isinstance(threshold_bytes, bool) or not isinstance(threshold_bytes, int):
        raise ValueError(f"threshold_bytes must be an integer, not {threshold_bytes!r}")
    if threshold_bytes < 0:
        raise ValueError(f"threshold_bytes must not be negative: {threshold_bytes}")

    def check() -> Health:
        target = Path(path).absolute()
        if not target.exists():
            return Health.down(
                total=0, free=0, threshold=threshold_bytes, path=str(target), exists=False
            )
        usage = shutil.disk_usage(target)
        details = {
            "total": usage.total,
            "free": usage.free,
            "threshold": threshold_bytes,
            "path": str(target),
            "exists": True,
        }
        return Health.up(**details) if usage.free >= threshold_bytes else Health.down(**details)

    return check
