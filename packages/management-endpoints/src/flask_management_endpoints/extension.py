"""The Flask extension: :class:`ManagementEndpoints`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from flask_management_endpoints import no_log
from flask_management_endpoints.blueprint import z_blueprint
from flask_management_endpoints.state import DEFAULT_PREFIX, get_state

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy


class ManagementEndpoints:
    """Registers the management endpoints on an app.

    ``prefix``: where to mount them (default ``/z``). ``no_log``: keep
    successful requests to them out of the access log. ``db``: a
    Flask-SQLAlchemy instance for the ``db`` indicator (default: the one
    registered on the app, if any). The configuration (``Z_ENDPOINTS``) is
    validated in :meth:`init_app`; an invalid value raises
    :class:`ConfigError` naming the key.
    """

    def __init__(
        self,
        app: Flask | None = None,
        prefix: str = DEFAULT_PREFIX,
        no_log: bool = False,
        *,
        db: SQLAlchemy | None = None,
    ) -> None:
        self.prefix = prefix
        self.no_log = no_log
        self.db = db
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        state = get_state(app)
        state.db = self.db
        app.register_blueprint(z_blueprint, url_prefix=self.prefix)
        state.load()
        if self.no_log:
            no_log.install(app, lambda: [state.mount_prefix])


def drain_on_sigterm(app: Flask, drain_seconds: float | None = None) -> None:
    """Install the SIGTERM drain for ``app`` in this process (main thread only).

    ``init_app`` does this when ``Z_ENDPOINTS["handle_sigterm"]`` is true;
    call it yourself where the server installs its own handlers after the
    app is loaded (gunicorn ``--preload``: from ``post_worker_init``).
    """
    state = get_state(app)
    state.install_sigterm(state.settings.drain_seconds if drain_seconds is None else drain_seconds)
