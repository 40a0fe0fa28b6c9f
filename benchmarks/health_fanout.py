"""``/z/health`` with N slow dependencies: concurrent evaluation against sequential.

Starts N HTTP services on loopback that each answer after ``--delay``
seconds, points an app's ``service_dependencies`` at them (result caching
off) and times ``GET /z/health``. The same dependency checks, run one after
the other, are the baseline. Prints both times and the ratio (sequential /
ours: how many times faster the concurrent evaluation answers).

    python benchmarks/health_fanout.py [--deps 10] [--delay 0.1] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask

from flask_management_endpoints import ManagementEndpoints
from flask_management_endpoints.health.contributors import Check
from flask_management_endpoints.state import get_state
from tests.support.fake_service import FakeService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deps", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    services = [FakeService(delay=args.delay) for _ in range(args.deps)]
    for service in services:
        service.start()
    try:
        app = Flask("fanout")
        app.config["Z_ENDPOINTS"] = {
            "service_dependencies": {f"dep{i:02}": s.url for i, s in enumerate(services)},
            "indicators": {"diskSpace": False, "memory": False},
            "success_ttl": 0,
            "failure_ttl": 0,
        }
        ManagementEndpoints(app)
        client = app.test_client()
        members = get_state(app).endpoint().registry.root.members
        checks = [c for c in members.values() if isinstance(c, Check) and c.remote]
        assert len(checks) == args.deps

        def ours() -> None:
            response = client.get("/z/health")
            assert response.status_code == 200, response.get_data(as_text=True)

        def sequential() -> None:
            assert all(check.run().status == "UP" for check in checks)

        ours()
        sequential()  # warm up connections
        ours_times, sequential_times = [], []
        for _ in range(args.rounds):
            for run, times in ((ours, ours_times), (sequential, sequential_times)):
                started = time.perf_counter()
                run()
                times.append(time.perf_counter() - started)
    finally:
        for service in services:
            service.stop()

    ours_s, sequential_s = statistics.median(ours_times), statistics.median(sequential_times)
    print(f"{args.deps} dependencies answering after {args.delay * 1000:.0f} ms each")
    print(f"sequential checks : {sequential_s * 1000:8.1f} ms (median of {args.rounds})")
    print(f"/z/health         : {ours_s * 1000:8.1f} ms")
    print(f"ratio (sequential / ours): {sequential_s / ours_s:.1f}x faster")


if __name__ == "__main__":
    main()
