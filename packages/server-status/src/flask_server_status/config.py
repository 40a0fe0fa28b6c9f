"""Settings read from ``app.config``, validated once at ``init_app``.

Every key has a ``SERVER_STATUS_`` name; the keys the original package used
(``SQLALCHEMY_DATABASE_URI``, ``API_ENABLED``, ``API_SECRET``) still work as
aliases. A bad value, or an unknown ``SERVER_STATUS_*`` key (a typo would
otherwise be ignored silently), raises :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .auth import configured_token
from .components import ComponentSpec, parse_components
from .config_values import (
    REMOVED,
    boolean,
    number,
    optional_positive,
    optional_str,
    overrides,
    percent,
    percentile_rank,
    quiet_seconds,
)
from .config_values import (
    ConfigError as ConfigError,  # re-exported: the public home of the error
)

#: Every key with its default, in the order the README documents them.
DEFAULTS: dict[str, Any] = {
    "SERVER_STATUS_DATABASE_URI": None,
    "SERVER_STATUS_SQLALCHEMY_BIND": None,
    "SERVER_STATUS_AUTO_MIGRATE": True,
    "SERVER_STATUS_URL_PREFIX": "/status",
    "SERVER_STATUS_ADMIN_PREFIX": "/flask-status",
    "SERVER_STATUS_BASE_URL": None,
    "SERVER_STATUS_API_ENABLED": False,
    "SERVER_STATUS_API_SECRET": None,
    "SERVER_STATUS_API_MAX_BODY_BYTES": 64 * 1024,
    "SERVER_STATUS_PAGE_TITLE": None,
    "SERVER_STATUS_PAGE_REFRESH_SECONDS": 60,
    "SERVER_STATUS_COMPONENTS": None,
    "SERVER_STATUS_OTHER_COMPONENT": False,
    "SERVER_STATUS_SHOW_RULES": False,
    "SERVER_STATUS_PAGE_MAX_COMPONENTS": 200,
    "SERVER_STATUS_V2_AT_ROOT": False,
    "SERVER_STATUS_PAGE_CACHE_SECONDS": 10.0,
    "SERVER_STATUS_TIMEZONE": "UTC",
    "SERVER_STATUS_ROUTES": None,
    "SERVER_STATUS_FAILURE_STATUSES": None,
    "SERVER_STATUS_EXCLUDE_PREFIXES": ["/z"],
    "SERVER_STATUS_RECORD_STATIC": False,
    "SERVER_STATUS_RECORD_SELF": False,
    "SERVER_STATUS_RECORD_UNMATCHED": False,
    "SERVER_STATUS_FLUSH_INTERVAL_SECONDS": 10.0,
    "SERVER_STATUS_BUFFER_MAX_BUCKETS": 20_000,
    "SERVER_STATUS_SPOOL_DIR": None,
    "SERVER_STATUS_SLO": 99.9,
    "SERVER_STATUS_SLO_OVERRIDES": {},
    "SERVER_STATUS_SLO_MIN_REQUESTS": 10,
    "SERVER_STATUS_LATENCY_OBJECTIVE_MS": None,
    "SERVER_STATUS_LATENCY_OBJECTIVE_PERCENTILE": 95,
    "SERVER_STATUS_INCIDENT_QUIET_SECONDS": 600,
    "SERVER_STATUS_RETENTION_MINUTE_HOURS": 48,
    "SERVER_STATUS_RETENTION_HOUR_DAYS": 30,
    "SERVER_STATUS_RETENTION_DAY_DAYS": 400,
}

#: Keys of the original package that still work, mapped to their prefixed name.
ALIASES: dict[str, str] = {
    "API_ENABLED": "SERVER_STATUS_API_ENABLED",
    "API_SECRET": "SERVER_STATUS_API_SECRET",
}

DEFAULT_FAILURE_STATUSES: frozenset[int] = frozenset(range(500, 600))
PREFIX = "SERVER_STATUS_"
#: Characters an HTTP header value cannot carry: a secret with one could never be sent.
_NOT_IN_HEADER = re.compile("[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Settings:
    """Validated settings of one app. Read-only; built by :func:`read_settings`.

    Attributes used by the web layer: ``url_prefix`` and ``admin_prefix``
    (normalised: leading ``/``, no trailing ``/``), ``base_url`` (``None`` or
    the public ``scheme://host[/path]`` of the app, no trailing ``/``), ``api_enabled``,
    ``api_secret`` (``None`` or the bare token, a leading ``Bearer `` removed;
    never ``None`` when ``api_enabled``),
    ``api_max_body_bytes`` (the largest admin request body accepted),
    ``page_title`` and ``page_refresh_seconds``, ``components`` (``None``:
    one component per route; else the configured ones, see
    :mod:`.components`), ``other_component``, ``show_rules`` (whether URL
    rules appear in public answers), ``page_max_components`` and
    ``page_cache_seconds`` (how long a built summary, status and badge is
    served again, see :mod:`.shared_answers`), ``timezone`` (the zone
    whose calendar days the history, bars and daily uptimes use) and
    ``timezone_name`` (its IANA name), ``routes`` (``None`` or the
    rules to record and show), the objectives (``slo_*``, ``latency_objective_*``;
    ``reports.judgement.objectives_for`` answers one route's), the incident and retention settings.
    """

    database_uri: str | None
    sqlalchemy_bind: str | None
    auto_migrate: bool
    url_prefix: str
    admin_prefix: str
    base_url: str | None
    api_enabled: bool
    api_secret: str | None
    api_max_body_bytes: int
    page_title: str
    page_refresh_seconds: int
    components: tuple[ComponentSpec, ...] | None
    other_component: bool
    show_rules: bool
    page_max_components: int
    #: Whether the Statuspage API v2 answers are served at ``/api/v2/`` of the app too.
    v2_at_root: bool
    page_cache_seconds: float
    timezone: tzinfo
    timezone_name: str
    routes: frozenset[str] | None
    failure_statuses: frozenset[int]
    exclude_prefixes: tuple[str, ...]
    record_static: bool
    record_self: bool
    record_unmatched: bool
    flush_interval_seconds: float
    buffer_max_buckets: int
    #: Folder of the crash spool: ``None`` for the app's instance folder, ``False`` for none.
    spool_dir: str | bool | None
    slo_objective: float
    slo_overrides: tuple[tuple[str, float], ...]
    slo_min_requests: int
    latency_objective_ms: float | None
    latency_objective_percentile: int
    incident_quiet_seconds: int
    retention_minute_hours: int
    retention_hour_days: int
    retention_day_days: int

    def is_failure(self, status: int) -> bool:
        return status in self.failure_statuses


def _lookup(config: Mapping[str, Any], key: str) -> Any:
    if key in config:
        return config[key]
    for alias, target in ALIASES.items():
        if target == key and alias in config:
            return config[alias]
    return DEFAULTS[key]


def _prefix(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip("/ "):
        raise ConfigError(key, f"expected a URL path such as '/status', got {value!r}")
    return "/" + value.strip().strip("/")


def _database_uri(key: str, value: Any) -> str | None:
    uri = optional_str(key, value)
    return None if uri is None else check_database_uri(key, uri)


#: Database backends the storage layer supports (``mariadb`` is SQLAlchemy's name for
#: the MySQL dialect when the server is known to be MariaDB).
SUPPORTED_BACKENDS = ("sqlite", "postgresql", "mysql", "mariadb")
#: The one MySQL / MariaDB driver the storage layer is tested with (the ``mysql`` extra).
MYSQL_DRIVER = "pymysql"


def check_database_uri(key: str, uri: str) -> str:
    """Return ``uri`` if it is a SQLite, PostgreSQL, MySQL or MariaDB URL, else raise
    naming ``key``.

    ``postgres://`` (the form Heroku and others hand out, which SQLAlchemy
    refuses) is returned as ``postgresql://``. ``mysql://`` and ``mariadb://``
    are given the PyMySQL driver (SQLAlchemy's own default, mysqlclient, is
    not the one tested); a MySQL URL naming another driver is refused.
    """
    try:
        url = make_url(uri)
    except ArgumentError as error:
        raise ConfigError(key, f"not a valid database URL: {error}") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "postgres":
        url = url.set(drivername="+".join(filter(None, ("postgresql", driver))))
        return url.render_as_string(hide_password=False)
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigError(
            key, f"unsupported database {backend!r}: use SQLite, PostgreSQL, MySQL or MariaDB"
        )
    if backend in ("mysql", "mariadb"):
        if driver not in ("", MYSQL_DRIVER):
            raise ConfigError(
                key,
                f"unsupported MySQL driver {driver!r}: use {backend}:// or "
                f"{backend}+{MYSQL_DRIVER}:// (install flask-server-status[mysql])",
            )
        url = url.set(drivername=f"{backend}+{MYSQL_DRIVER}")
        return url.render_as_string(hide_password=False)
    return uri


def _zone(key: str, value: Any) -> tuple[tzinfo, str]:
    """The zone named ``value`` and its IANA name.

    ``UTC`` needs no time zone database (it is :data:`datetime.UTC`), so the
    default works on systems without one; any other name does.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            key, f"expected an IANA time zone name such as 'Europe/Madrid', got {value!r}"
        )
    name = value.strip()
    if name == "UTC":
        return UTC, name
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        if not available_timezones():
            raise ConfigError(
                key,
                f"cannot look up {name!r}: this Python finds no time zone database; "
                "install the `tzdata` package (pip install tzdata) or use 'UTC'",
            ) from None
        raise ConfigError(
            key, f"unknown IANA time zone {name!r}: use a name such as 'Europe/Madrid' or 'UTC'"
        ) from None


