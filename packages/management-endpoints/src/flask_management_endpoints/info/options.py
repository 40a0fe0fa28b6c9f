"""The ``/info`` options of ``Z_ENDPOINTS``, parsed and validated.

Every mistake raises :class:`ConfigurationError` naming the offending key,
e.g. ``Z_ENDPOINTS["info"]["contributors"][2]: unknown contributor 'gti'``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_management_endpoints.errors import ConfigurationError

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

_ROOT = 'Z_ENDPOINTS["{}"]'


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


def parse_options(z_endpoints: Mapping[str, Any] | None) -> InfoOptions:
    """Read the info, kubernetes and trace options out of ``Z_ENDPOINTS``.

    Unset keys take their defaults; see the README for each key.
    """
    config = _mapping(z_endpoints or {}, "Z_ENDPOINTS")
    info = _mapping(config.get("info", {}), _ROOT.format("info"))

    def key(name: str) -> str:
        return f'{_ROOT.format("info")}["{name}"]'

    return InfoOptions(
        contributors=_contributors(info.get("contributors", BUILTIN_CONTRIBUTORS), key),
        app=_mapping(info.get("app", {}), key("app")),
        build=_mapping(info.get("build", {}), key("build")),
        build_file=_optional_str(info.get("build_file"), key("build_file")),
        git=_mapping(info.get("git", {}), key("git")),
        git_dir=_optional_str(info.get("git_dir"), key("git_dir")),
        custom=_custom(info.get("custom", {}), key("custom")),
        secret_keys=DEFAULT_SECRET_KEYS
        + tuple(k.lower() for k in _strings(info.get("secret_keys", ()), key("secret_keys"))),
        enable_service_instance_id=_bool(
            config.get("enable_service_instance_id", False),
            _ROOT.format("enable_service_instance_id"),
        ),
        kubernetes=_kubernetes(config.get("kubernetes", {})),
        trace=_trace(config.get("trace", {})),
    )


def _kubernetes(raw: object) -> KubernetesOptions:
    root = _ROOT.format("kubernetes")
    config = _mapping(raw, root)
    podinfo_dir = _optional_str(config.get("podinfo_dir"), f'{root}["podinfo_dir"]')
    env = _mapping(config.get("env", {}), f'{root}["env"]')
    for name, variable in env.items():
        if name not in DEFAULT_KUBERNETES_ENV:
            known = ", ".join(DEFAULT_KUBERNETES_ENV)
            raise ConfigurationError(f'{root}["env"]', f"unknown field {name!r} (known: {known})")
        if not isinstance(variable, str) or not variable:
            raise ConfigurationError(
                f'{root}["env"]["{name}"]', "must be an environment variable name"
            )
    return KubernetesOptions(
        podinfo_dir=KubernetesOptions.podinfo_dir if podinfo_dir is None else podinfo_dir,
        env={**DEFAULT_KUBERNETES_ENV, **env},
    )


def _trace(raw: object) -> TraceOptions:
    root = _ROOT.format("trace")
    config = _mapping(raw, root)
    return TraceOptions(
        enabled=_bool(config.get("enabled", True), f'{root}["enabled"]'),
        service_name=_optional_str(config.get("service_name"), f'{root}["service_name"]'),
        attributes=_mapping(config.get("attributes", {}), f'{root}["attributes"]'),
    )


def _contributors(raw: object, key: Callable[[str], str]) -> tuple[str, ...]:
    names = _strings(raw, key("contributors"))
    for index, name in enumerate(names):
        if name not in BUILTIN_CONTRIBUTORS:
            known = ", ".join(BUILTIN_CONTRIBUTORS)
            raise ConfigurationError(
                f"{key('contributors')}[{index}]", f"unknown contributor {name!r} (known: {known})"
            )
    return names


def _custom(raw: object, key: str) -> dict[str, InfoContributor]:
    contributors = _mapping(raw, key)
    for name, contributor in contributors.items():
        if not isinstance(name, str) or not name:
            raise ConfigurationError(key, f"contributor names must be non-empty strings: {name!r}")
        if not callable(contributor):
            raise ConfigurationError(f'{key}["{name}"]', "must be a callable returning a mapping")
    return dict(contributors)


def _mapping(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigurationError(key, f"must be a mapping, not {type(value).__name__}")
    return value


def _strings(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigurationError(key, f"must be a list of strings, not {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise ConfigurationError(f"{key}[{index}]", f"must be a non-empty string: {item!r}")
    return tuple(value)


def _optional_str(value: object, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ConfigurationError(key, f"must be a string, not {type(value).__name__}")


def _bool(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigurationError(key, f"must be true or false, not {value!r}")
