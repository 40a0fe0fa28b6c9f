"""The ``memory`` indicator: memory in use against a threshold, via psutil.

In a container the host's memory says little: the kernel kills the process
when its cgroup exceeds its limit. So when a cgroup memory limit is set
(v2 ``memory.max`` or v1 ``memory.limit_in_bytes``), usage is measured
against that limit, as the working set Kubernetes uses (usage minus
inactive file cache); otherwise against the system's memory.

A reading costs about 150 microseconds (psutil and the cgroup files), more
than the rest of a ``/health`` answer, and the check runs on every one; so a
process reuses its reading for ``max_age`` seconds (1 by default). Memory
does not move much in a second, and a health flood then costs a third less.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from flask_management_endpoints.health.health import Health

DEFAULT_THRESHOLD_PERCENT = 90.0
DEFAULT_MAX_AGE_SECONDS = 1.0
CGROUP_ROOT = Path("/sys/fs/cgroup")


def memory(
    threshold_percent: float = DEFAULT_THRESHOLD_PERCENT,
    *,
    cgroup_root: str | os.PathLike[str] = CGROUP_ROOT,
    max_age: float = DEFAULT_MAX_AGE_SECONDS,
) -> Callable[[], Health]:
    """A check that is UP while less than ``threshold_percent`` of memory is in use.

    Details: ``total``, ``used``, ``free`` (bytes), ``percent`` (in use),
    ``threshold`` (percent), ``source`` (``"cgroup"`` or ``"system"``) and
    ``process`` (this process's ``rss``). ``cgroup_root`` is where the cgroup
    file system is mounted. A reading is reused for ``max_age`` seconds in
    the process that made it (0 reads every time). Raises ``ValueError``
    unless ``0 < threshold_percent <= 100`` and ``max_age >= 0``.
    """
    if isinstance(threshold_percent, bool) or not isinstance(threshold_percent, int | float):
        raise ValueError(f"threshold_percent must be a number, not {threshold_percent!r}")
    if not 0 < threshold_percent <= 100:
        raise ValueError(f"threshold_percent must be in (0, 100]: {threshold_percent}")
    if isinstance(max_age, bool) or not isinstance(max_age, int | float) or max_age < 0:
        raise ValueError(f"max_age must be a number of seconds >= 0, not {max_age!r}")
    root = Path(cgroup_root)
    # (monotonic time, pid, reading): a forked child never reuses its parent's.
    last: tuple[float, int, Health] | None = None

    def check() -> Health:
        nonlocal last
        now, pid = time.monotonic(), os.getpid()
        if last is not None and last[1] == pid and now - last[0] < max_age:
            return last[2]
        last = (now, pid, read())
        return last[2]

    def read() -> Health:
        system = psutil.virtual_memory()
        limited = cgroup_usage(root, system.total)
        if limited is not None:
            total, used = limited
            source = "cgroup"
        else:
            total, used = system.total, system.total - system.available
            source = "system"
        percent = round(used * 100 / total, 1) if total else 100.0
        details = {
            "total": total,
            "used": used,
            "free": max(0, total - used),
            "percent": percent,
            "threshold": threshold_percent,
            "source": source,
            "process": {"rss": psutil.Process().memory_info().rss},
        }
        return Health.up(**details) if percent < threshold_percent else Health.down(**details)

    return check


def cgroup_usage(root: Path, system_total: int) -> tuple[int, int] | None:
    """``(limit, working set)`` in bytes of this cgroup, or None without a limit.

    Reads cgroup v2 files at ``root``, else cgroup v1 files at
    ``root/memory``. A limit at or above ``system_total`` is no limit.
    """
    for limit_file, usage_file, stat_dir, inactive_key in (
        ("memory.max", "memory.current", root, "inactive_file"),
        (
            "memory/memory.limit_in_bytes",
            "memory/memory.usage_in_bytes",
            root / "memory",
            "total_inactive_file",
        ),
    ):
        limit = _read_int(root / limit_file)
        usage = _read_int(root / usage_file)
        if limit is None or usage is None:
            continue
        if limit >= system_total:
            return None
        inactive = _stat(stat_dir / "memory.stat").get(inactive_key, 0)
        return limit, max(0, usage - inactive)
    return None


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max" means no limit


def _stat(path: Path) -> dict[str, int]:
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except OSError:
        return {}
    stat: dict[str, int] = {}
    for line in lines:
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            stat[key] = int(value)
    return stat
