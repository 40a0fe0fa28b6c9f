"""Per-app state in ``app.extensions["management_endpoints"]``.

One extension object or blueprint serves any number of apps (app factory
pattern); everything that belongs to one app lives here.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from flask_management_endpoints.config import Settings, read_settings
from flask_management_endpoints.config_watch import watch_config
from flask_management_endpoints.dependencies import preferred_scheme
from flask_management_endpoints.errors import ConfigError, subkey
from flask_management_endpoints.health.availability import Availability, install_sigterm_handler
from flask_management_endpoints.health.contributors import Check
from flask_management_endpoints.health.endpoint import HealthEndpoint
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.indicators import database, disk_space, memory, ping

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

EXTENSION_KEY = "management_endpoints"
DEFAULT_PREFIX = "/z"
#: The app config keys the settings are read from.
CONFIG_KEYS = ("Z_ENDPOINTS", "BACKEND_TIMEOUT", "PREFERRED_URL_SCHEME")
logger = logging.getLogger(__name__)


class ManagementState:
    """Per-app state: availability, mount prefix and the current health endpoint.

    The settings are read once: at ``init_app`` (:meth:`load`), or on the
    first request when only the blueprint is registered. Replacing one of
    :data:`CONFIG_KEYS` later (``app.config["Z_ENDPOINTS"] = {...}``) is
    noticed when it happens and read on the next request, so configuration
    set after ``register_blueprint`` or ``init_app`` still applies, without
    any per-request comparison.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.availability = Availability()
        self.prefix: str | None = None
        self.db: SQLAlchemy | None = None
        self._endpoint: HealthEndpoint | None = None
        # Built by load() to validate at init_app; adopted by the first
        # request unless a database was registered in between.
        self._loaded: tuple[HealthEndpoint, object] | None = None
        self._lock = threading.Lock()
        self._sigterm_installed = False
        watch_config(app, CONFIG_KEYS, self._config_replaced)
        reference = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _after_fork(reference))

    @property
    def mount_prefix(self) -> str:
        return self.prefix if self.prefix is not None else DEFAULT_PREFIX

    def load(self) -> None:
        """Read and validate the configuration now (``init_app``); raises :class:`ConfigError`."""
        with self._lock:
            database = self._database()
            self._loaded = (self._build(database), database)

    def endpoint(self) -> HealthEndpoint:
        """The health endpoint for the app's current configuration."""
        endpoint = self._endpoint
        if endpoint is None:
            with self._lock:
                if self._endpoint is None:
                    self._endpoint = self._adopt_or_build()
                endpoint = self._endpoint
        return endpoint

    @property
    def settings(self) -> Settings:
        return self.endpoint().settings

    def _adopt_or_build(self) -> HealthEndpoint:
        loaded, self._loaded = self._loaded, None
        database = self._database()
        if loaded is not None and loaded[1] is database:
            return loaded[0]
        if loaded is not None:
            loaded[0].close()
        return self._build(database)

    def _database(self) -> object:
        return self.db or self.app.extensions.get("sqlalchemy")

    def _config_replaced(self) -> None:
        with self._lock:
            retired = [self._endpoint, self._loaded[0] if self._loaded else None]
            self._endpoint, self._loaded = None, None
        for endpoint in retired:
            if endpoint is not None:
                endpoint.close()

    def _build(self, database: object) -> HealthEndpoint:
        settings = read_settings(self.app.config)
        endpoint = HealthEndpoint(
            settings,
            availability=self.availability,
            indicators=self._indicators(settings, database),
            prefix=self.mount_prefix,
            scheme=preferred_scheme(self.app.config),
            service_name=self.app.name,
            app_config=self.app.config,
        )
        if settings.handle_sigterm and not self._sigterm_installed:
            self.install_sigterm(settings.drain_seconds)
        return endpoint

    def after_fork(self) -> None:
        """In a forked child: nothing the parent had in flight is inherited."""
        self._lock = threading.Lock()
        for endpoint in (self._endpoint, self._loaded[0] if self._loaded else None):
            if endpoint is not None:
                endpoint.after_fork()

    def _indicators(self, settings: Settings, db: Any) -> dict[str, Check]:
        options = settings.indicators
        factories: dict[str, Callable[..., Callable[[], Health]]] = {
            "ping": ping,
            "diskSpace": disk_space,
            "memory": memory,
        }
        if db is not None:
            factories["db"] = partial(database, db, self.app, timeout=settings.evaluation.timeout)
        indicators: dict[str, Check] = {}
        for name, factory in factories.items():
            if name in options:
                try:
                    function = factory(**options[name])
                except (TypeError, ValueError) as error:
                    key = subkey('Z_ENDPOINTS["indicators"]', name)
                    raise ConfigError(key, str(error)) from error
                indicators[name] = Check(function, in_process=name == "ping", name=name)
        return indicators

    def install_sigterm(self, drain_seconds: float) -> None:
        """Flip readiness on SIGTERM and pass the signal on after ``drain_seconds``.

        Python only lets the main thread install signal handlers; elsewhere
        this logs a warning and does nothing.
        """
        if threading.current_thread() is not threading.main_thread():
            logger.warning(
                "Z_ENDPOINTS['handle_sigterm'] is ignored: signal handlers can only be installed "
                "from the main thread; call init_app there, or drain_on_sigterm(app) from "
                "gunicorn's post_worker_init hook"
            )
            return
        install_sigterm_handler(self.availability, drain_seconds)
        self._sigterm_installed = True


def _after_fork(reference: weakref.ref[ManagementState]) -> None:
    state = reference()
    if state is not None:
        state.after_fork()


def get_state(app: Flask | None = None) -> ManagementState:
    """The management state of ``app`` (default: the current app), created on first use."""
    target = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
    state = target.extensions.get(EXTENSION_KEY)
    if state is None:
        state = target.extensions.setdefault(EXTENSION_KEY, ManagementState(target))
    assert isinstance(state, ManagementState)
    return state


def availability(app: Flask | None = None) -> Availability:
    """The liveness and readiness state of ``app`` (default: the current app).

    >>> availability(app).readiness = ReadinessState.REFUSING_TRAFFIC
    """
    return get_state(app).availability
