"""The ``ping`` indicator: the process answers, nothing else is checked."""

from __future__ import annotations

from collections.abc import Callable

from flask_management_endpoints.health.health import Health


def ping() -> Callable[[], Health]:
    """A check that is always UP, with no details. It does no I/O."""

    def check() -> Health:
        return Health.up()

    return check
