"""Per-app state in ``app.extensions["management_endpoints"]``.

One extension object or blueprint serves any number of apps (app factory
pattern); everything that belongs to one app lives here.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import weakref
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, request_started

from flask_management_endpoints.config import Settings, read_settings
from flask_management_endpoints.dependencies import preferred_scheme
from flask_management_endpoints.errors import ConfigError, subkey
from flask_management_endpoints.health.availability import Availability, install_sigterm_handler
from flask_management_endpoints.health.contributors import Check
from flask_management_endpoints.health.endpoint import HealthEndpoint
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.indicators import database, disk_space, memory, ping
from flask_management_endpoints.logger_sync import LoggerLevelSync, default_path, watch

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

EXTENSION_KEY = "management_endpoints"
DEFAULT_PREFIX = "/z"
logger = logging.getLogger(__name__)


class ManagementState:
    """Per-app state: availability, mount prefix and the current health endpoint.

    The settings (``Z_ENDPOINTS``, ``BACKEND_TIMEOUT``,
    ``PREFERRED_URL_SCHEME``) are read at ``init_app`` (:meth:`load`), to
    report mistakes to its caller, and once more on the first request, so
    configuration set between ``init_app`` (or ``register_blueprint``) and
    serving applies. After that they are never read again: the host app's
    config object is left as it is, and requests compare nothing.

    Nothing runs on the app's own requests except the first one a process
    serves (:meth:`_first_request`, then disconnected): work that must wait
    until the server runs, after any fork.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.availability = Availability()
        self.prefix: str | None = None
        self.db: SQLAlchemy | None = None
        self._endpoint: HealthEndpoint | None = None
        # Built by load() to validate at init_app; replaced on the first request.
        self._loaded: HealthEndpoint | None = None
        # A configuration mistake found on the first request, answered from then on.
        self._error: ConfigError | None = None
        #: Shares logger levels with the other workers, when ``loggers`` is exposed.
        self.logger_sync: LoggerLevelSync | None = None
        self._lock = threading.Lock()
        self._sigterm_installed = False
        # The SIGTERM handler this process installed, to tell whether it is still in place.
        self._sigterm_handler: object = None
        # Installed before a fork: checked on this process's first request.
        self._check_sigterm = False
        # A weak receiver: an app that is dropped takes it along.
        request_started.connect(self._first_request, app)
        reference = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _after_fork(reference))

    @property
    def mount_prefix(self) -> str:
        return self.prefix if self.prefix is not None else DEFAULT_PREFIX

    def load(self) -> None:
        """Read and validate the configuration now (``init_app``); raises :class:`ConfigError`."""
        with self._lock:
            self._loaded = self._build()

    def endpoint(self) -> HealthEndpoint:
        """The health endpoint, built from the settings read on the first request.

        Raises the :class:`ConfigError` that reading found, on every call.
        """
        endpoint = self._endpoint
        if endpoint is None:
            with self._lock:
                if self._endpoint is None and self._error is None:
                    self._endpoint = self._first_build()
                if self._error is not None:
                    raise self._error
                endpoint = self._endpoint
                assert endpoint is not None
        return endpoint

    @property
    def settings(self) -> Settings:
        return self.endpoint().settings

    def _first_build(self) -> HealthEndpoint | None:
        """Read the configuration as it is now; the one init_app validated is retired."""
        retired, self._loaded = self._loaded, None
        if retired is not None:
            retired.close()
        try:
            endpoint = self._build()
        except ConfigError as error:
            self._error = error
            return None
        self._share_logger_levels(endpoint.settings)
        return endpoint

    def _first_request(self, app: Flask, **_: object) -> None:
        """On the first request this process serves for the app, then never again.

        The server has installed its signal handlers and forked by now: the
        SIGTERM handler installed before a fork is checked, and the logger
        levels shared across workers start being followed.
        """
        request_started.disconnect(self._first_request, app)
        with self._lock:  # the first requests of several threads: one check
            check_sigterm, self._check_sigterm = self._check_sigterm, False
            built = self._endpoint or self._loaded
            if built is not None:
                self._share_logger_levels(built.settings)
        if check_sigterm:
            self.check_sigterm_in_worker()

    def _share_logger_levels(self, settings: Settings) -> None:
        """Follow the levels file of this server while ``loggers`` is exposed (ADR 0011)."""
        if not settings.exposure.exposed("loggers"):
            self.logger_sync = None
            return
        path = default_path(self.app.name, settings.loggers_dir)
        sync = self.logger_sync
        if sync is None or sync.path != path:
            sync = self.logger_sync = LoggerLevelSync(path)
        sync.refresh()  # a worker started later takes the levels set before
        watch(sync)

    def _build(self) -> HealthEndpoint:
        database = self.db or self.app.extensions.get("sqlalchemy")
        settings = read_settings(self.app.config)
        endpoint = HealthEndpoint(
            settings,
            availability=self.availability,
            indicators=self._indicators(settings, database),
            prefix=self.mount_prefix,
            scheme=preferred_scheme(self.app.config),
            service_name=self.app.name,
            app_config=self.app.config,
            log=self.app.logger,
        )
        if settings.handle_sigterm and not self._sigterm_installed:
            self.install_sigterm(settings.drain_seconds)
        return endpoint

    def after_fork(self) -> None:
        """In a forked child: nothing the parent had in flight is inherited."""
        self._lock = threading.Lock()
        # The server may replace signal handlers after forking (see
        # check_sigterm_in_worker), and the levels file is keyed to the parent
        # process: both wait for this process's first request.
        self._check_sigterm = self._sigterm_installed
        self.logger_sync = None
        request_started.connect(self._first_request, self.app)
        for endpoint in (self._endpoint, self._loaded):
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
                probe = name == "ping"  # no I/O, always UP
                indicators[name] = Check(function, in_process=probe, static=probe, name=name)
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
        self._sigterm_handler = install_sigterm_handler(self.availability, drain_seconds)
        self._sigterm_installed = True

    def check_sigterm_in_worker(self) -> None:
        """Warn when the handler installed before the fork no longer runs in this worker.

        Under ``gunicorn --preload`` init_app runs in the master; each worker
        installs its own signal handlers after the fork, replacing ours, so
        ``handle_sigterm`` would silently do nothing there.
        """
        if signal.getsignal(signal.SIGTERM) is not self._sigterm_handler:
            self._sigterm_installed = False
            logger.warning(
                "Z_ENDPOINTS['handle_sigterm'] does nothing in this worker (pid %d): the app was "
                "loaded before the fork (gunicorn --preload?) and the worker replaced the "
                "SIGTERM handler; call drain_on_sigterm(worker.wsgi) from gunicorn's "
                "post_worker_init hook",
                os.getpid(),
            )


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
