"""The settings' error and the value checks shared by many keys.

:class:`ConfigError` (re-exported by :mod:`.config`) names the key and the
fix; the checks here each validate one kind of value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key


def number(key: str, value: Any, *, minimum: float, integer: bool) -> Any:
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        kind = "an integer" if integer else "a number"
        raise ConfigError(key, f"expected {kind}, got {value!r}") from None
    if isinstance(value, bool) or number < minimum:
        raise ConfigError(key, f"expected a value >= {minimum}, got {value!r}")
    return number


def boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ConfigError(key, f"expected a boolean, got {value!r}")


def optional_str(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(key, f"expected a string, got {type(value).__name__}")
    return value


def percent(key: str, value: Any) -> float:
    """A percentage strictly between 0 and 100 (100 would leave no error budget)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(key, f"expected a percentage such as 99.9, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(key, f"expected a percentage such as 99.9, got {value!r}") from None
    if not 0 < number < 100:
        raise ConfigError(
            key,
            f"expected a percentage above 0 and below 100 (100 leaves no error budget), "
            f"got {value!r}",
        )
    return number


def percentile_rank(key: str, value: Any) -> int:
    """A percentile as a whole percent from 1 to 99 (95 for p95)."""
    rank: int = number(key, value, minimum=1, integer=True)
    if rank > 99:
        raise ConfigError(key, f"expected a whole percent from 1 to 99 such as 95, got {value!r}")
    return rank


def overrides(key: str, value: Any) -> tuple[tuple[str, float], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ConfigError(
            key,
            f'expected a mapping of URL rule or endpoint to percent, e.g. {{"/login": 99.5}}, '
            f"got {value!r}",
        )
    pairs = []
    for route, objective in value.items():
        if not isinstance(route, str) or not route:
            raise ConfigError(key, f"every key must be a URL rule or endpoint name, got {route!r}")
        pairs.append((route, percent(f"{key}[{route!r}]", objective)))
    return tuple(sorted(pairs))


def optional_positive(key: str, value: Any) -> float | None:
    if value is None:
        return None
    positive: float = number(key, value, minimum=0.001, integer=False)
    return positive


#: Keys that no longer exist, with what replaced them: setting one is a
#: ConfigError rather than silently doing nothing.
REMOVED: dict[str, str] = {
    "SERVER_STATUS_INCIDENT_FAILURE_THRESHOLD": (
        "automatic incidents now follow the error budget's burn rate, not a failure count: "
        "set the availability objective SERVER_STATUS_SLO (and SERVER_STATUS_SLO_MIN_REQUESTS, "
        "the fewest requests that may open an incident) instead"
    ),
    "SERVER_STATUS_INCIDENT_WINDOW_SECONDS": (
        "automatic incidents now use the fixed burn-rate windows (5 minutes to 3 days, see "
        "'Automatic incidents' in the README): remove the key; SERVER_STATUS_SLO sets the objective"
    ),
}

#: The quiet period is read from minute buckets, which are kept at least 25 hours.
MAX_QUIET_SECONDS = 24 * 3600


def quiet_seconds(value: Any) -> int:
    key = "SERVER_STATUS_INCIDENT_QUIET_SECONDS"
    seconds: int = number(key, value, minimum=60, integer=True)
    if seconds > MAX_QUIET_SECONDS:
        raise ConfigError(
            key, f"must be at most {MAX_QUIET_SECONDS} (24 hours of minute buckets), got {value!r}"
        )
    return seconds
