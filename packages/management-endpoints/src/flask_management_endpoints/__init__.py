"""Spring Boot Actuator style management endpoints for Flask.

>>> from flask_management_endpoints import ManagementEndpoints
>>> ManagementEndpoints(app)            # /z, /z/health, /z/info, /z/version
"""

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
from flask_management_endpoints.state import availability

__all__ = [
    "Availability",
    "ConfigError",
    "ConfigurationError",
    "Health",
    "LivenessState",
    "ManagementEndpoints",
    "ReadinessState",
    "StartupState",
    "Status",
    "availability",
    "drain_on_sigterm",
    "z_blueprint",
]
