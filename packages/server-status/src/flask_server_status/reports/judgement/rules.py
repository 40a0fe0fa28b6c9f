"""The judgement rules: error-budget burn rates, alerts, severity and evidence.

Pure functions over window counts (no I/O), after the multi-window,
multi-burn-rate alerting of Google's SRE Workbook ("Alerting on SLOs"):

- the *error budget* of an objective of 99.9 % is 0.1 % of requests;
- a window's *burn rate* is its error rate divided by the budget, so 1 means
  the budget lasts exactly the 30-day period and 14.4 that 2 % of it goes in
  one hour;
- an alert holds when both its long and its short window burn at least at its
  rate, the short window saw at least ``min_requests`` requests (a handful of
  requests never opens anything alone), and in each window the failures are
  more than chance would give at the alert's rate (:func:`beyond_chance`: one
  failure in 900 requests is 1.1 times a 0.1 % budget, and proves nothing):

  ======  ===========  ============  =========  ========
  alert   long window  short window  burn rate  severity
  ======  ===========  ============  =========  ========
  fast    1 hour       5 minutes     14.4       major
  medium  6 hours      30 minutes    6          major
  slow    3 days       6 hours       1          minor
  ======  ===========  ============  =========  ========

- the optional latency objective ("p95 under N ms") holds against the same
  pair as the fast alert: the percentile over the last hour and the last
  5 minutes both above N is ``minor`` (degraded performance);
- a route is *quiet* when, over the quiet period, it failed within its
  objective (burn rate below 1, or fewer than ``min_requests`` requests) and
  met its latency objective: an open automatic incident is then resolved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...config import Settings
from ...latency import percentile

#: Window name -> length in minutes. Every window but ``3d`` is read from
#: minute buckets, ``3d`` from hourly buckets.
WINDOWS: dict[str, int] = {"5m": 5, "30m": 30, "1h": 60, "6h": 360, "3d": 3 * 24 * 60}
#: The window the quiet period is read into (its length comes from the settings).
QUIET = "quiet"

SEVERITY_ORDER: tuple[str, ...] = ("minor", "major")


@dataclass(frozen=True)
class Alert:
    """One burn-rate alert: both windows at ``burn_rate`` or more open ``severity``."""

    name: str
    long: str
    short: str
    burn_rate: float
    severity: str


ALERTS: tuple[Alert, ...] = (
    Alert("fast", "1h", "5m", 14.4, "major"),
    Alert("medium", "6h", "30m", 6.0, "major"),
    Alert("slow", "3d", "6h", 1.0, "minor"),
)
#: How unlikely the failures must be at the alert's own error rate for it to hold.
SIGNIFICANCE = 0.01
#: Above this many expected failures the Poisson tail is read from the normal curve.
_NORMAL_FROM = 50.0
#: The latency objective is judged over the fast alert's pair of windows.
LATENCY_WINDOWS: tuple[str, str] = ("1h", "5m")


@dataclass
class WindowCounts:
    """Requests and failures of one window, and its latency histogram
    (``{bucket index: requests}``, see ``latency``) when loaded."""

    requests: int = 0
    failures: int = 0
    histogram: dict[int, int] = field(default_factory=dict)

    @property
    def error_rate(self) -> float | None:
        return None if self.requests <= 0 else self.failures / self.requests


@dataclass(frozen=True)
class Objectives:
    """What a route is judged against: availability (percent), optional latency."""

    availability: float
    min_requests: int
    latency_ms: float | None = None
    latency_percentile: int = 95

    @property
    def budget(self) -> float:
        """The error budget as a fraction of requests (0.001 for 99.9 %)."""
        return 1 - self.availability / 100


def objectives_for(settings: Settings, rule: str, endpoint: str) -> Objectives:
    """A route's objectives: the availability objective is an override for its URL
    rule, else one for its endpoint, else ``SERVER_STATUS_SLO``."""
    overrides = dict(settings.slo_overrides)
    availability = next(
        (overrides[key] for key in (rule, endpoint) if key in overrides), settings.slo_objective
    )
    return Objectives(
        availability=availability,
        min_requests=settings.slo_min_requests,
        latency_ms=settings.latency_objective_ms,
        latency_percentile=settings.latency_objective_percentile,
    )


@dataclass(frozen=True)
class Verdict:
    """What the windows say: the alert that holds (``fast``, ``medium``, ``slow`` or
    ``latency``), its ``severity`` (``major``/``minor``) and the evidence in words."""

    alert: str
    severity: str
    evidence: str


def burn_rate(counts: WindowCounts, objectives: Objectives) -> float | None:
    """Error rate / error budget; ``None`` for a window without requests."""
    rate = counts.error_rate
    return None if rate is None else rate / objectives.budget


def burn_rates(windows: Mapping[str, WindowCounts], objectives: Objectives) -> dict[str, Any]:
    """Every named window's burn rate, rounded to 4 decimals (``None`` without requests)."""
    rates: dict[str, Any] = {}
    for name in WINDOWS:
        rate = burn_rate(windows.get(name, WindowCounts()), objectives)
        rates[name] = None if rate is None else round(rate, 4)
    return rates


