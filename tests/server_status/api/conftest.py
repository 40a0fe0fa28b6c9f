"""Fixtures of the status web layer tests (public API, admin API, feed, badges).

The app is the storage tests' sample app (``tests/server_status/sample_app.py``)
built by their ``make_app`` fixture, on SQLite and PostgreSQL, with the admin
API enabled.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.server_status.api.contract import SECRET, ContractClient


@pytest.fixture
def status_app(make_app: Callable[..., Flask]) -> Flask:
    """The sample app with FlaskStatus and the admin API enabled (token ``SECRET``)."""
    return make_app(API_ENABLED=True, API_SECRET=SECRET)


@pytest.fixture
def api(status_app: Flask) -> ContractClient:
    """A test client of ``status_app`` that checks every answer against openapi.json."""
    return ContractClient(status_app.test_client())
