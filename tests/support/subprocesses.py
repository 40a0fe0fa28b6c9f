"""Stopping a process a test started: a signal, a bounded wait, then a kill."""

from __future__ import annotations

import subprocess


def stop(
    process: subprocess.Popen[bytes] | subprocess.Popen[str], sig: int, timeout: float
) -> None:
    """Send ``sig`` unless ``process`` has exited; kill it if it outlives ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
