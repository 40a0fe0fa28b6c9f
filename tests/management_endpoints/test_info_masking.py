"""Values under secret-looking keys never leave /info."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_management_endpoints.info import MASK, collect_info, register_contributor
from flask_management_endpoints.info.masking import mask_secrets
from flask_management_endpoints.info.options import DEFAULT_SECRET_KEYS


def test_mask_is_six_stars() -> None:
    assert MASK == "******"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "DB_PASSWORD",
        "clientSecret",
        "secret",
        "access_token",
        "Token",
        "api_key",
        "apiKey",
        "AWS_ACCESS_KEY_ID",
        "credentials",
        "GoogleCredential",
    ],
)
def test_secret_looking_keys_are_masked_ignoring_case(key: str) -> None:
    assert mask_secrets({key: "s3cr3t", "user": "alice"}, DEFAULT_SECRET_KEYS) == {
        key: MASK,
        "user": "alice",
    }


def test_masking_is_nested_through_mappings_and_lists() -> None:
    data = {
        "services": [
            {"name": "mail", "smtp": {"host": "mx", "Password": "p"}},
            {"name": "pay", "apiKey": "k"},
        ],
        "credentials": {"user": "u", "nested": {"deep": 1}},
        "plain": ("a", {"secret": 2}),
    }
    assert mask_secrets(data, DEFAULT_SECRET_KEYS) == {
        "services": [
            {"name": "mail", "smtp": {"host": "mx", "Password": MASK}},
            {"name": "pay", "apiKey": MASK},
        ],
        "credentials": MASK,  # the whole block, not just its leaves
        "plain": ["a", {"secret": MASK}],
    }


def test_info_masks_every_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "vendor.token=abc,deployment.environment=prod")
    (tmp_path / "build.json").write_text(json.dumps({"version": "1", "signing_key": "xyz"}))
    app = Flask("orders", root_path=str(tmp_path))
    app.config["Z_ENDPOINTS"] = {
        "info": {
            "app": {"db": {"url": "postgresql://h/db", "password": "hunter2"}},
            "build_file": "build.json",
            "custom": {"payments": lambda: {"provider": "acme", "ClientSecret": "cs"}},
        },
        "trace": {"attributes": {"collector.auth_token": "t"}},
    }
    register_contributor(app, "vault", lambda: {"Credential": {"role": "r"}, "mount": "kv"})
    with app.test_request_context("/z/info"):
        info = collect_info(app)

    assert info["app"]["db"] == {"url": "postgresql://h/db", "password": MASK}
    assert info["build"] == {"version": "1", "signing_key": MASK}
    assert info["payments"] == {"provider": "acme", "ClientSecret": MASK}
    assert info["vault"] == {"Credential": MASK, "mount": "kv"}
    assert info["trace.attributes"]["vendor.token"] == MASK
    assert info["trace.attributes"]["collector.auth_token"] == MASK
    assert info["trace.attributes"]["deployment.environment"] == "prod"
    serialized = json.dumps(info)
    for secret in ("hunter2", "xyz", '"cs"', '"abc"', '"role"'):
        assert secret not in serialized


def test_extra_secret_keys_are_added_to_the_defaults(tmp_path: Path) -> None:
    app = Flask("orders", root_path=str(tmp_path))
    app.config["Z_ENDPOINTS"] = {
        "info": {"app": {"pin": "1234", "password": "p", "iban": "DE00"}, "secret_keys": ["PIN"]}
    }
    with app.app_context():
        section: dict[str, Any] = collect_info(app)["app"]
    assert section == {"name": "orders", "pin": MASK, "password": MASK, "iban": "DE00"}
