"""HTTP side of flask-server-status: the page, the public API, the admin API.

:func:`register_web` adds two blueprints and wraps the app's routing-error
step (for requests under their prefixes that match no rule, see
:mod:`.resources`) and nothing else: no app-wide error handler, no change to the app's
JSON provider, templates or static folder. Errors under both prefixes are
JSON (see :mod:`.errors`).
"""

from __future__ import annotations

from flask import Flask

from ..state import StatusState
from .admin import admin_blueprint, admin_prefix
from .public import public_blueprint, public_prefix
from .resources import install_unrouted_answers
from .v2 import register_v2_at_root


def register_web(app: Flask, state: StatusState) -> None:
    """Register the status page blueprint and the admin API blueprint on ``app``."""
    app.register_blueprint(public_blueprint(state))
    app.register_blueprint(admin_blueprint(state))
    register_v2_at_root(app, state)
    install_unrouted_answers(app, [public_prefix(state.settings), admin_prefix(state.settings)])


__all__ = ["register_web"]
