"""Capture cost: a recorded route on SQLite and PostgreSQL, and paths never recorded.

An app with flask-server-status records its JSON ``/hello`` (latency
histogram included) into SQLite, and another into PostgreSQL when one is
found as the test suite finds it (else a printed reason); a third records it
while its database is unreachable (the counts wait in memory). The same app
also serves paths it does not record: a host route under the ``/z`` prefix
and a static file. Every request is timed against the same path of a
separate bare Flask app (benchmarks/_pairs.py says how). Goals: recorded at
least 0.95, not recorded at least 0.99.

    python benchmarks/capture_overhead.py [--rounds 101] [--requests 200]
"""

from __future__ import annotations

from collections.abc import Iterator

from _hosts import HELLO, STATIC_FILE, UNDER_PREFIX, Hosts
from _pairs import Pair, main, wsgi_call


def pairs(hosts: Hosts) -> Iterator[Pair]:
    bare = hosts.bare()
    hello = wsgi_call(bare, HELLO)
    sqlite = hosts.with_status(hosts.app("sqlite"))
    recorded = {"on SQLite": sqlite}
    postgres = hosts.postgres()
    if postgres is not None:
        recorded["on PostgreSQL"] = hosts.with_status(hosts.app("postgresql"), postgres)
    # A database file in a folder that does not exist: every flush fails.
    down = f"sqlite:///{hosts.folder / 'none' / 'status.db'}"
    recorded["while the database is down"] = hosts.with_status(hosts.app("down"), down)
    for name, app in recorded.items():
        yield Pair(f"recorded /hello {name}", wsgi_call(app, HELLO), hello, 0.95)
    for path in (UNDER_PREFIX, STATIC_FILE):
        yield Pair(f"unrecorded {path}", wsgi_call(sqlite, path), wsgi_call(bare, path), 0.99)


if __name__ == "__main__":
    main("capture", pairs)
