"""Health groups: named subsets of the root's components with their own policy.

``liveness`` (in-process state only), ``readiness`` (readiness state plus
readiness checks), ``startup`` (start-up state plus start-up checks) and
``ping`` always exist; the configuration may add
members to them and define further groups with ``include`` / ``exclude``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_management_endpoints.errors import ConfigError, subkey
from flask_management_endpoints.health.details import Show

PROBE_GROUPS = ("liveness", "readiness", "ping", "startup")


@dataclass(frozen=True)
class GroupSpec:
    """A group as configured, before its names are checked against the components."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    show_components: Show | None = None
    show_details: Show | None = None


@dataclass(frozen=True)
class Group:
    name: str
    members: tuple[str, ...]
    show_components: Show
    show_details: Show


def build_groups(
    specs: Mapping[str, GroupSpec],
    defaults: Mapping[str, Iterable[str]],
    components: Iterable[str],
    remote: Iterable[str],
    *,
    show_components: Show,
    show_details: Show,
) -> dict[str, Group]:
    """Resolve every group's members against the root's component names.

    ``defaults`` gives the built-in groups' own members; a spec's
    ``include`` adds to them (``"*"`` means every component) and ``exclude``
    removes. Probe groups hide their components unless configured otherwise.
    A group's path takes precedence over a component of the same name (the
    ``ping`` group holds the ``ping`` component).
    Unknown names, and remote checks in ``liveness``, raise
    :class:`ConfigError`.
    """
    known = set(components)
    remote_names = set(remote)
    groups: dict[str, Group] = {}
    for name in sorted(set(defaults) | set(specs)):
        spec = specs.get(name, GroupSpec())
        key = subkey('Z_ENDPOINTS["groups"]', name)
        if name not in defaults and not spec.include:
            raise ConfigError(f'{key}["include"]', "a group needs at least one member")
        for field, names in (("include", spec.include), ("exclude", spec.exclude)):
            unknown = sorted(set(names) - known - {"*"})
            if unknown:
                raise ConfigError(
                    subkey(key, field),
                    f"unknown component(s) {', '.join(map(repr, unknown))}; "
                    f"known: {', '.join(sorted(known))}",
                )
        included = known if "*" in spec.include else set(spec.include)
        members = (set(defaults.get(name, ())) | included) - set(spec.exclude)
        if name == "liveness" and members & remote_names:
            raise ConfigError(
                f'{key}["include"]',
                "liveness must only check the process itself, not other services: "
                + ", ".join(sorted(members & remote_names)),
            )
        probe = name in PROBE_GROUPS
        groups[name] = Group(
            name=name,
            members=tuple(sorted(members)),
            show_components=spec.show_components or (Show.NEVER if probe else show_components),
            show_details=spec.show_details or (Show.NEVER if probe else show_details),
        )
    return groups
