"""Contributors: the checks and composites that make up the health tree.

A :class:`Check` wraps one zero-argument callable. A :class:`Composite`
groups named contributors; composites nest. The root of ``/z/health`` is a
composite too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_management_endpoints.errors import ConfigError, subkey
from flask_management_endpoints.health.health import Health

CheckFunction = Callable[[], "Health | bool"]


@dataclass(frozen=True, eq=False)
class Check:
    """One check.

    ``in_process`` marks a cheap check without I/O (availability state,
    ping): it runs in the request thread, uncached. ``remote`` marks a call
    to another service, skipped when the dependency chain is too long.
    ``name`` is for log messages. ``details`` are facts about the check
    itself (a dependency's URL) that its answer carries, and that are shown
    also when it does not answer in time. Checks compare by identity; the
    evaluator caches results per check.
    """

    function: CheckFunction
    in_process: bool = False
    remote: bool = False
    name: str = ""
    details: Mapping[str, object] = field(default_factory=dict)
    #: The result depends on the availability state alone (the state checks, ping).
    static: bool = False

    def run(self) -> Health:
        """Run the function; a raised error becomes DOWN with its type and message."""
        try:
            return Health.of(self.function())
        except Exception as error:  # a failing check is a DOWN status, never a 500
            return Health.from_exception(error)


@dataclass(frozen=True, eq=False)
class Composite:
    """Named contributors evaluated and aggregated together, kept in name order."""

    members: Mapping[str, Contributor]

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", dict(sorted(self.members.items())))


Contributor = Check | Composite


def all_in_process(contributor: Contributor) -> bool:
    """True when every check in ``contributor`` is ``in_process``."""
    if isinstance(contributor, Composite):
        return all(all_in_process(member) for member in contributor.members.values())
    return contributor.in_process


def all_static(contributor: Contributor) -> bool:
    """True when every check in ``contributor`` answers from the availability state alone."""
    if isinstance(contributor, Composite):
        return all(all_static(member) for member in contributor.members.values())
    return contributor.static


def check_component_name(key: str, name: object) -> None:
    """Names appear in URL paths: non-empty, at most 128 characters, no ``/``."""
    if not isinstance(name, str) or not name or len(name) > 128 or "/" in name:
        raise ConfigError(key, f"component names must be 1-128 characters without '/': {name!r}")


def contributor_from_config(key: str, value: object, name: str = "") -> Contributor:
    """Build a contributor from a ``check_functions`` entry.

    A callable becomes a :class:`Check`; a mapping of names to callables (or
    further mappings) becomes a :class:`Composite`.
    """
    if isinstance(value, Check | Composite):
        return value
    if callable(value):
        return Check(value, name=name)
    if isinstance(value, Mapping) and value:
        members: dict[str, Contributor] = {}
        for member_name, member in value.items():
            check_component_name(key, member_name)
            members[member_name] = contributor_from_config(
                subkey(key, member_name), member, f"{name}/{member_name}" if name else member_name
            )
        return Composite(members)
    raise ConfigError(
        key, f"expected a callable or a non-empty mapping of checks, got {type(value).__name__}"
    )
