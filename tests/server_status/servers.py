"""Starting gunicorn for these tests with a patient readiness check.

Four workers importing Flask, SQLAlchemy and the extension on a busy 2-core
machine can take longer than one second to answer their first request; this
waits for an answer (any status) for up to the harness's start timeout,
treating slow answers like refused connections.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

import requests

from tests.support.gunicorn import START_TIMEOUT_SECONDS, GunicornProcess, GunicornRunner


def start_gunicorn(runner: GunicornRunner, app_spec: str, **options: Any) -> GunicornProcess:
    """Like ``runner.start`` (and stopped by it at teardown), but patient at boot."""
    process = GunicornProcess(app_spec, runner.workdir, **options)
    runner.processes.append(process)
    process.proc = subprocess.Popen(process.command, cwd=process.workdir, env=process.env)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{process.read_error_log()}")
        try:
            requests.get(process.base_url + process.ready_path, timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_SECONDS}s")
