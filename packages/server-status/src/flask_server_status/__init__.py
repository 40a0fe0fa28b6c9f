"""A status page for a Flask app, fed by its real traffic."""

from .config import ConfigError
from .extension import FlaskStatus
from .latency import RELATIVE_ACCURACY as LATENCY_RELATIVE_ACCURACY
from .latency import UPPER_BOUNDS_MS as LATENCY_BUCKETS_MS
from .routes import UnknownRouteError
from .state import StatusState, get_state

__all__ = [
    "LATENCY_BUCKETS_MS",
    "LATENCY_RELATIVE_ACCURACY",
    "ConfigError",
    "FlaskStatus",
    "StatusState",
    "UnknownRouteError",
    "get_state",
]