def budget_remaining(counts: WindowCounts, objectives: Objectives) -> float | None:
    """The fraction of the period's error budget left (negative when overspent)."""
    rate = burn_rate(counts, objectives)
    return None if rate is None else round(1 - rate, 4)


def beyond_chance(counts: WindowCounts, error_rate: float) -> bool:
    """Whether a window's failures are too many to be chance at ``error_rate``.

    True when, were every request to fail with probability ``error_rate``,
    seeing ``counts.failures`` or more would have a probability below
    :data:`SIGNIFICANCE` (the upper tail of a Poisson law of mean
    ``requests * error_rate``; failures are rare, so it is close to the
    binomial one). A window just over the rate on a few failures is noise;
    a real burn passes at once: at the fast alert's 1.44 %, 4 failures among
    50 requests already do (3 do not).
    """
    expected = counts.requests * error_rate
    if counts.failures <= expected:
        return False
    if expected >= _NORMAL_FROM:  # continuity-corrected normal approximation
        z = (counts.failures - 0.5 - expected) / math.sqrt(expected)
        return 0.5 * math.erfc(z / math.sqrt(2)) < SIGNIFICANCE
    below, term = 0.0, math.exp(-expected)  # P(X <= k) summed term by term
    for k in range(counts.failures):
        below += term
        if 1 - below < SIGNIFICANCE:  # further terms only shrink the tail
            return True
        term *= expected / (k + 1)
    return 1 - below < SIGNIFICANCE


def _holds(alert: Alert, windows: Mapping[str, WindowCounts], objectives: Objectives) -> bool:
    short, long = windows[alert.short], windows[alert.long]
    if short.requests < objectives.min_requests:
        return False
    # Beyond chance at the alert's error rate implies burning faster than it.
    rate = alert.burn_rate * objectives.budget
    return all(beyond_chance(counts, rate) for counts in (short, long))


def latency_ms(counts: WindowCounts, objectives: Objectives) -> float | None:
    """The objective's percentile of a window's latency histogram (``None`` when empty)."""
    return percentile(counts.histogram, objectives.latency_percentile)


def _latency_over(counts: WindowCounts, objectives: Objectives) -> bool:
    value = latency_ms(counts, objectives)
    assert objectives.latency_ms is not None
    return value is not None and value > objectives.latency_ms


def judge(windows: Mapping[str, WindowCounts], objectives: Objectives) -> Verdict | None:
    """The worst alert that holds, with its evidence; ``None`` when none does."""
    for alert in ALERTS:
        if _holds(alert, windows, objectives):
            return Verdict(alert.name, alert.severity, error_evidence(alert, windows, objectives))
    if objectives.latency_ms is not None:
        long, short = (windows[name] for name in LATENCY_WINDOWS)
        if short.requests >= objectives.min_requests and all(
            _latency_over(counts, objectives) for counts in (long, short)
        ):
            return Verdict("latency", "minor", latency_evidence(windows, objectives))
    return None


