"""The ``loggers`` endpoint's domain: Python loggers, their levels, and setting one.

Shapes follow Actuator: ``{"levels": [...], "loggers": {name: {"configuredLevel",
"effectiveLevel"}}, "groups": {}}``, the root logger named ``ROOT``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

ROOT = "ROOT"
#: The levels a logger may be set to, most severe first.
LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# Actuator's names for the same levels, accepted in a POST.
_ALIASES = {"FATAL": "CRITICAL", "WARN": "WARNING", "TRACE": "DEBUG"}


class LoggerLevelError(ValueError):
    """A level change that cannot be made: unknown level, or a reset of the root logger."""


def all_loggers() -> dict[str, Any]:
    """Every logger this process knows, sorted by name, ``ROOT`` first."""
    names = sorted(
        name
        for name, item in logging.Logger.manager.loggerDict.items()
        if isinstance(item, logging.Logger)
    )
    loggers = {ROOT: describe(logging.getLogger())}
    loggers.update({name: describe(logging.getLogger(name)) for name in names})
    return {"levels": list(LEVELS), "loggers": loggers, "groups": {}}


def one_logger(name: str) -> dict[str, Any] | None:
    """``{"configuredLevel", "effectiveLevel"}`` of a logger that exists, else ``None``."""
    if name == ROOT:
        return describe(logging.getLogger())
    item = logging.Logger.manager.loggerDict.get(name)
    return describe(item) if isinstance(item, logging.Logger) else None


def describe(logger: logging.Logger) -> dict[str, str | None]:
    configured = logging.getLevelName(logger.level) if logger.level else None
    return {
        "configuredLevel": configured,
        "effectiveLevel": logging.getLevelName(logger.getEffectiveLevel()),
    }


def parse_level(name: str, raw: object) -> str | None:
    """The level to store for ``name``, or ``None`` (reset); raises :class:`LoggerLevelError`."""
    if raw is None:
        if name == ROOT:
            raise LoggerLevelError("the ROOT logger cannot be reset; give it a level")
        return None
    level = str(raw).upper() if isinstance(raw, str) else None
    level = _ALIASES.get(level or "", level)
    if level not in LEVELS:
        raise LoggerLevelError(
            f"configuredLevel must be one of {', '.join(LEVELS)} or null, got {raw!r}"
        )
    return level


def apply_levels(levels: Mapping[str, str | None]) -> None:
    """Set each named logger to its level (``None``: inherit from its parent again)."""
    for name, level in levels.items():
        logger = logging.getLogger() if name == ROOT else logging.getLogger(name)
        logger.setLevel(level or logging.NOTSET)
