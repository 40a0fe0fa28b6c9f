"""Reads ``Z_ENDPOINTS`` (and ``BACKEND_TIMEOUT``) into validated :class:`Settings`.

Every mistake raises :class:`ConfigError` naming the key, at
``init_app`` time. See the package README for each key and its default.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Request

from flask_management_endpoints import config_values as values
from flask_management_endpoints.errors import ConfigError, subkey, z_key
from flask_management_endpoints.exposure import Exposure, read_exposure
from flask_management_endpoints.health.contributors import (
    Contributor,
    check_component_name,
    contributor_from_config,
)
from flask_management_endpoints.health.details import Show
from flask_management_endpoints.health.evaluation import EvaluationSettings
from flask_management_endpoints.health.groups import GroupSpec
from flask_management_endpoints.health.status import DEFAULT_HTTP_MAPPING, DEFAULT_ORDER, Status
from flask_management_endpoints.info.options import InfoOptions, read_info_options

DEFAULT_TIMEOUT = 2.0
#: The built-in indicators, all on by default (``db`` only with a database).
INDICATORS = ("ping", "diskSpace", "memory", "db")
#: Every key ``Z_ENDPOINTS`` may hold; the last four are read by ``/info``.
KNOWN_KEYS = (
    "service_dependencies",
    "check_functions",
    "version_function",
    "groups",
    "show_components",
    "show_details",
    "auth_token",
    "authorize",
    "status_order",
    "http_mapping",
    "deadline",
    "probe_deadline",
    "max_workers",
    "success_ttl",
    "failure_ttl",
    "service_id",
    "max_hops",
    "handle_sigterm",
    "drain_seconds",
    "startup_declared",
    "max_waiting_evaluations",
    "indicators",
    "info",
    "kubernetes",
    "trace",
    "enable_service_instance_id",
    "exposure",
    "access",
    "loggers_dir",
)
#: Component names of the availability state, which checks cannot replace.
RESERVED_NAMES = ("livenessState", "readinessState", "startupState")


@dataclass(frozen=True)
class Settings:
    """The whole validated configuration of one app, parsed once per configuration."""

    dependencies: Mapping[str, str] = field(default_factory=dict)
    checks: Mapping[str, Contributor] = field(default_factory=dict)
    check_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    status_order: tuple[str, ...] = DEFAULT_ORDER
    http_mapping: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_HTTP_MAPPING))
    show_components: Show = Show.ALWAYS
    show_details: Show = Show.NEVER
    groups: Mapping[str, GroupSpec] = field(default_factory=dict)
    auth_token: str | None = None
    authorize: Callable[[Request], bool] | None = None
    service_id: str | None = None
    max_hops: int = 2
    probe_deadline: float = 0.8
    handle_sigterm: bool = False
    drain_seconds: float = 5.0
    #: The startup group waits for ``availability(app).startup = STARTED``.
    startup_declared: bool = False
    #: Full ``/health`` evaluations per process that may wait for running checks.
    max_waiting_evaluations: int = 2
    #: Built-in indicators that are on, with the options for their factory.
    indicators: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: {name: {} for name in INDICATORS}
    )
    #: ``/info``: the ``info``, ``kubernetes``, ``trace`` and ``enable_service_instance_id`` keys.
    info: InfoOptions = field(default_factory=InfoOptions)
    #: ``exposure`` and ``access``: which endpoints answer, and to whom.
    exposure: Exposure = field(default_factory=Exposure)
    #: Where the workers share logger levels set at runtime (default: the temp dir).
    loggers_dir: str | None = None


def read_settings(app_config: Mapping[str, Any]) -> Settings:
    """Parse and validate the management endpoints' configuration of one app.

    Raises :class:`ConfigError` naming the key at fault.
    """
    raw = app_config.get("Z_ENDPOINTS") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError("Z_ENDPOINTS", f"expected a dict, got {type(raw).__name__}")
    _check_keys(raw)
    timeout = _backend_timeout(app_config.get("BACKEND_TIMEOUT", DEFAULT_TIMEOUT))
    checks, check_groups = _checks(raw.get("check_functions") or {})
    # Checked here, read by version.py on each call (a later change is seen).
    values.optional_callable(z_key("version_function"), raw.get("version_function"))

    def get(name: str, default: object = None) -> tuple[str, object]:
        return z_key(name), raw.get(name, default)

    settings = Settings(
        dependencies=_dependencies(raw.get("service_dependencies") or {}),
        checks=checks,
        check_groups=check_groups,
        evaluation=EvaluationSettings(
            max_workers=values.positive_int(*get("max_workers", 16)),
            timeout=timeout,
            deadline=values.seconds(*get("deadline", timeout)),
            success_ttl=values.seconds(*get("success_ttl", 1.0), zero=True),
            failure_ttl=values.seconds(*get("failure_ttl", 1.0), zero=True),
        ),
        probe_deadline=values.seconds(*get("probe_deadline", 0.8)),
        status_order=_status_order(raw.get("status_order", DEFAULT_ORDER)),
        http_mapping=_http_mapping(raw.get("http_mapping")),
        show_components=values.show(*get("show_components", "always")),
        show_details=values.show(*get("show_details", "never")),
        groups=_groups(raw.get("groups") or {}),
        auth_token=values.optional_str(*get("auth_token")),
        authorize=values.optional_callable(*get("authorize")),
        service_id=values.optional_str(*get("service_id")),
        max_hops=values.positive_int(*get("max_hops", 2)),
        handle_sigterm=values.boolean(*get("handle_sigterm", False)),
        drain_seconds=values.seconds(*get("drain_seconds", 5.0), zero=True),
        startup_declared=values.boolean(*get("startup_declared", False)),
        max_waiting_evaluations=values.positive_int(*get("max_waiting_evaluations", 2)),
        indicators=_indicators(raw.get("indicators") or {}),
        info=read_info_options(raw),
        exposure=read_exposure(raw.get("exposure"), raw.get("access")),
        loggers_dir=values.optional_str(*get("loggers_dir")),
    )
    _check_authorization_is_possible(settings)
    return settings


def _check_keys(raw: Mapping[str, Any]) -> None:
    for key in raw:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(z_key(key), f"unknown key{hint}")


def _backend_timeout(raw: object) -> float:
    """Seconds, or a requests-style ``(connect, read)`` pair: the check may take their sum."""
    if isinstance(raw, tuple | list) and len(raw) == 2:
        return sum(
            values.seconds(subkey("BACKEND_TIMEOUT", index), part) for index, part in enumerate(raw)
        )
    return values.seconds("BACKEND_TIMEOUT", raw)


def _check_authorization_is_possible(settings: Settings) -> None:
    """``when_authorized`` without a token or a callback could never show anything."""
    if settings.auth_token or settings.authorize:
        return
    policies: dict[str, Show | None] = {
        z_key("show_components"): settings.show_components,
        z_key("show_details"): settings.show_details,
    }
    for name, spec in settings.groups.items():
        group_key = subkey(z_key("groups"), name)
        policies[subkey(group_key, "show_components")] = spec.show_components
        policies[subkey(group_key, "show_details")] = spec.show_details
    keys = [key for key, show in policies.items() if show is Show.WHEN_AUTHORIZED]
    keys += [z_key("access", name) for name in settings.exposure.needs_authorization()]
    if keys:
        raise ConfigError(
            keys[0], 'is "when_authorized" but neither auth_token nor authorize is set'
        )


def _indicators(raw: object) -> dict[str, Mapping[str, Any]]:
    """``indicators``: ``{name: True | False | {factory options}}``, default all on."""
    key = z_key("indicators")
    if not isinstance(raw, Mapping):
        raise ConfigError(key, f"expected a dict of indicator names, got {raw!r}")
    unknown = sorted(set(raw) - set(INDICATORS))
    if unknown:
        raise ConfigError(key, f"unknown indicator(s) {unknown}; known: {list(INDICATORS)}")
    enabled: dict[str, Mapping[str, Any]] = {}
    for name in INDICATORS:
        value = raw.get(name, True)
        if isinstance(value, Mapping):
            enabled[name] = dict(value)
        elif value is True:
            enabled[name] = {}
        elif value is not False:
            raise ConfigError(
                subkey(key, name), f"expected true, false or a dict of options, got {value!r}"
            )
    return enabled


def _checks(raw: object) -> tuple[dict[str, Contributor], dict[str, tuple[str, ...]]]:
    """``check_functions``: ``{group: {name: check or {name: check, ...}}}``.

    Every check is a component of ``/z/health``; the outer key also makes it
    a member of that group (``readiness``, ``liveness`` or a custom one;
    ``health`` means the root only).
    """
    key = z_key("check_functions")
    if not isinstance(raw, Mapping):
        raise ConfigError(key, f"expected a dict of groups, got {type(raw).__name__}")
    checks: dict[str, Contributor] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for group, members in raw.items():
        group_key = subkey(key, group)
        check_component_name(group_key, group)
        if not isinstance(members, Mapping):
            raise ConfigError(group_key, "expected a dict of check names to functions")
        for name, function in members.items():
            check_component_name(group_key, name)
            if name in checks or name in RESERVED_NAMES:
                raise ConfigError(
                    subkey(group_key, name), "a check or built-in component has this name"
                )
            checks[name] = contributor_from_config(subkey(group_key, name), function, name)
        if group != "health":
            groups[group] = tuple(members)
    return checks, groups


def _dependencies(raw: object) -> dict[str, str]:
    key = z_key("service_dependencies")
    if not isinstance(raw, Mapping):
        raise ConfigError(key, f"expected a dict of names to hosts, got {type(raw).__name__}")
    for name, target in raw.items():
        check_component_name(key, name)
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(
                subkey(key, name), f"expected a host, host:port, host/path or URL: {target!r}"
            )
    return dict(raw)


def _groups(raw: object) -> dict[str, GroupSpec]:
    key = z_key("groups")
    if not isinstance(raw, Mapping):
        raise ConfigError(key, f"expected a dict of group names, got {type(raw).__name__}")
    specs: dict[str, GroupSpec] = {}
    for name, spec in raw.items():
        group_key = subkey(key, name)
        check_component_name(key, name)
        if not isinstance(spec, Mapping):
            raise ConfigError(group_key, "expected a dict with include/exclude")
        unknown = sorted(set(spec) - {"include", "exclude", "show_components", "show_details"})
        if unknown:
            raise ConfigError(group_key, f"unknown option(s) {unknown}")
        specs[name] = GroupSpec(
            include=_names(f'{group_key}["include"]', spec.get("include", ())),
            exclude=_names(f'{group_key}["exclude"]', spec.get("exclude", ())),
            show_components=_optional_show(group_key, spec, "show_components"),
            show_details=_optional_show(group_key, spec, "show_details"),
        )
    return specs


def _names(key: str, raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple) or not all(isinstance(n, str) and n for n in raw):
        raise ConfigError(key, f"expected a list of component names, got {raw!r}")
    return tuple(raw)


def _status_order(raw: object) -> tuple[str, ...]:
    key = z_key("status_order")
    if not isinstance(raw, list | tuple) or not raw:
        raise ConfigError(key, f"expected a non-empty list of status codes, got {raw!r}")
    try:
        return tuple(Status(code) for code in raw)
    except ValueError as error:
        raise ConfigError(key, str(error)) from error


def _http_mapping(raw: object) -> dict[str, int]:
    key = z_key("http_mapping")
    mapping = dict(DEFAULT_HTTP_MAPPING)
    if raw is None:
        return mapping
    if not isinstance(raw, Mapping):
        raise ConfigError(key, f"expected a dict of status code to HTTP status, got {raw!r}")
    for status, code in raw.items():
        if not isinstance(status, str) or not isinstance(code, int) or not 100 <= code <= 599:
            raise ConfigError(subkey(key, status), f"expected an HTTP status, got {code!r}")
        mapping[status] = code
    return mapping


def _optional_show(group_key: str, spec: Mapping[str, Any], name: str) -> Show | None:
    return values.show(subkey(group_key, name), spec[name]) if name in spec else None
