"""What the host's own routes pay: its JSON ``/hello`` with each package, against a bare app.

The same route is served by an app with flask-management-endpoints, one with
flask-server-status (recording it, on SQLite), one with both, and one with
each installed peer; each is timed against ``/hello`` of a separate bare
Flask app (benchmarks/_pairs.py says how). Goals: management-endpoints
serves none of the host's routes, so at least 0.99; server-status records
this one, so at least 0.95; both together at least 0.94 (the two goals
multiplied). prometheus-flask-exporter's figure is its per-request metrics.

    python benchmarks/host_overhead.py [--rounds 101] [--requests 200]
"""

from __future__ import annotations

from collections.abc import Iterator

from _hosts import HELLO, Hosts, peer_apps, with_management
from _pairs import Pair, main, wsgi_call


def pairs(hosts: Hosts) -> Iterator[Pair]:
    bare = wsgi_call(hosts.bare(), HELLO)
    ours = {
        "flask-management-endpoints": (with_management(hosts.app("me")), 0.99),
        "flask-server-status": (hosts.with_status(hosts.app("ss")), 0.95),
        "both": (hosts.with_status(with_management(hosts.app("both"))), 0.94),
    }
    for name, (app, goal) in ours.items():
        yield Pair(f"host route with {name}", wsgi_call(app, HELLO), bare, goal)
    for peer, app in peer_apps(hosts):
        yield Pair(f"host route with {peer.name}", wsgi_call(app, HELLO), bare)


if __name__ == "__main__":
    main("the host's JSON /hello", pairs)
