"""Who may see what ``when_authorized`` protects: the bearer token, then the callback."""

from __future__ import annotations

import logging

import pytest
from flask import Flask, Request, request

from flask_management_endpoints.auth import Authorizer, bearer_token

APP = Flask("orders")


def authorized(authorizer: Authorizer, header: str | None = None, path: str = "/z/env") -> bool:
    headers = {"Authorization": header} if header is not None else {}
    with APP.test_request_context(path, headers=headers):
        return authorizer(request)


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc", "abc"), ("BEARER abc", "abc"), ("Bearer a b", "a b"), ("Basic abc", None)],
)
def test_the_token_is_what_follows_the_bearer_scheme(header: str, token: str | None) -> None:
    assert bearer_token(header) == token
    assert bearer_token("Bearer ") is None


def test_the_token_or_else_the_callback_decides() -> None:
    def only_env_readers(incoming: Request) -> bool:
        return incoming.path == "/z/env"

    authorizer = Authorizer(token="s3cret", callback=only_env_readers)
    assert authorized(authorizer, "Bearer s3cret", path="/z/loggers")
    assert authorized(authorizer, "Bearer wrong", path="/z/env")  # the callback says yes
    assert not authorized(authorizer, "Bearer wrong", path="/z/loggers")
    assert not authorized(Authorizer(token="s3cret"), "Bearer wrong")
    assert not authorized(Authorizer())


def test_a_failing_callback_means_unauthorized_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_incoming: Request) -> bool:
        raise RuntimeError("directory down")

    caplog.set_level(logging.ERROR)
    assert not authorized(Authorizer(callback=broken), "Bearer anything")
    assert "the authorize callback raised; treating the request as unauthorized" in caplog.text
    assert "directory down" in caplog.text
