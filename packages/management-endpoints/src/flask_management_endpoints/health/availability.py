"""Availability state (liveness and readiness) and the SIGTERM drain.

Liveness says whether the process is healthy enough to keep running;
readiness says whether it should receive traffic; start-up says whether it
has finished starting (a Kubernetes ``startupProbe``). Both are in-process
state, changed from code (for example ``availability().readiness =
ReadinessState.REFUSING_TRAFFIC`` during a warm-up) or by the optional
SIGTERM handler, which flips readiness to refusing so that Kubernetes takes
the pod out of its Service before the server stops.
"""

from __future__ import annotations

import enum
import os
import signal
import threading
from types import FrameType
from typing import Any

from flask_management_endpoints.health.health import Health


class LivenessState(enum.Enum):
    CORRECT = "CORRECT"
    BROKEN = "BROKEN"


class ReadinessState(enum.Enum):
    ACCEPTING_TRAFFIC = "ACCEPTING_TRAFFIC"
    REFUSING_TRAFFIC = "REFUSING_TRAFFIC"


class StartupState(enum.Enum):
    STARTING = "STARTING"
    STARTED = "STARTED"


_UP = Health.up()


class Availability:
    """The liveness and readiness state of one application in this process."""

    def __init__(self) -> None:
        self.liveness = LivenessState.CORRECT
        self.readiness = ReadinessState.ACCEPTING_TRAFFIC
        #: Set to STARTED by the app, or by the first readiness answer that is UP.
        self.startup = StartupState.STARTING

    def snapshot(self) -> tuple[LivenessState, ReadinessState, StartupState]:
        """The whole state, to tell whether an answer built from it still holds."""
        return self.liveness, self.readiness, self.startup

    def liveness_health(self) -> Health:
        """``livenessState``: UP while CORRECT, DOWN when BROKEN."""
        if self.liveness is LivenessState.CORRECT:
            return _UP
        return Health.down(state=self.liveness.value)

    def readiness_health(self) -> Health:
        """``readinessState``: UP while accepting traffic, else OUT_OF_SERVICE."""
        if self.readiness is ReadinessState.ACCEPTING_TRAFFIC:
            return _UP
        return Health.out_of_service(state=self.readiness.value)

    def startup_health(self) -> Health:
        """``startupState``: UP once STARTED, OUT_OF_SERVICE before."""
        if self.startup is StartupState.STARTED:
            return _UP
        return Health.out_of_service(state=self.startup.value)


_SignalHandler = Any  # a callable, signal.SIG_DFL, signal.SIG_IGN or None


def install_sigterm_handler(availability: Availability, drain_seconds: float) -> _SignalHandler:
    """On SIGTERM, refuse traffic at once and pass the signal on after ``drain_seconds``.

    The handler that was installed before (gunicorn's worker handler, or the
    default that ends the process) runs after the drain period, so the server
    keeps answering — readiness with 503 — while Kubernetes stops sending
    traffic, and requests in flight finish. A second SIGTERM during the drain
    is passed on at once. Must be called from the main thread. Returns the
    handler installed, so callers can tell later whether it is still in place.
    """
    previous: _SignalHandler = signal.getsignal(signal.SIGTERM)
    draining = threading.Event()

    def pass_on(signum: int, frame: FrameType | None) -> None:
        if callable(previous):
            previous(signum, frame)
        elif previous in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        availability.readiness = ReadinessState.REFUSING_TRAFFIC
        if draining.is_set() or drain_seconds <= 0:
            pass_on(signum, frame)
            return
        draining.set()
        # Re-raise after the drain so that the previous handler runs in the
        # main thread, where Python runs signal handlers.
        timer = threading.Timer(drain_seconds, os.kill, (os.getpid(), signal.SIGTERM))
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, on_sigterm)
    return on_sigterm
