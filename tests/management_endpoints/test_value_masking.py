"""Passwords inside values never appear: dependency URLs, errors, info values, logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from flask_management_endpoints.info.masking import mask_value
from tests.management_endpoints.apps import make_app
from tests.support.fake_service import FakeService, refused_url

SECRET = "s3cret-Pa55"
QUIET = {"diskSpace": False, "memory": False}


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://app:s3cret@db/orders", "postgresql://app:******@db/orders"),
        ("redis://:s3cret@cache:6379/0", "redis://:******@cache:6379/0"),
        ("host=db password=s3cret user=app", "host=db password=****** user=app"),
        ("Driver=x;PWD={s3cret};Server=y", "Driver=x;PWD=******;Server=y"),
        ("Driver=x;PWD={s3;c}}ret};Server=y", "Driver=x;PWD=******;Server=y"),
        ("host=db password='s3 c;ret' user=app", "host=db password=****** user=app"),
        # Passwords holding @, : and /, and a user name holding @.
        ("postgresql://app:p@ss@db/orders", "postgresql://app:******@db/orders"),
        ("mysql+pymysql://app:p:ss@db:3306/shop", "mysql+pymysql://app:******@db:3306/shop"),
        ("postgresql://app:pa/ss@db/orders", "postgresql://app:******@db/orders"),
        ("amqp://app:a@b:c/d@mq:5672/%2f", "amqp://app:******@mq:5672/%2f"),
        ("smtp://me@example.com:s3cret@mail:587", "smtp://me@example.com:******@mail:587"),
        ("see postgresql://app:p@ss@db/x for", "see postgresql://app:******@db/x for"),
        ("http://host:8080/z/health", "http://host:8080/z/health"),
        ("http://user@host/path", "http://user@host/path"),
    ],
)
def test_mask_value(text: str, masked: str) -> None:
    assert mask_value(text) == masked


def test_a_dependency_url_with_credentials_is_masked_in_details_and_errors(
    fake_service: Callable[..., FakeService], caplog: pytest.LogCaptureFixture
) -> None:
    healthy = fake_service()
    host_port = healthy.url.split("://", 1)[1]
    refused = refused_url().split("://", 1)[1]
    app = make_app(
        {
            "indicators": QUIET,
            "service_dependencies": {
                "up": f"http://user:{SECRET}@{host_port}/z/health",
                "down": f"http://user:{SECRET}@{refused}/z/health",
            },
            "show_details": "always",
        }
    )
    client = app.test_client()
    caplog.set_level(logging.INFO)
    body = client.get("/z/health", headers={"Accept": "application/json"}).get_data(as_text=True)
    assert SECRET not in body
    assert body.count("user:******@") == 2  # both URLs are shown, masked
    health_json = client.get("/z/health", headers={"Accept": "application/health+json"})
    assert SECRET not in health_json.get_data(as_text=True)
    assert SECRET not in caplog.text


def test_a_connection_string_under_a_harmless_key_is_masked_in_info() -> None:
    app = make_app(
        {"info": {"app": {"database": f"postgresql://app:{SECRET}@db/orders", "owner": "shop"}}}
    )
    section = app.test_client().get("/z/info").get_json()["app"]
    assert section["database"] == "postgresql://app:******@db/orders"
    assert section["owner"] == "shop"
