"""Small Flask apps for the management endpoints tests."""

from __future__ import annotations

import re
import threading
from typing import Any

from flask import Flask

from flask_management_endpoints import ManagementEndpoints


def make_app(
    z_endpoints: dict[str, Any] | None = None,
    *,
    name: str = "orders",
    prefix: str = "/z",
    **config: Any,
) -> Flask:
    """A Flask app with the extension initialised, a ``/`` route and the given config."""
    app = Flask(name)
    app.config.update(config)
    if z_endpoints is not None:
        app.config["Z_ENDPOINTS"] = z_endpoints
    ManagementEndpoints(app, prefix=prefix)

    @app.get("/")
    def index() -> str:
        return "hello"

    return app


def timeout_seconds(error: str) -> float:
    """The wait a check's ``timeout after 1.0s`` error reports."""
    found = re.fullmatch(r"timeout after (\d+\.\d)s", error)
    assert found is not None, error
    return float(found[1])


class CallCounter:
    """A check that counts its runs (thread-safe) and returns ``result``."""

    def __init__(self, result: object = True, delay: float = 0.0) -> None:
        self.result = result
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()
        self._event = threading.Event()

    def __call__(self) -> object:
        with self._lock:
            self.calls += 1
        if self.delay:
            self._event.wait(self.delay)
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result
