"""HTTP side of flask-server-status: the page, the public API, the admin API.

:func:`register_web` adds two blueprints to the app and nothing else: no
app-wide error handler, no change to the app's JSON provider, templates or
static folder. Errors of these blueprints are JSON (see :mod:`.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ..config import ConfigError
from ..state import StatusState
from .admin import admin_blueprint
from .public import public_blueprint

MAX_BODY_KEY = "SERVER_STATUS_API_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 64 * 1024


def max_body_bytes(config: Mapping[str, Any]) -> int:
    """``SERVER_STATUS_API_MAX_BODY_BYTES``: the largest admin request body accepted."""
    value = config.get(MAX_BODY_KEY, DEFAULT_MAX_BODY_BYTES)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise ConfigError(MAX_BODY_KEY, f"expected an integer of at least 1024, got {value!r}")
    return value


def register_web(app: Flask, state: StatusState) -> None:
    """Register the status page blueprint and the admin API blueprint on ``app``."""
    app.register_blueprint(public_blueprint(state))
    app.register_blueprint(admin_blueprint(state, max_body_bytes=max_body_bytes(app.config)))


__all__ = ["register_web"]
