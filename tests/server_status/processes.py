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
import os, sys, time
go = sys.argv[1]
deadline = time.monotonic() + 30
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.002)
"""


def run_together(code: str, count: int, workdir: Path, *, timeout: float = 60.0) -> list[str]:
    """Start ``count`` processes running ``code``, release them together, return stdouts.

    Each process prepares (imports) first, then waits for a file to appear so
    they all run ``code`` within a few milliseconds of each other. Raises
    AssertionError with the stderr of any process that fails.
    """
    go = workdir / f"go-{time.monotonic_ns()}"
    script = WAIT_FOR_GO + textwrap.dedent(code)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(go)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    time.sleep(1.0)  # let every process finish its imports
    go.touch()
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=timeout)
        assert child.returncode == 0, err
        outputs.append(out)
    return outputs
