"""The apps the benchmarks measure: a bare host app, with our packages, with each peer.

Every app is :func:`hello_app`, the same host routes, so a route of any of
them compares with the same route of a bare instance (:meth:`Hosts.bare`).
Peers are the packages a user would pick instead (the ``bench`` dependency
group installs them); one that is not installed is left out with a printed
line.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from flask_management_endpoints import ManagementEndpoints
from flask_server_status import FlaskStatus, get_state

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests.support finds PostgreSQL
    sys.path.insert(0, str(ROOT))

#: The host's own JSON route, in every app.
HELLO = "/hello"
#: The same route under the management prefix, which flask-server-status does not record.
UNDER_PREFIX = "/z/hello"
#: A small static file of every app.
STATIC_FILE = "/static/hello.txt"


def hello_app(name: str, static_folder: str | None = None) -> Flask:
    """A host app: JSON :data:`HELLO` and :data:`UNDER_PREFIX`, and ``static_folder``'s files."""
    app = Flask(name, static_folder=static_folder, static_url_path="/static")

    def hello() -> dict[str, str]:
        return {"message": "Hello, World!"}

    app.add_url_rule(HELLO, "hello", hello)
    app.add_url_rule(UNDER_PREFIX, "hello_under_prefix", hello)
    return app


def with_management(app: Flask) -> Flask:
    """``app`` with flask-management-endpoints at its defaults."""
    ManagementEndpoints(app)
    return app


class Hosts(contextlib.ExitStack):
    """Builds the apps of one measurement; closing it stops their flush threads.

    Owns a temporary folder: the static file and the SQLite databases live there.
    """

    def __enter__(self) -> Hosts:
        super().__enter__()
        self.folder = Path(self.enter_context(tempfile.TemporaryDirectory()))
        (self.folder / "hello.txt").write_text("Hello, World!\n", "utf-8")
        self.sqlite = f"sqlite:///{self.folder / 'status.db'}"
        logging.getLogger("flask_server_status").setLevel(logging.ERROR)  # an outage's warnings
        return self

    def app(self, name: str) -> Flask:
        """A host app whose static folder holds :data:`STATIC_FILE`."""
        return hello_app(name, str(self.folder))

    def bare(self) -> Flask:
        """The baseline: the host app without any extension."""
        return self.app("bare")

    def postgres(self) -> str | None:
        """The URL of a fresh PostgreSQL schema (dropped at close), or None, the reason printed.

        Found as the test suite finds it (tests/support/postgres.py).
        """
        from tests.support.postgres import PostgresSchema, find_or_start

        server = find_or_start()
        self.callback(server.close)
        if server.url is None:
            print(f"PostgreSQL skipped: {server.how}")
            return None
        schema = PostgresSchema(server.url)
        self.callback(schema.drop)
        return schema.url

    def with_status(self, app: Flask, database_uri: str | None = None, **config: object) -> Flask:
        """``app`` with flask-server-status on ``database_uri`` (default SQLite), schema made.

        Other settings are the package's defaults (a flush every 10 s, whose
        CPU time is the host's cost too) unless ``config`` sets them.
        """
        app.config["SERVER_STATUS_DATABASE_URI"] = database_uri or self.sqlite
        app.config.update(config)
        FlaskStatus(app)
        state = get_state(app)
        state.flush()  # the first flush migrates the schema: not a request's cost
        self.callback(state.engine.dispose)
        self.callback(state.flusher.stop, flush=False)
        return app


@dataclass(frozen=True)
class Peer:
    """Another package: how it is installed on a host app, and its probe paths."""

    name: str
    install: Callable[[Flask], None]
    probes: tuple[str, ...] = ()


def _flask_healthz(app: Flask) -> None:
    from flask_healthz import healthz

    app.register_blueprint(healthz, url_prefix="/healthz")
    app.config["HEALTHZ"] = {"live": lambda: None, "ready": lambda: None}


def _py_healthcheck(app: Flask) -> None:
    from healthcheck import HealthCheck

    app.add_url_rule("/healthcheck", "healthcheck", view_func=HealthCheck().run)


def _pyctuator(app: Flask) -> None:
    from pyctuator.pyctuator import Pyctuator

    base = "http://localhost"
    Pyctuator(app, "peer", base, f"{base}/pyctuator", registration_url=None)


def _prometheus_flask_exporter(app: Flask) -> None:
    from prometheus_flask_exporter import PrometheusMetrics

    PrometheusMetrics(app)  # metrics of every request, served at /metrics


PEERS = (
    Peer("flask-healthz", _flask_healthz, ("/healthz/live", "/healthz/ready")),
    Peer("py-healthcheck", _py_healthcheck, ("/healthcheck",)),
    Peer("pyctuator", _pyctuator, ("/pyctuator/health",)),
    Peer("prometheus-flask-exporter", _prometheus_flask_exporter),
)


def peer_apps(hosts: Hosts) -> Iterator[tuple[Peer, Flask]]:
    """Each installed peer on its own host app (once per process: some register
    process-wide metrics)."""
    for peer in PEERS:
        app = hosts.app(peer.name)
        try:
            peer.install(app)
        except ImportError:
            print(f"{peer.name}: not installed (the bench dependency group installs it)")
            continue
        yield peer, app
