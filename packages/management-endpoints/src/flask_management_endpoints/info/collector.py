"""Assemble the ``/info`` document from the contributors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

# The module, not its names: config imports info.options, so this import can
# run while config is still being initialised.
from flask_management_endpoints import config
from flask_management_endpoints.info.build import build_info, git_info
from flask_management_endpoints.info.kubernetes import kubernetes_facts, kubernetes_info
from flask_management_endpoints.info.masking import mask_secrets
from flask_management_endpoints.info.options import InfoContributor, InfoOptions
from flask_management_endpoints.info.runtime import os_info, process_info, python_info
from flask_management_endpoints.info.trace import trace_attributes
from flask_management_endpoints.version import app_version

logger = logging.getLogger(__name__)

# Where register_contributor keeps an app's custom contributors.
_REGISTRY_KEY = "management_endpoints.info_contributors"


def validate_config(app: Flask) -> InfoOptions:
    """The info options of ``app.config``, as ``read_settings`` reads them.

    Raises :class:`~flask_management_endpoints.errors.ConfigError`
    naming the key at fault.
    """
    return config.read_settings(app.config).info


def register_contributor(app: Flask, name: str, contributor: InfoContributor) -> None:
    """Add a custom contributor to ``app``'s ``/info``, shown under ``name``.

    ``contributor`` takes no argument and returns a mapping; it runs on each
    ``/info`` request inside the request context. A name that is also a
    built-in section (``"app"``, ``"build"``...) adds its keys to that
    section. Registering a name again replaces the earlier contributor.
    The same can be done with ``Z_ENDPOINTS["info"]["custom"]``.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"an info contributor needs a non-empty name, not {name!r}")
    if not callable(contributor):
        raise TypeError(f"info contributor {name!r} must be callable")
    app.extensions.setdefault(_REGISTRY_KEY, {})[name] = contributor


def collect_info(app: Flask, options: InfoOptions | None = None) -> dict[str, Any]:
    """The ``/info`` document of ``app``: every enabled contributor, secrets masked.

    Sections, in order: ``app``, ``build``, ``git``, ``os``, ``python``,
    ``process``, ``kubernetes`` (those enabled by
    ``Z_ENDPOINTS["info"]["contributors"]``; empty ones are left out), then
    custom contributors, then ``trace.attributes``. Everything is read now,
    nothing at import time. A contributor that raises shows
    ``{"error": "<Type>: <message>"}`` and is logged; the others still
    appear. Values under keys that look secret are replaced by ``"******"``.
    Call it inside an app or request context (custom contributors may use
    ``current_app``). ``options`` are the app's validated settings (the
    endpoint passes those read at start-up); without them the configuration
    is read now, and ``ConfigError`` raised for invalid options.
    """
    if options is None:
        options = validate_config(app)
    root = Path(app.root_path)
    version = app_version(app.config)
    facts: dict[str, Any] | None = None

    def k8s_facts() -> dict[str, Any]:
        nonlocal facts
        if facts is None:
            facts = kubernetes_facts(options.kubernetes)
        return facts

    builtins: Mapping[str, Callable[[], Mapping[str, Any]]] = {
        "app": lambda: _app_section(app.name, version, options.app),
        "build": lambda: build_info(root, options.build_file, options.build),
        "git": lambda: git_info(root, options.git_dir, options.git),
        "os": os_info,
        "python": python_info,
        "process": process_info,
        "kubernetes": lambda: kubernetes_info(k8s_facts()),
    }
    sections: dict[str, Any] = {}
    for name in options.contributors:
        section = _run(name, builtins[name])
        if section:
            sections[name] = section

    custom = {**options.custom, **app.extensions.get(_REGISTRY_KEY, {})}
    for name, contributor in custom.items():
        section = _run(name, contributor)
        current = sections.get(name)
        if isinstance(current, Mapping) and isinstance(section, Mapping):
            sections[name] = {**current, **section}
        else:
            sections[name] = section

    if options.trace.enabled:
        sections["trace.attributes"] = _run(
            "trace.attributes",
            lambda: trace_attributes(
                app.name,
                version,
                options.trace,
                k8s_facts(),
                service_instance_id=options.enable_service_instance_id,
            ),
        )
    masked: dict[str, Any] = mask_secrets(sections, options.secret_keys)
    return masked


def _app_section(name: str, version: str | None, static: Mapping[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = {"name": name}
    if version:
        section["version"] = version
    section.update(static)
    return section


def _run(name: str, contributor: Callable[[], Mapping[str, Any]]) -> Any:
    try:
        section = contributor()
    except Exception as error:
        logger.warning("info contributor %r failed", name, exc_info=True)
        return {"error": f"{type(error).__name__}: {error}"}
    # Custom contributors are user code: hold them to their contract here.
    result: object = section
    if not isinstance(result, Mapping):
        return {"error": f"TypeError: contributor returned {type(result).__name__}, not a mapping"}
    return dict(result)
