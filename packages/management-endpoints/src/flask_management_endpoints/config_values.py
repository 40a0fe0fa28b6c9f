"""Validators for single configuration values, shared by every settings parser.

Each takes the key (as shown in messages, e.g. ``Z_ENDPOINTS["info"]["git_dir"]``)
and the raw value, and returns the value typed or raises :class:`ConfigError`
naming that key.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask_management_endpoints.errors import ConfigError, subkey
from flask_management_endpoints.health.details import Show

EnumT = TypeVar("EnumT", bound=enum.Enum)


def seconds(key: str, raw: object, *, zero: bool = False) -> float:
    """A finite number of seconds, > 0 (``zero``: >= 0)."""
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or not math.isfinite(raw)
        or raw < 0
        or (raw == 0 and not zero)
    ):
        kind = "a number of seconds >= 0" if zero else "a number of seconds > 0"
        raise ConfigError(key, f"expected {kind}, got {raw!r}")
    return float(raw)


def positive_int(key: str, raw: object) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise ConfigError(key, f"expected a whole number >= 1, got {raw!r}")
    return raw


def boolean(key: str, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(key, f"expected true or false, got {raw!r}")
    return raw


def optional_str(key: str, raw: object) -> str | None:
    """``None`` or a non-empty string."""
    if raw is not None and (not isinstance(raw, str) or not raw):
        raise ConfigError(key, f"expected a non-empty string, got {raw!r}")
    return raw


def optional_callable(key: str, raw: object) -> Callable[..., Any] | None:
    if raw is not None and not callable(raw):
        raise ConfigError(key, f"expected a function, got {raw!r}")
    return raw


def mapping(key: str, raw: object) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(key, f"expected a dict, got {type(raw).__name__}")
    return raw


def strings(key: str, raw: object, *, what: str = "strings") -> tuple[str, ...]:
    """A list (or tuple) of non-empty strings; a single string is not accepted."""
    if isinstance(raw, str) or not isinstance(raw, list | tuple):
        raise ConfigError(key, f"expected a list of {what}, got {raw!r}")
    for index, item in enumerate(raw):
        if not isinstance(item, str) or not item:
            raise ConfigError(subkey(key, index), f"expected a non-empty string, got {item!r}")
    return tuple(raw)


def choice(key: str, raw: object, kind: type[EnumT]) -> EnumT:
    """One of the values of the enum ``kind``."""
    try:
        return kind(raw)
    except ValueError:
        choices = ", ".join(repr(member.value) for member in kind)
        raise ConfigError(key, f"expected one of {choices}, got {raw!r}") from None


def show(key: str, raw: object) -> Show:
    """``"never"``, ``"when_authorized"`` or ``"always"``."""
    return choice(key, raw, Show)


def callables(key: str, raw: object, check: Callable[[str, object], None]) -> dict[str, Any]:
    """A dict of names to callables; ``check(key, name)`` validates each name."""
    entries = mapping(key, raw)
    for name, function in entries.items():
        check(key, name)
        if not callable(function):
            raise ConfigError(subkey(key, name), f"expected a function, got {function!r}")
    return dict(entries)
