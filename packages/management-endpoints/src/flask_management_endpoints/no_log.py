"""Keep successful probe requests out of the web server's access log.

Kubernetes probes hit the management endpoints every few seconds; their
access lines drown the requests that matter. :func:`install` attaches a
:class:`ProbeAccessLogFilter` to the access loggers of the servers we know:

========================  ===================  ====================================
server                    access logger        what a record carries
========================  ===================  ====================================
gunicorn                  ``gunicorn.access``  ``record.args``: the atoms mapping;
                                               ``"U"`` the path, ``"s"`` the status
                                               (a *string*, e.g. ``"200"``)
Werkzeug dev server       ``werkzeug``         ``'... "GET /z/health HTTP/1.1" 200 -'``
waitress + Paste          ``wsgi``             ``'... "GET /z/health HTTP/1.1" 200 ...'``
``TransLogger``
========================  ===================  ====================================

(waitress itself writes no access log; its documentation points to Paste's
``TransLogger``.) Only records that are access lines for a management path
with a 2xx or 3xx status are dropped; failed probes, other requests and every
other record of those loggers stay.

Why the filter is attached lazily: a logger may not exist yet when
``init_app`` runs (Werkzeug creates its logger on the first line it writes;
an embedded gunicorn application creates ``gunicorn.access`` after the app
object). So the filter is attached to loggers that already exist at install
time, and again when a request starts (Flask's ``request_started`` signal),
which is always before the server writes that request's access line. Only
the access logger of the server actually running the request (known from
``SERVER_SOFTWARE``) is ever created here, the very logger that server is
about to use, so no unrelated logger appears. Handlers, levels and the app's
own loggers are never touched. Once a server has served a request, the
check costs one set lookup.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping

from flask import Flask, request, request_started

#: Loggers that receive access lines from the servers this module knows.
DEFAULT_LOGGER_NAMES: tuple[str, ...] = ("gunicorn.access", "werkzeug", "wsgi")

# The access logger a server writes to, by the start of its SERVER_SOFTWARE.
# Creating it on demand is harmless: the server is about to create it itself.
_SERVER_ACCESS_LOGGERS: Mapping[str, str] = {
    "gunicorn/": "gunicorn.access",
    "Werkzeug/": "werkzeug",
}

# The request line and status of a Common/Combined Log Format line.
_REQUEST_LINE = re.compile(r'"[A-Z]+ (?P<target>\S+) [^"]*" (?P<status>\d{3})\b')
# Werkzeug colours some request lines (3xx among them) with ANSI escapes.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

Prefixes = Callable[[], Iterable[str]] | Iterable[str]


def access_of(record: logging.LogRecord) -> tuple[str, str] | None:
    """The ``(path, status)`` of an access log record, or None for other records.

    The path has no query string; the status is the three-digit code as text.
    """
    args = record.args
    if isinstance(args, Mapping):
        # gunicorn: its atoms; any access_log_format still carries them.
        if "U" in args and "s" in args:
            return str(args["U"]), str(args["s"])
        return None
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        return None  # a malformed record; leave it to the handler to report
    match = _REQUEST_LINE.search(_ANSI_ESCAPE.sub("", message))
    if match is None:
        return None
    return match["target"].split("?", 1)[0], match["status"]


def _normalise(prefix: str) -> str:
    return "/" + prefix.strip("/") if prefix.strip("/") else ""


class ProbeAccessLogFilter(logging.Filter):
    """Drop access records of successful (2xx/3xx) requests under ``prefixes``.

    ``prefixes`` is an iterable of URL path prefixes (``"/z"``) or a
    zero-argument callable returning them, called for each access record so
    that prefixes registered later are seen. A path matches a prefix when it
    equals it or continues with ``/``. A root prefix (``""`` or ``"/"``) is
    ignored: it would hide every request of the app.
    """

    def __init__(self, prefixes: Prefixes) -> None:
        super().__init__()
        self._prefixes = prefixes

    def prefixes(self) -> tuple[str, ...]:
        raw = self._prefixes() if callable(self._prefixes) else self._prefixes
        return tuple(p for p in map(_normalise, raw) if p)

    def is_probe_path(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes())

    def filter(self, record: logging.LogRecord) -> bool:
        access = access_of(record)
        if access is None:
            return True
        path, status = access
        successful = status[:1] in ("2", "3")
        return not (successful and self.is_probe_path(path))


class _Attacher:
    """Attaches one filter to the access loggers, as they appear."""

    def __init__(self, log_filter: ProbeAccessLogFilter, logger_names: tuple[str, ...]) -> None:
        self.filter = log_filter
        self.logger_names = logger_names
        self._servers_seen: set[str] = set()
        self._lock = threading.Lock()

    def attach_existing(self) -> None:
        existing = logging.root.manager.loggerDict
        for name in self.logger_names:
            if isinstance(existing.get(name), logging.Logger):
                logging.getLogger(name).addFilter(self.filter)

    def on_request_started(self, sender: Flask, **extra: object) -> None:
        server = request.environ.get("SERVER_SOFTWARE", "")
        if server in self._servers_seen:
            return
        with self._lock:
            self.attach_existing()
            for software, name in _SERVER_ACCESS_LOGGERS.items():
                if server.startswith(software):
                    logging.getLogger(name).addFilter(self.filter)
            self._servers_seen.add(server)


def install(
    app: Flask,
    prefixes: Prefixes,
    *,
    logger_names: Iterable[str] = DEFAULT_LOGGER_NAMES,
) -> ProbeAccessLogFilter:
    """Keep successful requests under ``prefixes`` out of ``app``'s access logs.

    ``prefixes``: the URL prefixes the management endpoints are mounted at
    (``["/z"]``), or a zero-argument callable returning them. ``logger_names``:
    access loggers to filter; the default covers gunicorn, the Werkzeug dev
    server and Paste's ``TransLogger`` (waitress). Add the name your own
    access-log middleware or gunicorn ``logger_class`` uses.

    Connects to ``app``'s ``request_started`` signal (which fires before any
    ``before_request`` hook could answer) and returns the filter, one per
    call. Call it once per app (``init_app`` does).
    """
    log_filter = ProbeAccessLogFilter(prefixes)
    attacher = _Attacher(log_filter, tuple(logger_names))
    attacher.attach_existing()
    request_started.connect(attacher.on_request_started, app, weak=False)
    return log_filter
