"""Fixtures of the status page browser tests: Debian's Chromium driven by Playwright.

The page under test is the real bundle (built from frontend/ when missing or stale) served by the
real FlaskStatus extension from a live Werkzeug server; history, incidents and
maintenance come from ``tests.support.status_seed.seed_history`` or from real
requests and the admin API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, request
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from flask_server_status import FlaskStatus, get_state
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.live_server import LiveServer
from tests.support.page_bundle import BundleError, ensure_built
from tests.support.status_seed import seed_history

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
ADMIN_SECRET = "browser-test-secret"
# The zone the pages are read in unless a test says otherwise.
READER_ZONE = "Europe/Berlin"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM} (apt-get install chromium or set CHROMIUM_PATH)"
        )
    try:
        ensure_built()
    except BundleError as error:
        pytest.fail(str(error))
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts: ``new_page(color_scheme="dark", timezone_id=...)``.

    Every page records uncaught script errors in ``page.errors`` (a list of str).
    """
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        settings: dict[str, Any] = {
            "viewport": {"width": 1100, "height": 900},
            "timezone_id": READER_ZONE,
            "locale": "en-GB",
            "color_scheme": "light",
        }
        settings.update(options)
        context = browser.new_context(**settings)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors  # type: ignore[attr-defined]
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ at the repository root (gitignored), for screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def build_app(database: Path, url_prefix: str | None = None, **config: Any) -> Flask:
    """An app with the real FlaskStatus on a SQLite file and the admin API enabled.

    Keyword arguments override config keys; ``url_prefix`` is passed to FlaskStatus.
    The app has two routes of its own: ``/users/<int:user_id>`` and ``/orders``.
    """
    app = Flask(f"shop_{database.stem}")
    app.config.update(
        SERVER_STATUS_DATABASE_URI=f"sqlite:///{database}",
        SERVER_STATUS_API_ENABLED=True,
        SERVER_STATUS_API_SECRET=ADMIN_SECRET,
        SERVER_STATUS_PAGE_TITLE="Acme Shop",
    )
    app.config.update(config)

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        """# Users

        Look up one user.
        """
        return {"id": user_id}

    @app.get("/orders")
    def orders() -> tuple[str, int]:
        """# Orders

        List orders (fails on purpose with ?fail=1).
        """
        return ("failed", 500) if request.args.get("fail") else ("ok", 200)

    FlaskStatus(app, url_prefix=url_prefix)
    return app


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """``make_app(url_prefix=None, **config)``: :func:`build_app` on a fresh SQLite file."""
    counter = iter(range(1000))

    def make(url_prefix: str | None = None, **config: Any) -> Flask:
        return build_app(tmp_path / f"status{next(counter)}.db", url_prefix, **config)

    return make


#: Routes seeded for the page tests: enough for scrolling and varied states, quick to seed.
SEEDED_ROUTES = 12


@pytest.fixture(scope="module")
def seeded_page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page URL of an app seeded with 90 days of history, incidents and maintenance.

    Shared by the tests of a module (seeding takes a second); tests must not change its data.
    """
    app = build_app(tmp_path_factory.mktemp("seeded") / "status.db")
    seed_history(app, routes=SEEDED_ROUTES, days=90)
    server = LiveServer(app)
    base = server.start()
    yield f"{base}/status/"
    server.stop()


def send_traffic(app: Flask, *, ok: int = 20, failed: int = 2) -> None:
    """Real requests through the app's own test client, then a flush to the database."""
    client = app.test_client()
    for number in range(ok):
        client.get(f"/users/{number}")
    for _ in range(failed):
        client.get("/orders?fail=1")
    client.get("/orders")
    get_state(app).flush()


class Admin:
    """The admin API of a served app, with the bearer token."""

    def __init__(self, base_url: str, prefix: str = "/flask-status") -> None:
        self.base = f"{base_url}{prefix}"

    def call(self, method: str, path: str, body: dict[str, Any]) -> Any:
        response = requests.request(
            method,
            f"{self.base}{path}",
            json=body,
            headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
            timeout=10,
        )
        assert response.status_code < 300, response.text
        return response.json() if response.content else None


def wait_ready(page: Page, url: str) -> None:
    """Open ``url`` and wait until the first summary is rendered."""
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=15_000)


def summary(page_url: str, days: int = 90) -> Any:
    """The API answer the page reads, fetched directly for comparison."""
    response = requests.get(f"{page_url}api/summary", params={"days": days}, timeout=10)
    response.raise_for_status()
    return response.json()
