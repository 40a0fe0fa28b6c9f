"""Node.js programs from npm that tests measure against or read with.

A reference is a folder with a ``package.json``, its ``package-lock.json`` and
a script; its packages are installed there with ``npm ci`` on first use. Where
Node.js is missing the test skips with a reason, and fails in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def run_node(
    reference: Path, package: str, script: str, *args: str, stdin: str | None = None
) -> str:
    """Run ``script`` of ``reference`` under Node.js with ``args``; its standard output.

    ``package`` is the npm package the script needs, installed first when missing.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            pytest.fail(f"Node.js and npm are needed in CI for {package}")
        pytest.skip(f"Node.js is not installed; {package} needs it")
    if not (reference / "node_modules" / package).is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=reference, check=True, timeout=300
        )
    # A proxy set for the outside world must not carry requests to loopback.
    env = os.environ | {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    finished = subprocess.run(
        [node, script, *args],
        cwd=reference,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout
