"""The admin API's bearer token: how a header is read and compared (``auth``)."""

from __future__ import annotations

import pytest

from flask_server_status.auth import bearer_token, configured_token, token_matches


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Bearer a b", "a b"),  # everything after the scheme
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer   ", None),
        (None, None),
    ],
)
def test_a_bearer_header_gives_its_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_a_configured_secret_may_carry_its_scheme() -> None:
    assert configured_token("Bearer abc") == configured_token(" abc ") == "abc"
    assert configured_token("Bearer") is None
    assert configured_token("  ") is None


def test_a_non_ascii_token_matches_as_sent_over_wsgi_or_built_in_process() -> None:
    secret = "pässwörd-€"
    over_wsgi = "Bearer " + secret.encode("utf-8").decode("latin-1")  # how WSGI hands it over
    assert token_matches(over_wsgi, secret)
    assert token_matches("Bearer " + secret, secret)  # a str built in-process
    assert not token_matches("Bearer pässwörd-$", secret)
    assert not token_matches(None, secret)
    assert not token_matches("Bearer x", None)
