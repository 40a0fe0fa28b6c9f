"""The ``env`` endpoint: the app's configuration and the process environment, masked.

Actuator's shape: ``{"activeProfiles": [], "propertySources": [{"name",
"properties": {key: {"value": ...}}}]}``. Every value goes through the
masking of ``/info``: a secret-looking key hides its value, and passwords in
URLs and connection strings are masked wherever they appear.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask

from flask_management_endpoints.info.masking import MASK, looks_secret, mask_secrets


def app_environment(app: Flask, secret_keys: Iterable[str]) -> dict[str, Any]:
    """The ``config`` and ``environ`` property sources of ``app`` and this process."""
    fragments = tuple(secret_keys)
    sources = [
        {"name": "config", "properties": _properties(app.config, fragments)},
        {"name": "environ", "properties": _properties(os.environ, fragments)},
    ]
    return {"activeProfiles": [], "propertySources": sources}


def _properties(source: Mapping[str, Any], fragments: tuple[str, ...]) -> dict[str, Any]:
    return {
        str(key): {"value": MASK if looks_secret(key, fragments) else _plain(value, fragments)}
        for key, value in sorted(source.items(), key=lambda item: str(item[0]))
    }


def _plain(value: Any, fragments: tuple[str, ...]) -> Any:
    """JSON-ready and masked: containers kept, anything else (functions, timedeltas) as text."""
    if isinstance(value, Mapping):
        return {
            str(k): MASK if looks_secret(k, fragments) else _plain(v, fragments)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item, fragments) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_secrets(str(value), fragments)
