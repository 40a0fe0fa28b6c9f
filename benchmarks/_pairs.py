"""Paired rounds against a bare Flask app: how every script in benchmarks/ measures a cost.

A :class:`Pair` is a *subject*, one request to an app that carries our
packages (or a peer's), and its *baseline*, one request to a separate Flask
app that has none of them, built in the same process. Both are in-process
WSGI calls (no sockets), so what is measured is the code each request runs.

:func:`compare` times every pair in the same run, in rounds: each round runs
one batch of the subject and one batch of its baseline back to back, the
order swapped every other round, timed in CPU seconds of this process
(``time.process_time``). Other programs on a shared machine take wall time
from a batch, hardly CPU time; threads the subject starts (a flush thread)
are counted, as the host pays for them too. A pair's ratio is the median of
its per-round ratios, baseline time / subject time: the subject's share of
the bare app's request rate, 1.00 when it costs nothing; the quartiles of the
rounds are printed beside it, to tell a miss from noise.

:func:`main` parses ``--rounds`` and ``--requests``, measures and prints each
pair as ``name: ratio 0.987 (goal >= 0.99; ...)``: the lines ``nox -s bench``
collects. The scripts only say which pairs they want, built with the apps of
:mod:`_hosts`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from _hosts import Hosts
from flask import Flask
from werkzeug.test import EnvironBuilder

Call = Callable[[], None]


def wsgi_call(app: Flask, path: str) -> Call:
    """One in-process WSGI request of ``path`` (probe-like headers); raises unless 200."""
    environ = EnvironBuilder(
        path=path, headers={"Accept": "*/*", "User-Agent": "kube-probe/1.30"}
    ).get_environ()
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    def call() -> None:
        body = app(dict(environ), start_response)
        try:
            for _chunk in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        if not statuses.pop().startswith("200"):
            raise RuntimeError(f"{app.name} {path} did not answer 200")

    call()  # the first request also proves the route answers
    return call


@dataclass(frozen=True)
class Pair:
    """A subject request timed against its baseline; ``goal=None`` for a peer's figure."""

    name: str
    subject: Call
    baseline: Call
    goal: float | None = None


def batch_seconds(call: Call, requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        call()
    return time.process_time() - started


def compare(pairs: Sequence[Pair], rounds: int, requests: int) -> dict[str, list[float]]:
    """Every pair's per-round ratios, baseline time / subject time."""
    for pair in pairs:  # warm up: first calls fill caches and pools
        batch_seconds(pair.subject, requests)
        batch_seconds(pair.baseline, requests)
    ratios: dict[str, list[float]] = {pair.name: [] for pair in pairs}
    for number in range(rounds):
        gc.collect()  # each round starts from the same heap
        for pair in pairs:
            if number % 2:
                baseline = batch_seconds(pair.baseline, requests)
                subject = batch_seconds(pair.subject, requests)
            else:
                subject = batch_seconds(pair.subject, requests)
                baseline = batch_seconds(pair.baseline, requests)
            ratios[pair.name].append(baseline / subject)
    return ratios


def line(name: str, ratios: Sequence[float], goal: float | None) -> str:
    """``name: ratio 0.987 (goal >= 0.99; middle half 0.981-0.993)``: the median ratio,
    the goal (or ``peer, no goal``) and the quartiles of the rounds, the noise."""
    target = "peer, no goal" if goal is None else f"goal >= {goal:.2f}"
    low, _median, high = statistics.quantiles(ratios, n=4)
    ratio = statistics.median(ratios)
    return f"{name}: ratio {ratio:.3f} ({target}; middle half {low:.3f}-{high:.3f})"


def main(
    title: str,
    build: Callable[[Hosts], Iterable[Pair]],
    *,
    summary: Callable[[Sequence[Pair], dict[str, float]], Iterable[str]] | None = None,
) -> None:
    """Parse ``--rounds``/``--requests``, measure ``build(hosts)``'s pairs, print every ratio.

    The apps are built on a :class:`~_hosts.Hosts`, closed after the
    measurement. ``summary(pairs, ratios)`` gives further lines, printed last.
    """
    parser = argparse.ArgumentParser(description=title)
    # Short batches, many rounds: the two batches of a pair run milliseconds
    # apart, so a load change on a shared machine hits both alike.
    parser.add_argument("--rounds", type=int, default=101)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with Hosts() as hosts:
        pairs = list(build(hosts))
        print(f"{title}: median of {args.rounds} paired rounds of {args.requests} requests")
        print("each figure: its request rate / a bare Flask app's, in CPU time of this process")
        ratios = compare(pairs, args.rounds, args.requests)
    for pair in pairs:
        print(line(pair.name, ratios[pair.name], pair.goal))
    medians = {name: statistics.median(values) for name, values in ratios.items()}
    for text in summary(pairs, medians) if summary is not None else ():
        print(text)