def _base_url(key: str, value: Any) -> str | None:
    url = optional_str(key, value)
    if url is None:
        return None
    scheme, separator, rest = url.strip().partition("://")
    host = rest.split("/", 1)[0]
    if (
        scheme.lower() not in ("http", "https")
        or not separator
        or not host
        or "?" in url
        or "#" in url
    ):
        raise ConfigError(
            key, f"expected the app's public URL such as 'https://status.example.com', got {url!r}"
        )
    return url.strip().rstrip("/")


def _secret(key: str, value: Any) -> str | None:
    """The bare token; non-ASCII is fine (compared as UTF-8 bytes), control characters not."""
    secret = optional_str(key, value)
    if secret is None:
        return None
    if _NOT_IN_HEADER.search(secret):
        raise ConfigError(
            key, "contains a control character, which no Authorization header can carry"
        )
    try:
        secret.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            key, "is not valid text (a lone surrogate cannot be sent as UTF-8)"
        ) from None
    return configured_token(secret)


def _spool_dir(key: str, value: Any) -> str | bool | None:
    if value is None or value is False:
        return value
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise ConfigError(key, f"expected a folder path, None or False, got {value!r}")
    return str(os.fspath(value))


def _rules(key: str, value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(key, f"expected a list of URL rules, got {value!r}")
    rules = list(value)
    if not all(isinstance(rule, str) and rule.startswith("/") for rule in rules):
        raise ConfigError(key, f"every rule must be a string starting with '/', got {rules!r}")
    return frozenset(rules)


def _statuses(key: str, value: Any) -> frozenset[int]:
    if value is None:
        return DEFAULT_FAILURE_STATUSES
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(key, f"expected a list of HTTP status codes, got {value!r}")
    statuses = list(value)
    if not all(
        isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in statuses
    ):
        raise ConfigError(key, f"every status must be an integer from 100 to 599, got {statuses!r}")
    return frozenset(statuses)


def _prefixes(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(key, f"expected a list of URL path prefixes, got {value!r}")
    return tuple(_prefix(key, item) for item in value)


def check_keys(config: Mapping[str, Any]) -> None:
    """Raise for a ``SERVER_STATUS_*`` key this package does not know, suggesting the closest."""
    for key in config:
        if key in REMOVED:
            raise ConfigError(key, f"this key was removed: {REMOVED[key]}")
        if isinstance(key, str) and key.startswith(PREFIX) and key not in DEFAULTS:
            # Compared without the prefix every key shares, which would make
            # any two keys look alike.
            known = [name.removeprefix(PREFIX) for name in DEFAULTS]
            close = difflib.get_close_matches(key.removeprefix(PREFIX), known, n=1)
            hint = f"; did you mean {PREFIX + close[0]!r}?" if close else ""
            raise ConfigError(key, f"unknown key{hint}")


def read_settings(
    config: Mapping[str, Any],
    *,
    import_name: str,
    routes: Iterable[str] | None = None,
    url_prefix: str | None = None,
) -> Settings:
    """Validate ``config`` (an app's config) into :class:`Settings`.

    ``routes`` and ``url_prefix`` are the :class:`~flask_server_status.FlaskStatus`
    arguments; when given they win over ``SERVER_STATUS_ROUTES`` and
    ``SERVER_STATUS_URL_PREFIX``.
    """

    check_keys(config)

    def get(key: str) -> Any:
        return _lookup(config, key)

    def integer(key: str, minimum: int = 1) -> int:
        value: int = number(key, get(key), minimum=minimum, integer=True)
        return value

    title = optional_str("SERVER_STATUS_PAGE_TITLE", get("SERVER_STATUS_PAGE_TITLE"))
    prefix_key = "url_prefix" if url_prefix is not None else "SERVER_STATUS_URL_PREFIX"
    routes_key = "routes" if routes is not None else "SERVER_STATUS_ROUTES"
    retention_day_days = integer("SERVER_STATUS_RETENTION_DAY_DAYS")
    if retention_day_days < 90:
        raise ConfigError(
            "SERVER_STATUS_RETENTION_DAY_DAYS",
            f"must be at least 90 (the longest uptime window), got {retention_day_days}",
        )
    api_enabled = boolean("SERVER_STATUS_API_ENABLED", get("SERVER_STATUS_API_ENABLED"))
    api_secret = _secret("SERVER_STATUS_API_SECRET", get("SERVER_STATUS_API_SECRET"))
    timezone, timezone_name = _zone("SERVER_STATUS_TIMEZONE", get("SERVER_STATUS_TIMEZONE"))
    other_component = boolean("SERVER_STATUS_OTHER_COMPONENT", get("SERVER_STATUS_OTHER_COMPONENT"))
    if api_enabled and api_secret is None:
        # Without a token every admin request would answer 401: refuse to start.
        raise ConfigError(
            "SERVER_STATUS_API_SECRET",
            "the admin API is enabled (SERVER_STATUS_API_ENABLED / API_ENABLED) but no "
            "bearer token is set: set SERVER_STATUS_API_SECRET (alias API_SECRET)",
        )
    settings = Settings(
        database_uri=_database_uri("SERVER_STATUS_DATABASE_URI", get("SERVER_STATUS_DATABASE_URI")),
        sqlalchemy_bind=optional_str(
            "SERVER_STATUS_SQLALCHEMY_BIND", get("SERVER_STATUS_SQLALCHEMY_BIND")
        ),
        auto_migrate=boolean("SERVER_STATUS_AUTO_MIGRATE", get("SERVER_STATUS_AUTO_MIGRATE")),
        url_prefix=_prefix(
            prefix_key, url_prefix if url_prefix is not None else get("SERVER_STATUS_URL_PREFIX")
        ),
        admin_prefix=_prefix("SERVER_STATUS_ADMIN_PREFIX", get("SERVER_STATUS_ADMIN_PREFIX")),
        base_url=_base_url("SERVER_STATUS_BASE_URL", get("SERVER_STATUS_BASE_URL")),
        api_enabled=api_enabled,
        api_secret=api_secret,
        api_max_body_bytes=integer("SERVER_STATUS_API_MAX_BODY_BYTES", minimum=1024),
        page_title=title if title is not None else import_name,
        page_refresh_seconds=integer("SERVER_STATUS_PAGE_REFRESH_SECONDS"),
        components=parse_components(get("SERVER_STATUS_COMPONENTS"), other=other_component),
        other_component=other_component,
        show_rules=boolean("SERVER_STATUS_SHOW_RULES", get("SERVER_STATUS_SHOW_RULES")),
        page_max_components=integer("SERVER_STATUS_PAGE_MAX_COMPONENTS"),
        v2_at_root=boolean("SERVER_STATUS_V2_AT_ROOT", get("SERVER_STATUS_V2_AT_ROOT")),
        page_cache_seconds=number(
            "SERVER_STATUS_PAGE_CACHE_SECONDS",
            get("SERVER_STATUS_PAGE_CACHE_SECONDS"),
            minimum=0,
            integer=False,
        ),
        timezone=timezone,
        timezone_name=timezone_name,
        routes=_rules(routes_key, routes if routes is not None else get("SERVER_STATUS_ROUTES")),
        failure_statuses=_statuses(
            "SERVER_STATUS_FAILURE_STATUSES", get("SERVER_STATUS_FAILURE_STATUSES")
        ),
        exclude_prefixes=_prefixes(
            "SERVER_STATUS_EXCLUDE_PREFIXES", get("SERVER_STATUS_EXCLUDE_PREFIXES")
        ),
        record_static=boolean("SERVER_STATUS_RECORD_STATIC", get("SERVER_STATUS_RECORD_STATIC")),
        record_self=boolean("SERVER_STATUS_RECORD_SELF", get("SERVER_STATUS_RECORD_SELF")),
        record_unmatched=boolean(
            "SERVER_STATUS_RECORD_UNMATCHED", get("SERVER_STATUS_RECORD_UNMATCHED")
        ),
        flush_interval_seconds=number(
            "SERVER_STATUS_FLUSH_INTERVAL_SECONDS",
            get("SERVER_STATUS_FLUSH_INTERVAL_SECONDS"),
            minimum=0.01,
            integer=False,
        ),
        buffer_max_buckets=integer("SERVER_STATUS_BUFFER_MAX_BUCKETS"),
        spool_dir=_spool_dir("SERVER_STATUS_SPOOL_DIR", get("SERVER_STATUS_SPOOL_DIR")),
        slo_objective=percent("SERVER_STATUS_SLO", get("SERVER_STATUS_SLO")),
        slo_overrides=overrides("SERVER_STATUS_SLO_OVERRIDES", get("SERVER_STATUS_SLO_OVERRIDES")),
        slo_min_requests=integer("SERVER_STATUS_SLO_MIN_REQUESTS"),
        latency_objective_ms=optional_positive(
            "SERVER_STATUS_LATENCY_OBJECTIVE_MS", get("SERVER_STATUS_LATENCY_OBJECTIVE_MS")
        ),
        latency_objective_percentile=percentile_rank(
            "SERVER_STATUS_LATENCY_OBJECTIVE_PERCENTILE",
            get("SERVER_STATUS_LATENCY_OBJECTIVE_PERCENTILE"),
        ),
        incident_quiet_seconds=quiet_seconds(get("SERVER_STATUS_INCIDENT_QUIET_SECONDS")),
        retention_minute_hours=integer("SERVER_STATUS_RETENTION_MINUTE_HOURS", minimum=25),
        retention_hour_days=integer("SERVER_STATUS_RETENTION_HOUR_DAYS", minimum=8),
        retention_day_days=retention_day_days,
    )
    return settings
