"""Built-in health indicators.

Each factory returns a zero-argument check that returns a
:class:`~flask_management_endpoints.health.health.Health`; register it like
any check function. The conventional component names are ``ping``,
``diskSpace``, ``memory`` and ``db``.
"""

from flask_management_endpoints.indicators.db import ALL_BINDS, database, database_checks
from flask_management_endpoints.indicators.disk_space import disk_space
from flask_management_endpoints.indicators.memory import memory
from flask_management_endpoints.indicators.ping import ping

__all__ = ["ALL_BINDS", "database", "database_checks", "disk_space", "memory", "ping"]
