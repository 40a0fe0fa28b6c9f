"""Public answers are gzip'd for clients that take it, tagged, and answered
``304`` when the reader already holds them: what keeps a status page cheap
while everyone polls it."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import pytest
import requests
from flask import Flask

from flask_server_status import get_state
from flask_server_status.clock import utcnow
from flask_server_status.reports import answers
from flask_server_status.web.conditional import MIN_GZIP_BYTES


@pytest.fixture(autouse=True)
def _one_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The answers' clock stands still, so that only the data can change an answer.

    The summary and the status carry ``generated_at`` to the second; two polls
    straddling a second would otherwise differ by that field alone.
    """
    moment = utcnow()
    monkeypatch.setattr(answers, "utcnow", lambda: moment)


def _with_traffic(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    client = app.test_client()
    for path in ("/", "/products/1", "/search?q=a"):
        client.get(path)
    assert get_state(app).flush()
    return app


def test_a_real_client_reads_the_summary_gzipped_and_revalidates_it(
    make_app: Callable[..., Flask], live_server: Callable[[Flask], str]
) -> None:
    app = _with_traffic(make_app)
    base = live_server(app)
    first = requests.get(f"{base}/status/api/summary", timeout=10)  # sends gzip, deflate
    assert first.status_code == 200
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    assert first.headers["Cache-Control"] == "no-cache"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    plain = app.test_client().get("/status/api/summary")  # asks for no encoding
    assert first.json() == plain.get_json()
    assert int(first.headers["Content-Length"]) < len(plain.get_data())
    again = requests.get(
        f"{base}/status/api/summary",
        headers={"If-None-Match": first.headers["ETag"]},
        timeout=10,
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_the_tag_follows_the_answer_and_the_representation(
    make_app: Callable[..., Flask],
) -> None:
    app = _with_traffic(make_app)
    client = app.test_client()
    plain = client.get("/status/api/summary")
    zipped = client.get("/status/api/summary", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.get_data())) == plain.get_json()
    assert plain.headers.get("Content-Encoding") is None
    assert plain.headers["ETag"] != zipped.headers["ETag"]  # strong: one per representation
    # Same data, same tag: the next poll is a 304 ...
    repeat = client.get("/status/api/summary", headers={"If-None-Match": plain.headers["ETag"]})
    assert repeat.status_code == 304
    # ... until the data changes.
    client.get("/")
    assert get_state(app).flush()
    changed = client.get("/status/api/summary", headers={"If-None-Match": plain.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != plain.headers["ETag"]


def test_gzip_refused_with_q_zero_and_small_answers_sent_plain(
    make_app: Callable[..., Flask],
) -> None:
    app = _with_traffic(make_app)
    client = app.test_client()
    refused = client.get("/status/api/summary", headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.headers.get("Content-Encoding") is None
    refused.get_json()
    status = client.get("/status/api/status", headers={"Accept-Encoding": "gzip"})
    assert len(status.get_data()) < MIN_GZIP_BYTES
    assert status.headers.get("Content-Encoding") is None
    assert status.get_json()["status"]["indicator"]
    assert status.headers["ETag"]


def test_badges_and_other_answers_answer_304_too(make_app: Callable[..., Flask]) -> None:
    app = _with_traffic(make_app)
    client = app.test_client()
    for path in ("/status/badge.svg", "/status/api/status", "/status/api/routes"):
        first = client.get(path)
        assert first.status_code == 200
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path


def test_errors_are_never_tagged_or_compressed(make_app: Callable[..., Flask]) -> None:
    app = _with_traffic(make_app)
    missing = app.test_client().get(
        "/status/api/routes/999999", headers={"Accept-Encoding": "gzip"}
    )
    assert missing.status_code == 404
    assert missing.headers["Cache-Control"] == "no-store"
    assert "ETag" not in missing.headers
    assert missing.get_json()["error"]["status"] == 404
