"""Per-app state in ``app.extensions["management_endpoints"]``.

One extension object or blueprint serves any number of apps (app factory
pattern); everything that belongs to one app lives here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from flask_management_endpoints.config import Settings, read_settings
from flask_management_endpoints.dependencies import preferred_scheme
from flask_management_endpoints.errors import ConfigurationError, subkey
from flask_management_endpoints.health.availability import Availability, install_sigterm_handler
from flask_management_endpoints.health.contributors import Check
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.health_engine import HealthEngine
from flask_management_endpoints.indicators import database, disk_space, memory, ping

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

EXTENSION_KEY = "management_endpoints"
DEFAULT_PREFIX = "/z"
logger = logging.getLogger(__name__)


class ManagementState:
    """Per-app state: availability, mount prefix and the current health engine.

    The engine is built from the configuration when first needed and built
    again when ``Z_ENDPOINTS`` is replaced, so configuration set after
    ``register_blueprint`` or ``init_app`` still applies (as it always has).
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.availability = Availability()
        self.prefix: str | None = None
        self.db: SQLAlchemy | None = None
        self._engine: HealthEngine | None = None
        self._source: tuple[Any, ...] = ()
        self._lock = threading.Lock()
        self._sigterm_installed = False

    @property
    def mount_prefix(self) -> str:
        return self.prefix if self.prefix is not None else DEFAULT_PREFIX

    def engine(self) -> HealthEngine:
        """The health engine for the app's current configuration."""
        engine = self._engine
        # Tuple equality compares each item by identity first, so an
        # unchanged configuration costs a few lookups per request.
        if engine is None or self._source != self._config_source():
            with self._lock:
                source = self._config_source()
                if self._engine is None or self._source != source:
                    self._replace(source)
            engine = self._engine
            assert engine is not None
        return engine

    def settings(self) -> Settings:
        return self.engine().settings

    def _config_source(self) -> tuple[Any, ...]:
        config = self.app.config
        return (
            config.get("Z_ENDPOINTS"),
            config.get("BACKEND_TIMEOUT"),
            config.get("PREFERRED_URL_SCHEME"),
            self.db or self.app.extensions.get("sqlalchemy"),
            self.prefix,
        )

    def _replace(self, source: tuple[Any, ...]) -> None:
        settings = read_settings(self.app.config)
        engine = HealthEngine(
            settings,
            availability=self.availability,
            indicators=self._indicators(settings),
            prefix=self.mount_prefix,
            scheme=preferred_scheme(self.app.config),
            service_name=self.app.name,
            app_config=self.app.config,
        )
        old, self._engine, self._source = self._engine, engine, source
        if old is not None:
            old.close()
        if settings.handle_sigterm and not self._sigterm_installed:
            self.install_sigterm(settings.drain_seconds)

    def _indicators(self, settings: Settings) -> dict[str, Check]:
        options = settings.indicators
        db = self.db or self.app.extensions.get("sqlalchemy")
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
                    raise ConfigurationError(key, str(error)) from error
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


def state_of(app: Flask | None = None) -> ManagementState:
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
    return state_of(app).availability
