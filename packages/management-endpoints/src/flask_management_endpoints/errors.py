"""Exceptions raised by flask-management-endpoints."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is invalid.

    Raised at ``init_app`` time (or on the first request when only the
    blueprint is registered). The message starts with the offending key, for
    example ``Z_ENDPOINTS["groups"]["ops"]["include"]: unknown member 'dbb'``,
    and :attr:`key` holds that key on its own.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


#: The name earlier versions exported; the same class.
ConfigurationError = ConfigError


def subkey(key: str, name: object) -> str:
    """``subkey('Z_ENDPOINTS["groups"]', "ops")`` -> ``Z_ENDPOINTS["groups"]["ops"]``."""
    return f'{key}["{name}"]' if isinstance(name, str) else f"{key}[{name!r}]"


def z_key(*names: object) -> str:
    """``z_key("info", "git_dir")`` -> ``Z_ENDPOINTS["info"]["git_dir"]``: a key in messages."""
    key = "Z_ENDPOINTS"
    for name in names:
        key = subkey(key, name)
    return key
