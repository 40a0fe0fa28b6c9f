"""Probe cost: liveness, readiness and ping against a bare app's JSON route, beside the peers.

Our probes (``/z/health/liveness``, ``/z/health/readiness``,
``/z/health/ping``) are served by an app with flask-management-endpoints
alone and by one with both packages; each installed peer's probes by an app
with that peer. Every probe is timed against ``/hello`` of a separate bare
Flask app (benchmarks/_pairs.py says how). Goal: each of ours at least 0.97,
and ahead of every peer measured in the same run.

    python benchmarks/probe_overhead.py [--rounds 101] [--requests 200]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from _hosts import HELLO, Hosts, peer_apps, with_management
from _pairs import Pair, main, wsgi_call

PROBES = ("/z/health/liveness", "/z/health/readiness", "/z/health/ping")
GOAL = 0.97


def pairs(hosts: Hosts) -> Iterator[Pair]:
    bare = wsgi_call(hosts.bare(), HELLO)
    apps = {
        "flask-management-endpoints": with_management(hosts.app("me")),
        "both packages": hosts.with_status(with_management(hosts.app("both"))),
    }
    for name, app in apps.items():
        for path in PROBES:
            yield Pair(f"{path} of {name}", wsgi_call(app, path), bare, GOAL)
    for peer, app in peer_apps(hosts):
        for path in peer.probes:
            yield Pair(f"{path} of {peer.name}", wsgi_call(app, path), bare)


def ahead_of_peers(pairs: Sequence[Pair], ratios: dict[str, float]) -> Iterable[str]:
    """Whether our slowest probe beats the fastest peer's (peers have no goal)."""
    ours = [pair.name for pair in pairs if pair.goal is not None]
    peers = [pair.name for pair in pairs if pair.goal is None]
    if not peers:
        return
    slowest = min(ours, key=ratios.__getitem__)
    fastest = max(peers, key=ratios.__getitem__)
    verdict = "ahead" if ratios[slowest] > ratios[fastest] else "NOT ahead"
    yield (
        f"our slowest probe {slowest}: ratio {ratios[slowest]:.3f}; fastest peer {fastest}:"
        f" ratio {ratios[fastest]:.3f}; ours {verdict} of every peer"
    )


if __name__ == "__main__":
    main("probes", pairs, summary=ahead_of_peers)
