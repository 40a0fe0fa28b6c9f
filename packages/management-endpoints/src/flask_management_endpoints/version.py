"""``/version``: the app's version as plain text."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

UNKNOWN_VERSION = "unknown"


def read_version(
    version_function: Callable[[], Any] | None, app_config: Mapping[str, Any]
) -> tuple[str, int]:
    """The version text and HTTP status.

    ``version_function`` may return the text or a ``(text, status)`` tuple.
    Without one: ``VERSION`` from the app config, else the ``VERSION``
    environment variable, else ``unknown``. Read on every call, so a
    version set after start-up is seen.
    """
    if version_function is None:
        return str(app_config.get("VERSION") or os.environ.get("VERSION") or UNKNOWN_VERSION), 200
    result = version_function()
    if isinstance(result, tuple):
        text, status = result[0], int(result[1])
    else:
        text, status = result, 200
    if isinstance(text, bytes):
        text = text.decode()
    return str(text), status
