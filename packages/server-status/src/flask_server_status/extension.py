"""The :class:`FlaskStatus` extension object."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from .cli import server_status_cli
from .config import read_settings
from .engine import check_engine_settings
from .state import EXTENSION_KEY, StatusState
from .web import register_web


class FlaskStatus:
    """Record how the app's routes answer real traffic and serve a status page.

    ``FlaskStatus(app)`` or, with the app factory pattern, ``status =
    FlaskStatus()`` then ``status.init_app(app)``. ``routes`` restricts the
    rules that are recorded and shown (default: all of the app's rules except
    static files, the status page, the admin API and ``/z`` management
    endpoints); ``url_prefix`` is where the page is served (default
    ``SERVER_STATUS_URL_PREFIX``, ``/status``). One instance may be
    initialised on several apps; each app keeps its own state in
    ``app.extensions["server_status"]``.

    ``init_app`` adds to the app only: a thin timing wrapper around
    ``app.wsgi_app``, one ``after_request`` hook, a wrapper around this app's
    ``raise_routing_exception`` (JSON answers for unrouted requests under the
    package's prefixes), a ``got_request_exception`` receiver for this app,
    ``app.extensions["server_status"]``, the ``flask server-status`` CLI group
    and the package's own blueprints. It
    never changes the app's templates, static folder, loggers or JSON
    provider, and does no I/O: the database is reached from the background
    flush thread and the status endpoints only.
    """

    def __init__(
        self,
        app: Flask | None = None,
        routes: Iterable[str] | None = None,
        url_prefix: str | None = None,
    ) -> None:
        self.routes = list(routes) if routes is not None else None
        self.url_prefix = url_prefix
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> StatusState:
        """Validate the app's settings, install the request hooks and the web layer.

        Raises :class:`~flask_server_status.config.ConfigError` naming the
        config key when a setting is invalid, and :class:`RuntimeError` when
        the app already has FlaskStatus.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError("FlaskStatus is already initialised on this app")
        settings = read_settings(
            app.config, import_name=app.import_name, routes=self.routes, url_prefix=self.url_prefix
        )
        check_engine_settings(app, settings)
        state = StatusState(app, settings)
        app.extensions[EXTENSION_KEY] = state
        state.recorder.install(app)
        app.cli.add_command(server_status_cli)
        register_web(app, state)
        return state
