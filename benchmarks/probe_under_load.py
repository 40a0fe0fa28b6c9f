"""Probes under load: liveness and readiness while 50 clients flood ``/z/health``.

Real gunicorn (gthread, 2 workers x 8 threads) on loopback serves an app
whose one service dependency hangs and whose database is blackholed: both
point at a loopback TCP listener that accepts connections and never
answers. For ``--seconds`` (default 20), ``--clients`` (50) keep-alive
clients in a separate process request ``/z/health`` back to back, while
two probers in this process send a liveness and a readiness probe every
100 ms, each on a new connection as the kubelet does. Prints p50, p99, max
and the count over 1 s (Kubernetes' default ``timeoutSeconds``) for each
probe, next to the same figures for ``/z/health``.

``--compare`` runs the same load a second time with every ``/z/health``
allowed to wait for its checks (``max_waiting_evaluations`` = 64), which is
how the endpoint behaved before the waiting limit.

    python benchmarks/probe_under_load.py [--seconds 20] [--clients 50] [--compare]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.gunicorn import GunicornProcess
from tests.support.tcp_proxy import TcpProxy

APP = """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_management_endpoints import ManagementEndpoints

app = Flask("under_load")
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://postgres@127.0.0.1:{port}/test"
app.config["Z_ENDPOINTS"] = {{
    "service_dependencies": {{"hanging": "http://127.0.0.1:{port}/z/health"}},
    "max_waiting_evaluations": {waiting},
}}
db = SQLAlchemy(app)
ManagementEndpoints(app, db=db)
"""
PROBE_INTERVAL = 0.1
PROBE_TIMEOUT = 5.0


def get(connection: http.client.HTTPConnection, path: str) -> float:
    started = time.perf_counter()
    connection.request("GET", path, headers={"Accept": "*/*"})
    connection.getresponse().read()
    return time.perf_counter() - started


def flood(
    port: int, clients: int, until: float, results: multiprocessing.Queue[list[float]]
) -> None:
    """``clients`` threads requesting /z/health back to back until ``until`` (wall clock)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        mine: list[float] = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
        while time.time() < until:
            try:
                mine.append(get(connection, "/z/health"))
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(latencies)


def probe(port: int, path: str, until: float, latencies: list[float]) -> None:
    """One probe every PROBE_INTERVAL on a new connection; a failure counts as the timeout."""
    while time.time() < until:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
        try:
            latencies.append(get(connection, path))
        except (OSError, http.client.HTTPException):
            latencies.append(PROBE_TIMEOUT)
        finally:
            connection.close()
        time.sleep(PROBE_INTERVAL)


def summary(name: str, latencies: list[float]) -> str:
    if not latencies:
        return f"{name:<22}: no answers"
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    over = sum(1 for value in ordered if value > 1.0)
    return (
        f"{name:<22}: n={len(ordered):6d}  p50 {statistics.median(ordered) * 1000:7.1f} ms"
        f"  p99 {p99 * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms  over 1 s: {over}"
    )


def run(workdir: Path, blackhole: TcpProxy, args: argparse.Namespace, waiting: int) -> None:
    module = workdir / f"under_load_{waiting}.py"
    module.write_text(APP.format(port=blackhole.port, waiting=waiting))
    server = GunicornProcess(
        f"{module.stem}:app",
        workdir,
        workers=2,
        worker_class="gthread",
        threads=8,
        pythonpath=[workdir],
        ready_path="/z/health/liveness",
    ).start()
    try:
        until = time.time() + args.seconds
        results: multiprocessing.Queue[list[float]] = multiprocessing.Queue()
        flooder = multiprocessing.get_context("fork").Process(
            target=flood, args=(server.port, args.clients, until, results)
        )
        flooder.start()
        probes: dict[str, list[float]] = {"liveness": [], "readiness": []}
        probers = [
            threading.Thread(target=probe, args=(server.port, f"/z/health/{name}", until, found))
            for name, found in probes.items()
        ]
        for prober in probers:
            prober.start()
        for prober in probers:
            prober.join()
        health = results.get(timeout=args.seconds + 30)
        flooder.join(timeout=30)
    finally:
        server.stop()
    print(f"max_waiting_evaluations={waiting}, {args.clients} clients, {args.seconds:.0f} s:")
    print("  " + summary("/z/health/liveness", probes["liveness"]))
    print("  " + summary("/z/health/readiness", probes["readiness"]))
    print("  " + summary("/z/health (flood)", health))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.seconds <= 120 or not 1 <= args.clients <= 200:
        parser.error("--seconds must be 1-120 and --clients 1-200")
    blackhole = TcpProxy()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            run(Path(workdir), blackhole, args, waiting=2)
            if args.compare:
                run(Path(workdir), blackhole, args, waiting=64)
    finally:
        blackhole.close()


if __name__ == "__main__":
    main()