def is_quiet(quiet: WindowCounts, objectives: Objectives) -> bool:
    """Whether the quiet-period window shows the route back within its objectives."""
    if quiet.requests < objectives.min_requests:
        return True
    rate = burn_rate(quiet, objectives)
    if rate is not None and rate >= 1:
        return False
    return objectives.latency_ms is None or not _latency_over(quiet, objectives)


def worse(severity: str, than: str) -> bool:
    """Whether ``severity`` is worse than ``than`` (``major`` is worse than ``minor``)."""
    return SEVERITY_ORDER.index(severity) > SEVERITY_ORDER.index(than)


# Evidence, in words ---------------------------------------------------------

_WINDOW_WORDS: dict[str, str] = {
    "5m": "the last 5 minutes",
    "30m": "the last 30 minutes",
    "1h": "the last hour",
    "6h": "the last 6 hours",
    "3d": "the last 3 days",
}


def format_percent(fraction: float) -> str:
    """A fraction as a short percentage: ``0.38 -> "38 %"``, ``0.003 -> "0.3 %"``."""
    return f"{format_number(fraction * 100)} %"


def format_number(value: float) -> str:
    """Two significant digits below 10, none above: ``380``, ``14``, ``2.5``, ``0.05``."""
    if value >= 10:
        return f"{round(value):,}"
    if value == 0:
        return "0"
    text = f"{value:.2g}"
    return text if "e" not in text else f"{value:.6f}".rstrip("0").rstrip(".")


def format_objective(percent: float) -> str:
    return f"{percent:g} %"


def error_evidence(
    alert: Alert, windows: Mapping[str, WindowCounts], objectives: Objectives
) -> str:
    """E.g. "38 % of 3,263 requests failed in the last 5 minutes; the 99.9 % objective's
    budget is burning 380 times too fast (12 % of 9,100 in the last hour: 120 times)"."""
    short, long = windows[alert.short], windows[alert.long]
    short_rate, long_rate = short.error_rate or 0.0, long.error_rate or 0.0
    return (
        f"{format_percent(short_rate)} of {short.requests:,} requests failed in "
        f"{_WINDOW_WORDS[alert.short]}; the {format_objective(objectives.availability)} "
        f"objective's budget is burning {format_number(short_rate / objectives.budget)} "
        f"times too fast ({format_percent(long_rate)} of {long.requests:,} in "
        f"{_WINDOW_WORDS[alert.long]}: {format_number(long_rate / objectives.budget)} times)."
    )


def latency_evidence(windows: Mapping[str, WindowCounts], objectives: Objectives) -> str:
    """E.g. "p95 latency was 820 ms over the last 5 minutes (2,001 requests) and 640 ms
    over the last hour, above the 500 ms objective"."""
    long, short = (windows[name] for name in LATENCY_WINDOWS)
    name = f"p{objectives.latency_percentile}"
    assert objectives.latency_ms is not None
    return (
        f"{name} latency was {format_number(latency_ms(short, objectives) or 0)} ms over "
        f"{_WINDOW_WORDS['5m']} ({short.requests:,} requests) and "
        f"{format_number(latency_ms(long, objectives) or 0)} ms over {_WINDOW_WORDS['1h']}, "
        f"above the {format_number(objectives.latency_ms)} ms objective."
    )


def quiet_evidence(quiet: WindowCounts, objectives: Objectives, seconds: int) -> str:
    """Why a route counts as quiet, e.g. "within the 99.9 % objective for 10 minutes
    (2 of 3,000 requests failed)"."""
    return (
        f"within the {format_objective(objectives.availability)} objective for "
        f"{quiet_words(seconds)} ({quiet.failures:,} of {quiet.requests:,} requests failed)."
    )


def quiet_words(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"
