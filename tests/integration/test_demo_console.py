"""The demo's console: start-up lines stay visible, deliberate failures log no traceback.

The demo runs as a user starts it (``python examples/demo_app.py``), as a
subprocess on a loopback port, with every checkout failing so failures come
quickly: some from its own background traffic, some from requests over HTTP.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.fake_service import free_port
from tests.support.subprocesses import stop

REPO_ROOT = Path(__file__).resolve().parents[2]
#: A wait for start-up, not a speed claim: a loaded 2-core machine takes long.
START_SECONDS = 120
#: Deliberate failures to see: the three sent over HTTP plus at least one of its own.
FAILURES = 4


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """The running demo, its base URL and the file that collects its stdout and stderr."""
    port = free_port()
    console = tmp_path / "console.txt"
    command = [
        sys.executable,
        str(REPO_ROOT / "examples" / "demo_app.py"),
        f"--port={port}",
        "--failure-rate=1",
        f"--database=sqlite:///{tmp_path / 'demo.db'}",
    ]
    with console.open("wb") as sink:
        process = subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=tmp_path,
        )
    try:
        yield process, f"http://127.0.0.1:{port}", console
    finally:
        stop(process, signal.SIGINT, timeout=10)


def wait_until_serving(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo exited during start-up"
        try:
            requests.get(base + "/", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"the demo did not answer within {START_SECONDS} s")


def test_demo_failures_log_one_line_and_the_start_up_lines_stay(
    demo: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base, console = demo
    wait_until_serving(process, base)
    for _ in range(3):
        assert requests.post(base + "/checkout", timeout=10).status_code == 500
    deadline = time.monotonic() + START_SECONDS
    while console.read_text().count("failed on purpose") < FAILURES:
        assert time.monotonic() < deadline, "the demo's own traffic sent no failing checkout"
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    # Ctrl-C stops the demo (after a last flush); the wait is bounded only so a demo
    # that ignores it fails, with the start-up time's margin for a loaded machine.
    process.wait(timeout=START_SECONDS)

    output = console.read_text()
    assert "Traceback" not in output
    assert "payment provider timed out" in output  # each failure still says what failed
    assert f"{base}/status/" in output
    assert f"{base}/z/health" in output
    assert "Try the admin API" in output
    assert "-H 'Authorization: Bearer demo-admin-secret'" in output
    assert f"{base}/flask-status/incidents" in output
    assert f"Running on {base}" in output
