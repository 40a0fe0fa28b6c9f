"""Remote health checks of the services this app depends on.

A dependency is another service's health endpoint, called over one pooled
``requests.Session`` per process. Every call carries the chain of services
the health request has passed through (:data:`CHAIN_HEADER`); a service that
finds itself in the chain, or a chain that is already ``max_hops`` long,
answers without calling further, so services that depend on each other
never loop. Every call also says how long the caller will wait
(:data:`BUDGET_HEADER`), and the callee answers within that time, so a slow
service deep in a chain shows up as that service's timeout rather than
timing out everyone upstream.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from flask_management_endpoints.health.contributors import Check
from flask_management_endpoints.health.evaluation import timeout_message
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.health.status import Status

CHAIN_HEADER = "Management-Health-Chain"
BUDGET_HEADER = "Management-Health-Budget"
CHAIN_ENVIRON = "HTTP_MANAGEMENT_HEALTH_CHAIN"
BUDGET_ENVIRON = "HTTP_MANAGEMENT_HEALTH_BUDGET"
# Part of a caller's budget kept for the way back over the network.
BUDGET_SHARE = 0.9


@dataclass(frozen=True)
class Call:
    """The health request being answered: its chain and when its answer is due."""

    chain: tuple[str, ...] = ()
    deadline_at: float = math.inf


_NO_CALL = Call()
#: Set around an evaluation; checks on pool threads see it through their context.
current_call: ContextVar[Call] = ContextVar("current_call", default=_NO_CALL)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_MAX_CHAIN_ENTRIES = 32
_ACCEPT = "application/vnd.spring-boot.actuator.v3+json, application/json;q=0.9"


def preferred_scheme(app_config: Mapping[str, Any]) -> str:
    """The scheme for dependencies given without one.

    ``PREFERRED_URL_SCHEME`` from the app config when set to something other
    than Flask's default ``http``, else the ``PREFERRED_URL_SCHEME`` (or
    ``SCHEME``) environment variable, else ``http``.
    """
    configured = app_config.get("PREFERRED_URL_SCHEME")
    if configured and configured != "http":
        return str(configured)
    return os.environ.get("PREFERRED_URL_SCHEME") or os.environ.get("SCHEME") or "http"


def dependency_url(target: str, *, scheme: str, prefix: str, check: str | None = None) -> str:
    """The health URL for a ``service_dependencies`` value.

    - ``host[:port]`` -> ``{scheme}://host[:port]{prefix}/health``
    - ``host[:port]/path`` -> ``{scheme}://host[:port]/path``
    - ``scheme://...`` -> used as given

    ``check`` (for example ``readiness``) is appended as ``/<check>``. Only
    ``://`` marks a scheme, so ``httpbin:8080`` is a host and a port.
    """
    target = target.strip()
    has_scheme = _SCHEME.match(target) is not None
    target = target.rstrip("/")
    if has_scheme:
        url = target
    elif "/" in target:
        url = f"{scheme}://{target}"
    else:
        url = f"{scheme}://{target}{prefix.rstrip('/')}/health"
    if check:
        url = f"{url}/{check}"
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    return url


def parse_budget(header: str | None) -> float | None:
    """The seconds an incoming caller will wait for us, or None when not given or invalid."""
    try:
        budget = float(header) if header else None
    except ValueError:
        return None
    return budget if budget is not None and 0 < budget < 3600 else None


def parse_chain(header: str | None) -> tuple[str, ...]:
    """The service ids in an incoming chain header (bounded, blanks dropped)."""
    if not header:
        return ()
    ids = (part.strip() for part in header.split(",", _MAX_CHAIN_ENTRIES)[:_MAX_CHAIN_ENTRIES])
    return tuple(part[:128] for part in ids if part)


class HttpClient:
    """One pooled ``requests.Session`` per process.

    A session must not cross a fork (its sockets would be shared with the
    parent): the app's at-fork hook calls :meth:`after_fork` in the child.
    """

    def __init__(self, pool_size: int) -> None:
        self.pool_size = pool_size
        self._lock = threading.Lock()
        self._session: requests.Session | None = None

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    session = requests.Session()
                    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=self.pool_size)
                    session.mount("http://", adapter)
                    session.mount("https://", adapter)
                    session.headers["User-Agent"] = "flask-management-endpoints"
                    self._session = session
        return self._session

    def after_fork(self) -> None:
        """In a forked child: forget the parent's session (and a lock it may have held)."""
        self._lock = threading.Lock()
        self._session = None

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def dependency_check(
    name: str, url: str, *, client: HttpClient, timeout: float, service_id: str
) -> Check:
    """A remote :class:`Check`, named ``name``, of the health endpoint at ``url``."""

    def check() -> Health:
        call = current_call.get()
        wait = max(0.01, min(timeout, call.deadline_at - time.monotonic()))
        headers = {
            "Accept": _ACCEPT,
            CHAIN_HEADER: ",".join((*call.chain, service_id)),
            BUDGET_HEADER: f"{wait:.3f}",
        }
        try:
            response = client.session.get(url, headers=headers, timeout=wait)
        except requests.Timeout:
            return Health.down(url=url, error=timeout_message(wait))
        except requests.RequestException as error:
            return Health.down(url=url, error=f"{type(error).__name__}: {error}")
        return health_from_response(url, response)

    return Check(check, remote=True, name=name, details={"url": url})


# The IETF health check format's status words (a service may answer in it).
_IETF_STATUSES = {
    "pass": Status.UP,
    "ok": Status.UP,
    "up": Status.UP,
    "warn": Status.UP,
    "fail": Status.DOWN,
    "error": Status.DOWN,
    "down": Status.DOWN,
}
_FAILING = (Status.DOWN, Status.OUT_OF_SERVICE)


def health_from_response(url: str, response: requests.Response) -> Health:
    """The remote's own status, with its body as details.

    An Actuator (or custom) status is kept, an IETF one translated; an error
    answer (not 2xx or 3xx) is DOWN unless it says OUT_OF_SERVICE.
    """
    details: dict[str, Any] = {"url": url}
    try:
        body = response.json()
    except ValueError:
        body = None
    status: Status | None = None
    if isinstance(body, dict):
        details.update((key, value) for key, value in body.items() if key != "status")
        status = _status_of(body.get("status"))
    if not 200 <= response.status_code < 400:
        details["httpStatus"] = response.status_code
        if status not in _FAILING:
            status = Status.DOWN
    return Health(status or Status.UP, details)


def _status_of(value: object) -> Status | None:
    if not isinstance(value, str):
        return None
    try:
        return _IETF_STATUSES.get(value) or Status(value)
    except ValueError:
        return None
