"""What a worker holds while its database is down: bounded, and as small as the README says."""

from __future__ import annotations

import json
import math
import random
import tracemalloc
from pathlib import Path

from flask_server_status import get_state
from flask_server_status.aggregate import (
    CLIENT_ERRORS,
    COUNTER_COUNT,
    FAILURES,
    HISTOGRAM_START,
    SUCCESSES,
    Aggregate,
    add_packed,
    pack_counters,
    requests_of,
    unpack,
)
from flask_server_status.batches import Batch
from flask_server_status.clock import utcnow
from flask_server_status.latency import SLOTS, slot_of
from tests.server_status.sample_app import create_app

#: What the README states for a worker's full buffer (the default bound,
#: 20,000 route-minutes) under the traffic below.
STATED_BOUND_BYTES = 5_000_000
ROUTES = 60
#: Minutes of traffic between two flush attempts.
MINUTES_PER_FLUSH = 30


def test_a_full_buffer_stays_within_the_stated_bound(tmp_path: Path) -> None:
    """Traffic on 60 routes until the database outage fills the buffer of 20,000 route-minutes.

    Each route has its own log-normal latency (median 2 to 300 ms, sigma 0.3 to
    0.9) and its own rate (300 down to 5 requests a minute), so route-minutes
    hit from one to a few dozen histogram slots, and some requests fail.
    """
    app = create_app(
        f"sqlite:///{tmp_path / 'missing' / 'status.db'}",  # a folder that does not exist
        # The spool holds nothing in memory, and rewriting it at every failed
        # flush would make the test slow, not tell more.
        SERVER_STATUS_SPOOL_DIR=False,
    )
    flusher = get_state(app).flusher
    bound = flusher.pending.max_buckets
    assert bound == 20_000  # the default
    generator = random.Random(19)
    routes = [
        (
            f"/route{index}/<int:id>",
            generator.uniform(math.log(2), math.log(300)),
            generator.uniform(0.3, 0.9),
            300 // (index + 1) + 5,
        )
        for index in range(ROUTES)
    ]
    outcomes = [SUCCESSES] * 97 + [FAILURES, CLIENT_ERRORS, CLIENT_ERRORS]
    assert not flusher.flush()  # the failing database's first error is behind us
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        minute = 29_000_000
        while flusher.pending.dropped == 0:
            for _ in range(MINUTES_PER_FLUSH):
                for rule, mu, sigma, rate in routes:
                    for _ in range(rate):
                        latency_ms = generator.lognormvariate(mu, sigma)
                        flusher.aggregate.add(rule, minute, generator.choice(outcomes), latency_ms)
                minute += 1
            assert not flusher.flush()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        flusher.stop(flush=False)
    assert flusher.held_buckets == bound
    assert grown <= STATED_BOUND_BYTES, f"{grown:,} bytes held for {bound:,} route-minutes"


def dense(generator: random.Random, requests: int) -> list[float]:
    """An aggregate counter list of ``requests`` requests of varied latency."""
    counters: list[float] = [0] * COUNTER_COUNT
    for _ in range(requests):
        latency_ms = generator.lognormvariate(3, 2)
        counters[0] += 1
        counters[generator.choice([SUCCESSES, FAILURES, CLIENT_ERRORS])] += 1
        counters[4] += latency_ms
        counters[HISTOGRAM_START + slot_of(latency_ms)] += 1
    return counters


def test_packed_counts_keep_every_count_exactly() -> None:
    generator = random.Random(5)
    for requests in (1, 2, 255, 256, 70_000, 2**32 + 3):
        counters = dense(generator, min(requests, 500))
        counters[0] = requests  # widths of 1, 2, 4 and 8 bytes
        totals, histogram = unpack(pack_counters(counters))
        assert totals == counters[:HISTOGRAM_START]
        assert histogram == {s: c for s, c in enumerate(counters[HISTOGRAM_START:]) if c}
        assert list(histogram) == sorted(histogram)
        assert requests_of(pack_counters(counters)) == requests
    first, second = dense(generator, 40), dense(generator, 3)
    added = [a + b for a, b in zip(first, second, strict=True)]
    assert unpack(add_packed(pack_counters(first), pack_counters(second))) == unpack(
        pack_counters(added)
    )
    every_slot: list[float] = [SLOTS, SLOTS, 0, 0, 1.5] + [1] * SLOTS
    assert unpack(pack_counters(every_slot))[1] == dict.fromkeys(range(SLOTS), 1)


def test_a_spool_of_the_dense_form_of_earlier_versions_is_read() -> None:
    aggregate = Aggregate()
    generator = random.Random(8)
    for _ in range(300):
        aggregate.add(f"/r{generator.randrange(3)}", 29_000_000, SUCCESSES, generator.random())
    batch = Batch.new(utcnow().replace(microsecond=0), *aggregate.drain())
    written = json.loads(json.dumps(batch.to_json()))
    assert Batch.from_json(written) == batch
    for bucket in written["buckets"]:  # as earlier versions wrote it: one dense list
        counters: list[float] = [*bucket[2], *[0] * SLOTS]
        for slot, count in bucket.pop():
            counters[HISTOGRAM_START + slot] = count
        bucket[2] = counters
    assert Batch.from_json(written) == batch
