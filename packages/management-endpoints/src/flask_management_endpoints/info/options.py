"""The ``/info`` options of ``Z_ENDPOINTS``, parsed and validated.

Every mistake raises :class:`~flask_management_endpoints.errors.ConfigError`
naming the offending key, e.g.
``Z_ENDPOINTS["info"]["contributors"][2]: unknown contributor 'gti'``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_management_endpoints import config_values as values
from flask_management_endpoints.errors import ConfigError, subkey, z_key
from flask_management_endpoints.health.details import Show

#: A custom info contributor: returns the mapping shown under its name.
InfoContributor = Callable[[], Mapping[str, Any]]

#: The built-in contributors, in the order they appear in ``/info``.
BUILTIN_CONTRIBUTORS: tuple[str, ...] = (
    "app",
    "build",
    "git",
    "os",
    "python",
    "process",
    "kubernetes",
)

#: Key fragments whose values are masked (case-insensitive substring match).
DEFAULT_SECRET_KEYS: tuple[str, ...] = ("password", "secret", "token", "key", "credential")

#: Downward API fields: the environment variable read by default for each.
#: A file of the same name in the pod info directory is read when the
#: variable is unset.
DEFAULT_KUBERNETES_ENV: Mapping[str, str] = {
    "pod_name": "POD_NAME",
    "namespace": "POD_NAMESPACE",
    "pod_uid": "POD_UID",
    "pod_ip": "POD_IP",
    "node_name": "NODE_NAME",
    "service_account": "POD_SERVICE_ACCOUNT",
    "container_name": "CONTAINER_NAME",
}


@dataclass(frozen=True)
class KubernetesOptions:
    podinfo_dir: str = "/etc/podinfo"
    env: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_KUBERNETES_ENV))


@dataclass(frozen=True)
class TraceOptions:
    enabled: bool = True
    service_name: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InfoOptions:
    contributors: tuple[str, ...] = BUILTIN_CONTRIBUTORS
    app: Mapping[str, Any] = field(default_factory=dict)
    build: Mapping[str, Any] = field(default_factory=dict)
    build_file: str | None = None
    git: Mapping[str, Any] = field(default_factory=dict)
    git_dir: str | None = None
    custom: Mapping[str, InfoContributor] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = DEFAULT_SECRET_KEYS
    enable_service_instance_id: bool = False
    kubernetes: KubernetesOptions = field(default_factory=KubernetesOptions)
    trace: TraceOptions = field(default_factory=TraceOptions)
    #: Who sees the host's identity (see :mod:`~flask_management_endpoints.info.host`).
    host_details: Show = Show.WHEN_AUTHORIZED


def read_info_options(z_endpoints: Mapping[str, Any]) -> InfoOptions:
    """Read the info, kubernetes and trace options out of ``Z_ENDPOINTS``.

    Part of :func:`flask_management_endpoints.config.read_settings`; unset
    keys take their defaults (see the README for each key).
    """
    info = values.mapping(z_key("info"), z_endpoints.get("info", {}))

    def get(name: str, default: object = None) -> tuple[str, object]:
        return z_key("info", name), info.get(name, default)

    return InfoOptions(
        contributors=_contributors(*get("contributors", BUILTIN_CONTRIBUTORS)),
        app=values.mapping(*get("app", {})),
        build=values.mapping(*get("build", {})),
        build_file=values.optional_str(*get("build_file")),
        git=values.mapping(*get("git", {})),
        git_dir=values.optional_str(*get("git_dir")),
        custom=values.callables(*get("custom", {}), check=_check_custom_name),
        secret_keys=DEFAULT_SECRET_KEYS
        + tuple(k.lower() for k in values.strings(*get("secret_keys", ()))),
        enable_service_instance_id=values.boolean(
            z_key("enable_service_instance_id"),
            z_endpoints.get("enable_service_instance_id", False),
        ),
        kubernetes=_kubernetes(z_endpoints.get("kubernetes", {})),
        trace=_trace(z_endpoints.get("trace", {})),
        host_details=values.show(*get("host_details", "when_authorized")),
    )


def _kubernetes(raw: object) -> KubernetesOptions:
    config = values.mapping(z_key("kubernetes"), raw)
    podinfo_dir = values.optional_str(z_key("kubernetes", "podinfo_dir"), config.get("podinfo_dir"))
    env_key = z_key("kubernetes", "env")
    env = values.mapping(env_key, config.get("env", {}))
    for name, variable in env.items():
        if name not in DEFAULT_KUBERNETES_ENV:
            known = ", ".join(DEFAULT_KUBERNETES_ENV)
            raise ConfigError(env_key, f"unknown field {name!r} (known: {known})")
        if not isinstance(variable, str) or not variable:
            raise ConfigError(subkey(env_key, name), "must be an environment variable name")
    return KubernetesOptions(
        podinfo_dir=KubernetesOptions.podinfo_dir if podinfo_dir is None else podinfo_dir,
        env={**DEFAULT_KUBERNETES_ENV, **env},
    )


def _trace(raw: object) -> TraceOptions:
    config = values.mapping(z_key("trace"), raw)
    return TraceOptions(
        enabled=values.boolean(z_key("trace", "enabled"), config.get("enabled", True)),
        service_name=values.optional_str(
            z_key("trace", "service_name"), config.get("service_name")
        ),
        attributes=values.mapping(z_key("trace", "attributes"), config.get("attributes", {})),
    )


def _contributors(key: str, raw: object) -> tuple[str, ...]:
    names = values.strings(key, raw, what="contributor names")
    for index, name in enumerate(names):
        if name not in BUILTIN_CONTRIBUTORS:
            known = ", ".join(BUILTIN_CONTRIBUTORS)
            raise ConfigError(subkey(key, index), f"unknown contributor {name!r} (known: {known})")
    return names


def _check_custom_name(key: str, name: object) -> None:
    if not isinstance(name, str) or not name:
        raise ConfigError(key, f"contributor names must be non-empty strings: {name!r}")
