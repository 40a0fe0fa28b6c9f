"""Real gunicorn processes for tests, started and stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.fake_service import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
#: How long start-up may take before the test fails: a wait, not a speed claim; 4 workers
#: importing the app on a 2-core machine shared with other test runs take many seconds.
START_TIMEOUT_SECONDS = 120.0


def _no_control_socket() -> list[str]:
    # gunicorn >= 25 opens a control socket at one fixed path per user; servers
    # started side by side (tests, CI next to a developer) must not share it.
    from gunicorn.config import KNOWN_SETTINGS

    known = {setting.name for setting in KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in known else []


STOP_TIMEOUT_SECONDS = 40.0  # past the graceful timeout below


class GunicornProcess:
    """One gunicorn master with its workers, on a loopback port."""

    def __init__(
        self,
        app_spec: str,
        workdir: Path,
        *,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
        pythonpath: list[Path] | None = None,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        ready_path: str = "/",
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.access_log = workdir / f"access-{self.port}.log"
        self.error_log = workdir / f"error-{self.port}.log"
        self.ready_path = ready_path
        paths = [str(p) for p in (pythonpath or [])] + [str(REPO_ROOT)]
        self.command = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--worker-class", worker_class,
            "--threads", str(threads),
            "--access-logfile", str(self.access_log),
            "--error-logfile", str(self.error_log),
            # gunicorn's defaults: on a loaded machine the exit flush of four
            # workers may need more than a few seconds, and a worker killed at the
            # graceful timeout loses its buffer (the documented limit).
            "--graceful-timeout", "30",
            "--pythonpath", ",".join(paths),
            *_no_control_socket(),
            *(extra_args or []),
            app_spec,
        ]  # fmt: skip
        self.env = {**os.environ, **(env or {})}
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> GunicornProcess:
        self.proc = subprocess.Popen(self.command, cwd=self.workdir, env=self.env)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.proc.returncode}:\n{self.read_error_log()}"
                )
            try:
                requests.get(self.base_url + self.ready_path, timeout=2)
                return self
            except requests.RequestException:
                # Refused before the socket is bound, or accepted by the master
                # before a worker has booted: both mean not yet.
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_SECONDS}s")

    @property
    def pid(self) -> int:
        assert self.proc is not None, "gunicorn not started"
        return self.proc.pid

    def send_signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None, "gunicorn not started"
        self.proc.send_signal(sig)

    def wait(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        assert self.proc is not None, "gunicorn not started"
        return self.proc.wait(timeout=timeout)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int | None:
        """Stop gracefully with ``sig``; kill if it does not exit in time."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=STOP_TIMEOUT_SECONDS)

    def read_access_log(self) -> str:
        return self.access_log.read_text() if self.access_log.exists() else ""

    def read_error_log(self) -> str:
        return self.error_log.read_text() if self.error_log.exists() else ""


class GunicornRunner:
    """Starts gunicorn processes for one test and stops them all at teardown."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: list[GunicornProcess] = []

    def start(self, app_spec: str, **options: object) -> GunicornProcess:
        process = GunicornProcess(app_spec, self.workdir, **options)  # type: ignore[arg-type]
        self.processes.append(process)
        return process.start()

    def stop_all(self) -> None:
        for process in self.processes:
            process.stop()
