"""``flask_server_status.__version__`` is the installed distribution's version."""

from __future__ import annotations

import importlib
import importlib.metadata

import pytest

import flask_server_status


def test_version_is_the_installed_distributions() -> None:
    assert flask_server_status.__version__ == importlib.metadata.version("flask-server-status")
    assert "__version__" in flask_server_status.__all__


def test_version_of_a_source_tree_never_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    try:
        assert importlib.reload(flask_server_status).__version__ == "0+unknown"
    finally:
        monkeypatch.undo()
        importlib.reload(flask_server_status)
    assert flask_server_status.__version__ == importlib.metadata.version("flask-server-status")
