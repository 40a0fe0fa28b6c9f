"""The app's version, for ``/version``, ``/info`` and health answers.

Read on every call from ``Z_ENDPOINTS["version_function"]``, else
``VERSION`` in the app config, else the ``VERSION`` environment variable,
so a version set after start-up is seen.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

UNKNOWN_VERSION = "unknown"
logger = logging.getLogger(__name__)


def read_version(app_config: Mapping[str, Any]) -> tuple[str, int]:
    """The ``/version`` answer: the version text and HTTP status.

    ``version_function`` may return the text or a ``(text, status)`` tuple;
    whatever it raises reaches the caller. Without it: the configured
    ``VERSION``, else ``unknown``.
    """
    version_function = _version_function(app_config)
    if version_function is None:
        return _configured_version(app_config) or UNKNOWN_VERSION, 200
    result = version_function()
    if isinstance(result, tuple):
        text, status = result[0], int(result[1])
    else:
        text, status = result, 200
    if isinstance(text, bytes):
        text = text.decode()
    return str(text), status


def app_version(app_config: Mapping[str, Any]) -> str | None:
    """The version to show in ``/info`` and health answers, or ``None``.

    Never raises: when ``version_function`` fails (raises or answers a
    status of 400 or more) the configured ``VERSION`` is used instead.
    """
    if _version_function(app_config) is not None:
        try:
            text, status = read_version(app_config)
        except Exception:
            # These answers must not fail; /version reports the error itself.
            logger.warning("version_function failed", exc_info=True)
        else:
            if status < 400 and text:
                return text
    return _configured_version(app_config)


def _version_function(app_config: Mapping[str, Any]) -> Any:
    # Validated at init_app (config.py); anything else is treated as absent.
    z_endpoints = app_config.get("Z_ENDPOINTS")
    function = z_endpoints.get("version_function") if isinstance(z_endpoints, Mapping) else None
    return function if callable(function) else None


def _configured_version(app_config: Mapping[str, Any]) -> str | None:
    configured = app_config.get("VERSION") or os.environ.get("VERSION")
    return str(configured) if configured else None
