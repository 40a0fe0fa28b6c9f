"""Time to a fully rendered status page in headless Chromium: 50 routes x 90 days.

Serves the real FlaskStatus page (the built bundle) from a live Werkzeug server over
a SQLite database seeded with ``tests.support.status_seed.seed_history``, then loads
it in Debian's Chromium, cold (fresh browser context, empty cache) and warm (reload
in the same context). For each load it reads the page's own ``status-rendered``
performance mark (set after the first render, when every row and bar is in the DOM;
layout and paint come after it), the
Resource Timing of ``api/summary`` and the bytes transferred.

    python benchmarks/page_load.py            # needs the bundle: nox -s frontend

Prints medians and two ratios measured in this run: the share of the time to render
spent fetching the API, and cold over warm load time.
"""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from flask_server_status import FlaskStatus  # noqa: E402
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402
from tests.support.page_bundle import STATIC  # noqa: E402
from tests.support.status_seed import seed_history  # noqa: E402

ROUTES = 50
DAYS = 90
RUNS = 5

MEASURE = """() => {
  const rendered = performance.getEntriesByName('status-rendered')[0];
  const api = performance.getEntriesByType('resource').find(e => e.name.includes('/api/summary'));
  const entries = [...performance.getEntriesByType('navigation'),
                   ...performance.getEntriesByType('resource')];
  return {
    rendered_ms: rendered.startTime,
    api_ms: api.responseEnd - api.startTime,
    after_api_ms: rendered.startTime - api.responseEnd,
    transferred: entries.reduce((sum, e) => sum + e.transferSize, 0),
    decoded: entries.reduce((sum, e) => sum + e.decodedBodySize, 0),
    rows: document.querySelectorAll('#component-list > li').length,
    bars: document.querySelectorAll('#component-list .bars > li').length,
  };
}"""


def seeded_app(database: Path) -> Flask:
    app = Flask("page_load_benchmark")
    app.config.update(
        SERVER_STATUS_DATABASE_URI=f"sqlite:///{database}",
        SERVER_STATUS_PAGE_TITLE="Benchmark",
    )
    FlaskStatus(app)
    seed_history(app, routes=ROUTES, days=DAYS)
    return app


def measure(page: Page) -> dict[str, Any]:
    page.wait_for_function(
        "() => performance.getEntriesByName('status-rendered').length > 0", timeout=60_000
    )
    result: dict[str, Any] = page.evaluate(MEASURE)
    if result["rows"] != ROUTES or result["bars"] != ROUTES * DAYS:
        raise SystemExit(f"page not fully rendered: {result['rows']} rows, {result['bars']} bars")
    return result


def median(samples: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(sample[key] for sample in samples))


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    if not (STATIC / "status.js").exists():
        raise SystemExit("the page bundle is not built; run `nox -s frontend` first")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        app = seeded_app(Path(tmp) / "status.db")
        print(f"seeded {ROUTES} routes x {DAYS} days in {time.perf_counter() - started:.1f} s")
        server = LiveServer(app)
        url = f"{server.start()}/status/?days={DAYS}"
        cold: list[dict[str, Any]] = []
        warm: list[dict[str, Any]] = []
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                # One unmeasured load so server-side caches and the browser process are warm.
                context = browser.new_context()
                context.new_page().goto(url)
                context.close()
                for _ in range(RUNS):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(url)
                    cold.append(measure(page))
                    page.reload()
                    warm.append(measure(page))
                    context.close()
                browser.close()
        finally:
            server.stop()

    for name, samples in (("cold", cold), ("warm", warm)):
        print(
            f"{name}: rendered {ROUTES} rows x {DAYS} bars in "
            f"{median(samples, 'rendered_ms'):.0f} ms (median of {RUNS}); "
            f"api/summary fetch {median(samples, 'api_ms'):.0f} ms, "
            f"parse + render after it {median(samples, 'after_api_ms'):.0f} ms; "
            f"transferred {median(samples, 'transferred') / 1024:.1f} KiB "
            f"({median(samples, 'decoded') / 1024:.1f} KiB decoded)"
        )
    rendered = median(cold, "rendered_ms")
    print(f"ratio api_fetch/time_to_render (cold) = {median(cold, 'api_ms') / rendered:.2f}")
    print(f"ratio cold/warm time_to_render = {rendered / median(warm, 'rendered_ms'):.2f}")


if __name__ == "__main__":
    main()
