"""A small shop that uses both extensions; `nox -s demo` serves it on 127.0.0.1:5000.

- http://127.0.0.1:5000/z/health, /z/info, /z/version: flask-management-endpoints
- http://127.0.0.1:5000/status/: flask-server-status, stored in SQLite in the
  instance folder (examples/instance/)

A background thread sends the app a request every half second, some of which
fail, so the status page shows real data a minute after start. Those failures
are deliberate: each logs one line, not a traceback, so the start-up lines
(the URLs and the admin API example) stay readable in the console.
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from flask import Flask, abort, jsonify, request

from flask_management_endpoints import ManagementEndpoints
from flask_server_status import FlaskStatus

# Share of checkout requests that fail with a 500, so the status page has
# something to report.
CHECKOUT_FAILURE_RATE = 0.08
# The demo's admin API token; a real app reads its secret from the environment.
DEFAULT_ADMIN_SECRET = "demo-admin-secret"  # noqa: S105 (a demo, on loopback)


class PaymentProviderTimeoutError(RuntimeError):
    """The demo's deliberate checkout failure."""


ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class DemoFlask(Flask):
    """Flask, logging the deliberate checkout failures in one line."""

    def log_exception(self, exc_info: ExcInfo) -> None:
        error = exc_info[1]
        if isinstance(error, PaymentProviderTimeoutError):
            # Still an unhandled exception (a 500, and flask-server-status notes
            # its type and message for the automatic incident), but an expected
            # one: a traceback would only bury the start-up lines.
            self.logger.warning("%s %s failed on purpose: %s", request.method, request.path, error)
            return
        super().log_exception(exc_info)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the demo app; ``config`` overrides its defaults (tests use their own database)."""
    app = DemoFlask(__name__)
    app.config.update(
        DEMO_CHECKOUT_FAILURE_RATE=CHECKOUT_FAILURE_RATE,
        VERSION="1.4.2",
        SERVER_STATUS_PAGE_TITLE="Demo shop",
        SERVER_STATUS_FLUSH_INTERVAL_SECONDS=5,
        SERVER_STATUS_API_ENABLED=True,
        SERVER_STATUS_API_SECRET=os.environ.get("DEMO_ADMIN_SECRET") or DEFAULT_ADMIN_SECRET,
        Z_ENDPOINTS={
            "check_functions": {"health": {"catalogue": lambda: True}},
        },
    )
    app.config.update(config or {})

    @app.get("/")
    def home() -> str:
        """
        # Home
        The shop's landing page.
        """
        return "Welcome to the demo shop"

    @app.get("/products")
    def products() -> object:
        """
        # Catalogue
        Lists every product.
        """
        return jsonify([{"id": i, "name": f"Product {i}"} for i in range(1, 6)])

    @app.get("/products/<int:product_id>")
    def product(product_id: int) -> object:
        """
        # Product page
        One product; unknown ids answer 404.
        """
        if product_id > 5:
            abort(404)
        return jsonify({"id": product_id, "name": f"Product {product_id}"})

    @app.post("/checkout")
    def checkout() -> object:
        """
        # Checkout
        Takes the order; the payment provider fails now and then.
        """
        if random.random() < app.config["DEMO_CHECKOUT_FAILURE_RATE"]:
            raise PaymentProviderTimeoutError("payment provider timed out")
        return jsonify({"order": random.randint(1000, 9999)}), 201

    @app.get("/search")
    def search() -> object:
        """
        # Search
        Full-text search, slower than the rest.
        """
        time.sleep(random.uniform(0.02, 0.15))
        return jsonify({"results": []})

    ManagementEndpoints(app)
    FlaskStatus(app, url_prefix="/status")
    return app


def send_traffic(app: Flask, stop: threading.Event) -> None:
    """Request a random route every half second until ``stop`` is set."""
    client = app.test_client()
    calls = [
        lambda: client.get("/"),
        lambda: client.get("/products"),
        lambda: client.get(f"/products/{random.randint(1, 7)}"),
        lambda: client.post("/checkout"),
        lambda: client.get("/search?q=shoes"),
    ]
    while not stop.wait(0.5):
        random.choice(calls)()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--no-traffic", action="store_true", help="do not send demo traffic")
    parser.add_argument(
        "--failure-rate",
        type=float,
        default=CHECKOUT_FAILURE_RATE,
        help="share of checkouts that fail (default %(default)s)",
    )
    parser.add_argument(
        "--database", help="SQLAlchemy URL of the status database (default: the instance folder)"
    )
    args = parser.parse_args()

    config: dict[str, Any] = {"DEMO_CHECKOUT_FAILURE_RATE": args.failure_rate}
    if args.database:
        config["SERVER_STATUS_DATABASE_URI"] = args.database
    app = create_app(config)
    stop = threading.Event()
    secret = app.config["SERVER_STATUS_API_SECRET"]
    base = f"http://127.0.0.1:{args.port}"
    print(
        f"Status page:          {base}/status/\n"
        f"Management endpoints: {base}/z/health, {base}/z/info, {base}/z/version\n"
        "Try the admin API, e.g. open an incident:\n"
        f"  curl -X POST -H 'Authorization: Bearer {secret}' -H 'Content-Type: application/json' "
        f'-d \'{{"title": "Slow checkout", "status": "investigating", '
        f'"message": "Looking into it"}}\' {base}/flask-status/incidents',
        flush=True,
    )
    if not args.no_traffic:
        threading.Thread(target=send_traffic, args=(app, stop), daemon=True).start()
    try:
        app.run(host="127.0.0.1", port=args.port, threaded=True, use_reloader=False)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
