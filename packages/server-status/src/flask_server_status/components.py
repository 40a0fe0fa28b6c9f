"""Components: the public unit of the page, each made of routes.

``SERVER_STATUS_COMPONENTS`` lists components in order; each selects routes
by endpoint, blueprint or URL rule (exact names or ``fnmatch`` patterns,
case-sensitive) and a route belongs to the first component that selects it.
Without the key every shown route is its own component (id ``route-<route
id>``, named as the route). With it, routes no component selects are hidden
from the public, or shown together as :data:`OTHER_ID` when
``SERVER_STATUS_OTHER_COMPONENT`` is on.

:func:`parse_components` checks the setting (a :class:`ConfigError` names the
key, the entry and the fix); :func:`resolve` turns the parsed specs and the
route rows into :class:`Component` objects. Both are pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from .config_values import ConfigError

KEY = "SERVER_STATUS_COMPONENTS"
#: The component of the routes no configured component selects.
OTHER_ID = "other"
OTHER_NAME = "Other"
#: Prefix of the ids of the default components, one per route.
ROUTE_ID_PREFIX = "route-"
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
MAX_NAME = 100
SELECTORS = ("endpoints", "blueprints", "rules")
_ENTRY_KEYS = frozenset({"id", "name", "description", "group", *SELECTORS})


@dataclass(frozen=True)
class ComponentSpec:
    """One configured component: who it is and which routes it selects."""

    id: str
    name: str
    description: str
    group: str | None
    endpoints: tuple[str, ...] = ()
    blueprints: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    def selects(self, rule: str, endpoint: str) -> bool:
        """Whether the route with ``rule`` and ``endpoint`` is one of this component's."""
        blueprints = blueprints_of(endpoint)
        return (
            any(fnmatchcase(endpoint, pattern) for pattern in self.endpoints)
            or any(fnmatchcase(name, p) for p in self.blueprints for name in blueprints)
            or any(fnmatchcase(rule, pattern) for pattern in self.rules)
        )


@dataclass(frozen=True)
class Component:
    """A component as the public sees it, with the ids of its member routes."""

    id: str
    name: str
    description: str
    group: str | None
    route_ids: tuple[int, ...]


def blueprints_of(endpoint: str) -> list[str]:
    """The blueprint of an endpoint and the blueprints it is nested in.

    ``"shop.cart.checkout"`` is in ``"shop.cart"`` and ``"shop"``; an
    endpoint without a dot is in none.
    """
    parts = endpoint.split(".")[:-1]
    return [".".join(parts[:length]) for length in range(len(parts), 0, -1)]


def slug(text: str) -> str:
    """Lower-case letters and digits of ``text``, runs of anything else as one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].rstrip("-")


def _text(entry_key: str, entry: Mapping[str, Any], field: str, *, required: bool) -> str | None:
    value = entry.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(entry_key, f"{field!r} must be a non-empty string, got {value!r}")
    if field != "description" and len(value) > MAX_NAME:
        raise ConfigError(
            entry_key, f"{field!r} has {len(value)} characters: shorten it to {MAX_NAME} at most"
        )
    return value.strip()


def _patterns(entry_key: str, entry: Mapping[str, Any], field: str) -> tuple[str, ...]:
    value = entry.get(field, ())
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(
            entry_key, f"{field!r} must be a list of names or patterns, e.g. [{value!r}]"
        )
    patterns = tuple(value)
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(entry_key, f"every item of {field!r} must be a non-empty string")
        if field == "rules" and not pattern.startswith(("/", "*", "<")):
            raise ConfigError(
                entry_key, f"the rule {pattern!r} must start with '/', as URL rules do"
            )
    return patterns


def _spec(index: int, entry: Any) -> ComponentSpec:
    entry_key = f"{KEY}[{index}]"
    if not isinstance(entry, Mapping):
        raise ConfigError(
            entry_key,
            f'expected a mapping such as {{"name": "Checkout", "endpoints": [...]}}, got {entry!r}',
        )
    unknown = sorted(str(field) for field in entry if field not in _ENTRY_KEYS)
    if unknown:
        raise ConfigError(
            entry_key, f"unknown field {unknown[0]!r}: use {', '.join(sorted(_ENTRY_KEYS))}"
        )
    name = _text(entry_key, entry, "name", required=True) or ""
    given_id = entry.get("id")
    component_id = slug(name) if given_id is None else given_id
    if not isinstance(component_id, str) or not ID_PATTERN.fullmatch(component_id):
        fix = (
            "set 'id' to lower-case letters, digits and '-' (at most 63, e.g. 'checkout')"
            if given_id is not None
            else f"the name {name!r} gives no id: set 'id', e.g. 'checkout'"
        )
        raise ConfigError(entry_key, f"invalid id {component_id!r}: {fix}")
    selectors = {field: _patterns(entry_key, entry, field) for field in SELECTORS}
    if not any(selectors.values()):
        raise ConfigError(
            entry_key,
            f"{name!r} selects no route: give 'endpoints', 'blueprints' or 'rules' "
            "(names or patterns such as 'cart.*')",
        )
    return ComponentSpec(
        id=component_id,
        name=name,
        description=_text(entry_key, entry, "description", required=False) or "",
        group=_text(entry_key, entry, "group", required=False),
        **selectors,
    )


def parse_components(value: Any, *, other: bool) -> tuple[ComponentSpec, ...] | None:
    """``SERVER_STATUS_COMPONENTS`` checked: ``None`` (one component per route) or the specs.

    ``other`` is ``SERVER_STATUS_OTHER_COMPONENT``: with it the id ``other`` is taken.
    """
    if value is None:
        return None
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise ConfigError(
            KEY,
            f'expected a list of components such as [{{"name": "Checkout", ...}}], got {value!r}',
        )
    specs = tuple(_spec(index, entry) for index, entry in enumerate(value))
    seen: dict[str, int] = {}
    for index, spec in enumerate(specs):
        if spec.id in seen:
            raise ConfigError(
                f"{KEY}[{index}]",
                f"the id {spec.id!r} is already used by {KEY}[{seen[spec.id]}]: "
                "give each component its own 'id'",
            )
        if other and spec.id == OTHER_ID:
            raise ConfigError(
                f"{KEY}[{index}]",
                "the id 'other' is the component of SERVER_STATUS_OTHER_COMPONENT: choose another",
            )
        seen[spec.id] = index
    return specs


def resolve(
    specs: Sequence[ComponentSpec] | None,
    routes: Iterable[Mapping[Any, Any]],
    *,
    other: bool,
) -> list[Component]:
    """The public components of ``routes`` (rows of id, rule, endpoint, name and doc).

    Configured components keep their order and are listed even without
    routes yet; ``other`` (when on and not empty) comes last. Without specs,
    one component per route in the routes' order.
    """
    rows = list(routes)
    if specs is None:
        return [
            Component(
                f"{ROUTE_ID_PREFIX}{row['id']}", row["name"], row["doc"] or "", None, (row["id"],)
            )
            for row in rows
        ]
    members: dict[str, list[int]] = {spec.id: [] for spec in specs}
    rest: list[int] = []
    for row in rows:
        owner = next(
            (spec for spec in specs if spec.selects(row["rule"], row["endpoint"] or "")), None
        )
        (members[owner.id] if owner is not None else rest).append(row["id"])
    found = [
        Component(spec.id, spec.name, spec.description, spec.group, tuple(members[spec.id]))
        for spec in specs
    ]
    if other and rest:
        found.append(Component(OTHER_ID, OTHER_NAME, "", None, tuple(rest)))
    return found
