"""Spring Boot Actuator style management endpoints for Flask."""

from flask_management_endpoints.errors import ConfigurationError
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.health.status import Status

__all__ = ["ConfigurationError", "Health", "Status"]
