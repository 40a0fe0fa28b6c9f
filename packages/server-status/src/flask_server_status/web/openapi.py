"""The OpenAPI document shipped in the package, as this app serves it.

The file ``flask_server_status/openapi.json`` describes the default prefixes
(``/status`` and ``/flask-status``); the served copy has its paths moved under
the prefixes the app is configured with and its server URL set to the
application root, so clients and validators can use it as is.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_PREFIX = "/status"
DEFAULT_ADMIN_PREFIX = "/flask-status"


@cache
def shipped_document() -> dict[str, Any]:
    """The document as shipped (parsed once per process; do not mutate)."""
    text = resources.files("flask_server_status").joinpath("openapi.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def _move(path: str, url_prefix: str, admin_prefix: str) -> str:
    for default, actual in ((DEFAULT_PREFIX, url_prefix), (DEFAULT_ADMIN_PREFIX, admin_prefix)):
        if path == default or path.startswith(default + "/"):
            return actual + path[len(default) :]
    return path


def document_for(url_prefix: str, admin_prefix: str, script_root: str = "") -> dict[str, Any]:
    """The document with paths under ``url_prefix`` and ``admin_prefix``."""
    document = copy.deepcopy(shipped_document())
    document["paths"] = {
        _move(path, url_prefix, admin_prefix): item for path, item in document["paths"].items()
    }
    document["servers"] = [{"url": script_root or "/"}]
    return document
