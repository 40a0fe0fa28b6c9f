"""HTTP side of flask-server-status: the page, the public API, the admin API.

:func:`register_web` adds two blueprints to the app and nothing else: no
app-wide error handler, no change to the app's JSON provider, templates or
static folder. Errors of these blueprints are JSON (see :mod:`.errors`).
"""

from __future__ import annotations

from flask import Flask

from ..state import StatusState
from .admin import admin_blueprint
from .public import public_blueprint


def register_web(app: Flask, state: StatusState) -> None:
    """Register the status page blueprint and the admin API blueprint on ``app``."""
    app.register_blueprint(public_blueprint(state))
    app.register_blueprint(admin_blueprint(state))


__all__ = ["register_web"]
