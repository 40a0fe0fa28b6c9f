"""A status page for a Flask app, fed by its real traffic."""

from .config import ConfigError
from .extension import FlaskStatus
from .models import LATENCY_BUCKETS_MS
from .routes import UnknownRouteError
from .state import StatusState, get_state

__all__ = [
    "LATENCY_BUCKETS_MS",
    "ConfigError",
    "FlaskStatus",
    "StatusState",
    "UnknownRouteError",
    "get_state",
]
