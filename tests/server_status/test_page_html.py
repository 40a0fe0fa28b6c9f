"""The page's first paint: the server renders the state into the bundle's skeleton, escaped.

The skeleton is the real ``frontend/src/index.html``; the summaries are real
answers of the app (validated against the OpenAPI document by the contract
client), so a change on either side that breaks the first paint fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from flask_server_status import get_state
from flask_server_status.web.page_html import format_uptime, render_page
from tests.server_status.api.contract import AUTH, SECRET, ContractClient

SKELETON = (Path(__file__).resolve().parents[2] / "frontend" / "src" / "index.html").read_text()
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">"\'&'
MakeApp = Callable[..., Flask]


def summary_with_incident(make_app: MakeApp, **config: object) -> dict[str, object]:
    app = make_app(API_ENABLED=True, API_SECRET=SECRET, **config)
    api = ContractClient(app.test_client())
    for path in ("/", "/user/1", "/items"):
        api.client.get(path)
    assert get_state(app).flush()
    api.client.put(
        "/flask-status/configure",
        json={"rule": "/items", "name": HOSTILE, "doc": HOSTILE},
        headers=AUTH,
    )
    api.client.post(
        "/flask-status/incidents",
        json={"title": HOSTILE, "impact": "major", "message": HOSTILE},
        headers=AUTH,
    )
    body: dict[str, object] = api.get("/status/api/summary").get_json()
    return body


def test_the_state_is_in_the_html_before_any_script_runs(make_app: MakeApp) -> None:
    summary = summary_with_incident(make_app)
    page = render_page(SKELETON, summary)
    status = summary["status"]["description"]  # type: ignore[index]
    assert f"<title>tests.server_status.sample_app status: {status}</title>" in page
    assert f'<h2 id="overall-heading">{status}</h2>' in page
    assert '<section id="overall" class="banner tone-bad"' in page  # a major incident is open
    names = re.findall(r'<h3 class="component-name">(.*?)</h3>', page)
    assert len(names) == len(summary["components"])  # type: ignore[arg-type]
    assert "Home page" in names  # the index view's docstring name
    # Shown, not hidden, once there is something to show.
    assert '<section id="components" aria-labelledby="components-heading">' in page
    assert '<section id="active-incidents" aria-labelledby="active-heading">' in page
    assert '<section id="maintenance" aria-labelledby="maintenance-heading" hidden>' in page
    assert "Affects All components" in page
    assert f'datetime="{summary["generated_at"]}"' in page


def test_every_server_text_is_escaped_and_nothing_executable_is_added(make_app: MakeApp) -> None:
    page = render_page(SKELETON, summary_with_incident(make_app))
    assert HOSTILE not in page
    escaped = (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&quot;&#x27;&amp;"
    )
    assert page.count(escaped) >= 3  # component name and description, incident title
    # The only scripts are the skeleton's own (the bundle): no inline script, no style.
    assert re.findall(r"<script[^>]*>", page) == re.findall(r"<script[^>]*>", SKELETON)
    assert "<style" not in page
    assert " style=" not in page


def test_a_skeleton_without_the_expected_elements_comes_back_unchanged_but_for_them() -> None:
    minimal = "<!doctype html><title>status</title><p>custom</p>"
    summary = {
        "page": {"title": "Acme"},
        "status": {"indicator": "operational", "description": "All systems operational"},
        "components": [{"id": "a", "name": "A", "status": "operational", "uptime": {}}],
        "incidents": {"active": []},
        "maintenance": {"active": [], "upcoming": []},
    }
    assert render_page(minimal, summary) == minimal


def test_the_served_page_carries_the_first_paint_and_its_policy(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_PAGE_CACHE_SECONDS=60)  # kept: the same bytes, the same tag
    client = app.test_client()
    client.get("/")
    assert get_state(app).flush()
    response = client.get("/status/")
    if response.status_code == 503:  # no bundle in this checkout: the page says how to build it
        assert "npm ci && npm run build" in response.get_data(as_text=True)
        return
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<h3 class="component-name">Home page</h3>' in html
    assert '<h2 id="overall-heading">All systems operational</h2>' in html
    tag = response.headers["ETag"]
    assert client.get("/status/", headers={"If-None-Match": tag}).status_code == 304


def test_uptime_is_written_as_the_script_writes_it() -> None:
    cases = [(None, "No data"), (100.0, "100%"), (99.999, "99.99%"), (99.95, "99.95%")]
    cases += [(0.0, "0.00%"), (12.3456, "12.34%")]
    assert [format_uptime(value) for value, _ in cases] == [text for _, text in cases]
