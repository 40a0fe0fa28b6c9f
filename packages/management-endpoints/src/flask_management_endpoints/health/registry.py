"""The health tree of one app: root components, groups and path lookup."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_management_endpoints.health.contributors import (
    Check,
    Composite,
    Contributor,
    all_in_process,
)
from flask_management_endpoints.health.details import Show
from flask_management_endpoints.health.groups import Group

MAX_NAME_LENGTH = 128


@dataclass(frozen=True)
class Target:
    """What a ``/health[/...]`` path names, with the policy that applies to it.

    ``nested`` is true below the root or a group, where the path itself
    reveals a component and so requires components to be visible.
    ``in_process`` is true when every check below is in-process (liveness,
    ping): the answer needs no pool, no cache and no dependency chain.
    ``group`` names the group the path starts with, if any.
    """

    contributor: Contributor
    show_components: Show
    show_details: Show
    nested: bool = False
    groups: tuple[str, ...] = ()
    group: str | None = None
    in_process: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "in_process", all_in_process(self.contributor))


class Registry:
    """Root components and groups; ``group_members`` replace or add members per group.

    A dependency included in ``readiness`` is asked for its own readiness
    (``.../readiness``) rather than its full health, which is what
    ``group_members["readiness"]`` holds; ``startupState`` is a member of
    ``startup`` only, not a component of the root.
    """

    def __init__(
        self,
        components: Mapping[str, Contributor],
        groups: Mapping[str, Group],
        *,
        show_components: Show,
        show_details: Show,
        group_members: Mapping[str, Mapping[str, Check]] | None = None,
    ) -> None:
        self.root = Composite(dict(components))
        self.groups = dict(groups)
        variants = group_members or {}
        self._group_roots = {
            name: Composite(
                {
                    member: {**components, **variants.get(name, {})}[member]
                    for member in group.members
                }
            )
            for name, group in self.groups.items()
        }
        self._root_target = Target(
            self.root, show_components, show_details, groups=tuple(sorted(self.groups))
        )
        # Found targets only, so the cache is bounded by the tree's size.
        self._found: dict[str, Target] = {"": self._root_target}

    def resolve(self, path: str) -> Target | None:
        """The target of ``path`` (``""`` is the root), or None when nothing has that name."""
        path = path.strip("/")
        target = self._found.get(path)
        if target is None:
            target = self._lookup(path)
            if target is not None:
                self._found[path] = target
        return target

    def _lookup(self, path: str) -> Target | None:
        names = path.split("/")
        if any(not name or len(name) > MAX_NAME_LENGTH for name in names):
            return None
        first, rest = names[0], names[1:]
        group = self.groups.get(first)
        if group is not None:
            start: Contributor = self._group_roots[first]
            policy = (group.show_components, group.show_details)
        else:
            start, rest = self.root, names
            policy = (self._root_target.show_components, self._root_target.show_details)
        node = _walk(start, rest)
        if node is None:
            return None
        return Target(node, *policy, nested=bool(rest), group=first if group else None)


def _walk(node: Contributor, names: list[str]) -> Contributor | None:
    for name in names:
        if not isinstance(node, Composite) or name not in node.members:
            return None
        node = node.members[name]
    return node
