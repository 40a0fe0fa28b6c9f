"""Which endpoints are on the web (``exposure``) and who may call them (``access``).

Modelled on Actuator's ``management.endpoints.web.exposure``: an
``include`` list (``"*"`` for all) minus an ``exclude`` list, then an access
level per endpoint. An endpoint that is not exposed, or whose access is
``never``, does not exist for any caller: every method, OPTIONS included,
answers the JSON 404 of unknown paths, and the discovery index leaves it out.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_management_endpoints import config_values as values
from flask_management_endpoints.errors import ConfigError, subkey, z_key

#: Every endpoint id, as used in ``exposure`` and ``access``.
ENDPOINT_IDS = ("health", "info", "version", "loggers", "mappings", "env", "threaddump")
#: Exposed when ``exposure["include"]`` is not given.
DEFAULT_INCLUDE = ("health", "info", "version")


class Access(enum.Enum):
    PUBLIC = "public"
    WHEN_AUTHORIZED = "when_authorized"
    NEVER = "never"


#: Access when ``access`` does not name the endpoint: the endpoints that
#: show the app's internals or change it need authorization.
DEFAULT_ACCESS: Mapping[str, Access] = {
    "health": Access.PUBLIC,
    "info": Access.PUBLIC,
    "version": Access.PUBLIC,
    "loggers": Access.WHEN_AUTHORIZED,
    "mappings": Access.WHEN_AUTHORIZED,
    "env": Access.WHEN_AUTHORIZED,
    "threaddump": Access.WHEN_AUTHORIZED,
}


@dataclass(frozen=True)
class Exposure:
    """The access of every endpoint that is on the web; absent ones answer 404."""

    access: Mapping[str, Access] = field(
        default_factory=lambda: {name: DEFAULT_ACCESS[name] for name in DEFAULT_INCLUDE}
    )

    def exposed(self, endpoint_id: str) -> bool:
        return endpoint_id in self.access

    def allows(self, endpoint_id: str, authorized: Callable[[], bool]) -> bool:
        """Whether a caller may use an exposed endpoint (``authorized`` is asked only if needed)."""
        access = self.access[endpoint_id]
        return access is Access.PUBLIC or (access is Access.WHEN_AUTHORIZED and authorized())

    def needs_authorization(self) -> list[str]:
        return [name for name, access in self.access.items() if access is Access.WHEN_AUTHORIZED]


def read_exposure(raw_exposure: object, raw_access: object) -> Exposure:
    """Parse ``Z_ENDPOINTS["exposure"]`` and ``["access"]``; raises :class:`ConfigError`."""
    key = z_key("exposure")
    exposure = values.mapping(key, raw_exposure if raw_exposure is not None else {})
    unknown = sorted(set(exposure) - {"include", "exclude"})
    if unknown:
        raise ConfigError(key, f"unknown option(s) {unknown}; use include and exclude")
    include = _ids(subkey(key, "include"), exposure.get("include", DEFAULT_INCLUDE))
    exclude = _ids(subkey(key, "exclude"), exposure.get("exclude", ()))
    access_key = z_key("access")
    levels = values.mapping(access_key, raw_access if raw_access is not None else {})
    for name in levels:
        if name not in ENDPOINT_IDS:
            known = ", ".join(ENDPOINT_IDS)
            raise ConfigError(subkey(access_key, name), f"unknown endpoint (known: {known})")
    access: dict[str, Access] = {}
    for name in ENDPOINT_IDS:
        if name in include and name not in exclude:
            level = values.choice(
                subkey(access_key, name), levels.get(name, DEFAULT_ACCESS[name].value), Access
            )
            if level is not Access.NEVER:
                access[name] = level
    return Exposure(access)


def _ids(key: str, raw: object) -> frozenset[str]:
    """A list of endpoint ids, ``"*"`` meaning all of them."""
    names = values.strings(key, raw, what="endpoint ids")
    if "*" in names:
        return frozenset(ENDPOINT_IDS)
    for index, name in enumerate(names):
        if name not in ENDPOINT_IDS:
            known = ", ".join(ENDPOINT_IDS)
            raise ConfigError(subkey(key, index), f"unknown endpoint {name!r} (known: {known}, *)")
    return frozenset(names)
