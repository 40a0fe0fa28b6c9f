"""Spring Boot Actuator style management endpoints for Flask.

>>> from flask_management_endpoints import ManagementEndpoints
>>> ManagementEndpoints(app)            # /z, /z/health, /z/info, /z/version
"""

import importlib.metadata

from flask_management_endpoints.blueprint import z_blueprint
from flask_management_endpoints.errors import ConfigError, ConfigurationError
from flask_management_endpoints.extension import ManagementEndpoints, drain_on_sigterm
from flask_management_endpoints.health.availability import (
    Availability,
    LivenessState,
    ReadinessState,
    StartupState,
)
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.health.status import Status
from flask_management_endpoints.info.compat import Info
from flask_management_endpoints.state import availability

try:
    __version__ = importlib.metadata.version("flask-management-endpoints")
except (
    importlib.metadata.PackageNotFoundError
):  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Availability",
    "ConfigError",
    "ConfigurationError",
    "Health",
    "Info",
    "LivenessState",
    "ManagementEndpoints",
    "ReadinessState",
    "StartupState",
    "Status",
    "__version__",
    "availability",
    "drain_on_sigterm",
    "z_blueprint",
]
