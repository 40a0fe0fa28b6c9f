"""A status page for a Flask app, fed by its real traffic."""

import importlib.metadata

from .config import ConfigError
from .extension import FlaskStatus
from .latency import RELATIVE_ACCURACY as LATENCY_RELATIVE_ACCURACY
from .latency import UPPER_BOUNDS_MS as LATENCY_BUCKETS_MS
from .routes import UnknownRouteError
from .state import StatusState, get_state

try:
    __version__ = importlib.metadata.version("flask-server-status")
except importlib.metadata.PackageNotFoundError:  # imported from a source tree never installed
    __version__ = "0+unknown"

__all__ = [
    "LATENCY_BUCKETS_MS",
    "LATENCY_RELATIVE_ACCURACY",
    "ConfigError",
    "FlaskStatus",
    "StatusState",
    "UnknownRouteError",
    "__version__",
    "get_state",
]
