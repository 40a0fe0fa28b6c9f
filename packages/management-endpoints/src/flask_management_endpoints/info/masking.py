"""Mask values whose keys look secret before ``/info`` shows them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: What a masked value is replaced with.
MASK = "******"


def looks_secret(key: object, fragments: Iterable[str]) -> bool:
    """Whether ``key`` contains one of ``fragments`` (lower case), ignoring case."""
    lowered = str(key).lower()
    return any(fragment in lowered for fragment in fragments)


def mask_secrets(value: Any, fragments: Iterable[str]) -> Any:
    """A copy of ``value`` with every value under a secret-looking key masked.

    Mappings are searched at any depth, through lists and tuples too. A
    secret-looking key hides its whole value, nested or not, so a
    ``"credentials": {...}`` block shows as ``"******"``.
    """
    fragments = tuple(fragments)
    if isinstance(value, Mapping):
        return {
            key: MASK if looks_secret(key, fragments) else mask_secrets(item, fragments)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_secrets(item, fragments) for item in value]
    return value
