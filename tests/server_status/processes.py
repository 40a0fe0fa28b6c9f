"""Running the same Python snippet in several real processes at the same moment."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

WAIT_FOR_GO = """
import os as _os, sys as _sys, time as _time
_ready, _go = _sys.argv[1], _sys.argv[2]
open(_ready, "a").close()
_deadline = _time.monotonic() + 30
while not _os.path.exists(_go) and _time.monotonic() < _deadline:
    _time.sleep(0.002)
"""


def run_together(
    code: str, count: int, workdir: Path, *, prepare: str = "", timeout: float = 60.0
) -> list[str]:
    """Start ``count`` processes, release them together into ``code``, return stdouts.

    Each process runs ``prepare`` (imports, app setup), then waits for a file
    to appear, so they all run ``code`` within milliseconds of each other.
    Raises AssertionError with the stderr of any process that fails.
    """
    stamp = time.monotonic_ns()
    go = workdir / f"go-{stamp}"
    script = textwrap.dedent(prepare) + WAIT_FOR_GO + textwrap.dedent(code)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(workdir / f"ready-{stamp}-{n}"), str(go)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    deadline = time.monotonic() + timeout
    while len(list(workdir.glob(f"ready-{stamp}-*"))) < count and time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            break
        time.sleep(0.01)
    go.touch()
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=timeout)
        assert child.returncode == 0, err
        outputs.append(out)
    return outputs
