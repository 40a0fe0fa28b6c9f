"""The ``os``, ``python`` and ``process`` info contributors."""

from __future__ import annotations

import os
import platform
import sys
import time
from datetime import UTC, datetime
from typing import Any

import psutil


def os_info() -> dict[str, Any]:
    """The operating system: ``name``, ``version``, ``arch`` and ``description``."""
    return {
        "name": platform.system(),
        "version": platform.release(),
        "arch": platform.machine(),
        "description": platform.platform(),
    }


def python_info() -> dict[str, Any]:
    """The Python runtime: version, implementation, compiler, build and executable."""
    build_number, build_date = platform.python_build()
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "compiler": platform.python_compiler(),
        "build": f"{build_number}, {build_date}",
        "executable": sys.executable,
    }


def process_info() -> dict[str, Any]:
    """This process, read through psutil.

    ``pid``, ``parentPid``, ``owner``, ``cpus`` (usable by this process),
    ``startTime`` (ISO 8601, UTC), ``uptimeSeconds``, ``threads`` and
    ``memory`` (``rss`` and ``vms`` in bytes).
    """
    process = psutil.Process()
    with process.oneshot():
        started = process.create_time()
        memory = process.memory_info()
        info: dict[str, Any] = {
            "pid": process.pid,
            "parentPid": process.ppid(),
            "owner": _owner(process),
            "cpus": _usable_cpus(),
            "startTime": datetime.fromtimestamp(started, UTC).isoformat(),
            "uptimeSeconds": round(max(0.0, time.time() - started), 3),
            "threads": process.num_threads(),
            "memory": {"rss": memory.rss, "vms": memory.vms},
        }
    return info


def _owner(process: psutil.Process) -> str | None:
    try:
        owner: str = process.username()
    except (psutil.Error, KeyError):
        return None  # a uid without a passwd entry, common in containers
    return owner


def _usable_cpus() -> int | None:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()
