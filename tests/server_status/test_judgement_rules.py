"""The pure judgement rules: burn rates, alerts, minimum volume, quiet periods, evidence."""

from __future__ import annotations

import pytest

from flask_server_status.config import ConfigError, read_settings
from flask_server_status.latency import index_of, representative
from flask_server_status.reports.judgement import (
    QUIET,
    WINDOWS,
    Objectives,
    WindowCounts,
    beyond_chance,
    budget_remaining,
    burn_rate,
    burn_rates,
    is_quiet,
    judge,
    objectives_for,
    worse,
)
from flask_server_status.reports.judgement.rules import (
    format_number,
    format_percent,
    quiet_evidence,
    quiet_words,
)
from flask_server_status.reports.status_rules import judged_day_state

SLO = Objectives(availability=99.9, min_requests=10)


def windows(**rates: tuple[int, int]) -> dict[str, WindowCounts]:
    """Window counts from ``name=(requests, failures)``; unnamed windows are empty."""
    return {name: WindowCounts(*rates.get(name, (0, 0))) for name in (*WINDOWS, QUIET)}


def steady(requests_per_minute: int, error_rate: float) -> dict[str, WindowCounts]:
    """Every window at the same error rate and traffic."""
    return {
        name: WindowCounts(
            requests_per_minute * minutes, round(requests_per_minute * minutes * error_rate)
        )
        for name, minutes in {**WINDOWS, QUIET: 10}.items()
    }


def test_the_burn_rate_is_the_error_rate_over_the_budget() -> None:
    assert burn_rate(WindowCounts(1000, 1), SLO) == pytest.approx(1.0)
    assert burn_rate(WindowCounts(1000, 38), SLO) == pytest.approx(38.0)
    assert burn_rate(WindowCounts(0, 0), SLO) is None


def test_burn_rates_name_every_window_and_are_null_without_requests() -> None:
    rates = burn_rates(windows(**{"5m": (100, 1), "3d": (10_000, 5)}), SLO)
    assert rates == {"5m": 10.0, "30m": None, "1h": None, "6h": None, "3d": 0.5}


def test_the_budget_left_may_be_negative() -> None:
    assert budget_remaining(WindowCounts(10_000, 5), SLO) == 0.5
    assert budget_remaining(WindowCounts(10_000, 30), SLO) == -2.0
    assert budget_remaining(WindowCounts(0, 0), SLO) is None


def test_errors_inside_the_objective_open_nothing() -> None:
    assert judge(steady(1000, 0.0005), SLO) is None


def test_a_fast_burn_is_major_with_its_evidence_in_words() -> None:
    verdict = judge(windows(**{"5m": (3263, 1240), "1h": (9100, 1240)}), SLO)
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("fast", "major")
    assert verdict.evidence == (
        "38 % of 3,263 requests failed in the last 5 minutes; the 99.9 % objective's budget "
        "is burning 380 times too fast (14 % of 9,100 in the last hour: 136 times)."
    )


def test_both_windows_must_burn() -> None:
    assert judge(windows(**{"5m": (100, 100), "1h": (100_000, 100)}), SLO) is None  # long ok
    assert judge(windows(**{"5m": (1000, 0), "1h": (10_000, 5000)}), SLO) is None  # short ok


def test_a_medium_burn_is_major() -> None:
    verdict = judge(steady(100, 0.01), SLO)  # 10 times the budget
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("medium", "major")


def test_a_slow_burn_is_minor() -> None:
    verdict = judge(steady(100, 0.003), SLO)  # 3 times the budget
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("slow", "minor")
    assert verdict.evidence.startswith("0.3 % of 36,000 requests failed in the last 6 hours")


def test_a_handful_of_requests_opens_nothing_alone() -> None:
    assert judge(windows(**dict.fromkeys(WINDOWS, (4, 1))), SLO) is None
    assert judge(windows(**dict.fromkeys(WINDOWS, (9, 9))), SLO) is None
    assert judge(windows(**dict.fromkeys(WINDOWS, (10, 10))), SLO) is not None


def test_a_failure_just_over_the_rate_is_chance_not_an_incident() -> None:
    # 1 failure in 900 requests burns a 0.1 % budget 1.1 times (every window), but one
    # failure proves nothing: a fresh route with 0.05 % failures must not open anything.
    assert judge(windows(**dict.fromkeys(WINDOWS, (900, 1))), SLO) is None
    # The same rate over enough requests is no longer chance: a slow burn.
    verdict = judge(windows(**dict.fromkeys(WINDOWS, (900_000, 1000))), SLO)
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("slow", "minor")


def test_a_handful_of_failures_in_the_last_5_minutes_does_not_make_a_bad_hour_major() -> None:
    # The last hour: 100 of 1,000 requests failed, most of them over half an hour ago; in
    # the last 5 minutes 5 of 5 failed. The hour is a slow burn (minor), and 5 requests
    # are too few for the fast alert, however busy its long window was.
    counts = windows(
        **{"5m": (5, 5), "30m": (255, 5), "1h": (1000, 100), "6h": (1000, 100), "3d": (1000, 100)}
    )
    verdict = judge(counts, SLO)
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("slow", "minor")
    # Ten more failures in the last 5 minutes reach the minimum volume: now it is major.
    hour = (1010, 110)
    counts = windows(**{"5m": (15, 15), "30m": (265, 15), "1h": hour, "6h": hour, "3d": hour})
    verdict = judge(counts, SLO)
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("fast", "major")


def test_the_medium_alert_takes_its_minimum_volume_from_its_short_window_too() -> None:
    # Six hours at 10 % failures, but only 9 requests in the last 30 minutes (and none
    # in the last 5): no major incident; the 6 hours against 3 days are a slow burn.
    busy = (50_000, 5_000)
    verdict = judge(windows(**{"30m": (9, 9), "6h": busy, "3d": busy}), SLO)
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("slow", "minor")
    verdict = judge(windows(**{"30m": (10, 10), "6h": busy, "3d": busy}), SLO)
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("medium", "major")


@pytest.mark.parametrize(("failures", "opens"), [(123, False), (124, True)])
def test_a_slow_burn_opens_just_beyond_the_significance_line(failures: int, opens: bool) -> None:
    # 100,000 requests in 6 hours at a 0.1 % budget: 100 failures are expected. 124 or more
    # have a chance below 1 % (0.94 %), 123 or more above it (1.2 %). The last 3 days
    # burn clearly, so the 6-hour window alone decides.
    counts = windows(**{"6h": (100_000, failures), "3d": (1_200_000, 1_500)})
    verdict = judge(counts, SLO)
    assert (verdict is not None) is opens
    if verdict is not None:
        assert (verdict.alert, verdict.severity) == ("slow", "minor")


@pytest.mark.parametrize(
    ("requests", "failures", "rate", "expected"),
    [
        (50, 3, 0.0144, False),  # P(X >= 3) = 3.6 %: could be chance
        (50, 4, 0.0144, True),  # P(X >= 4) = 0.6 %
        (10, 10, 0.0144, True),  # a dead low-traffic route still opens
        (1000, 1, 0.001, False),  # exactly at the rate
        (4_320_000, 12_960, 0.001, True),  # 0.3 % over 3 days (normal approximation)
        (100_000, 120, 0.001, False),  # 1.2x the rate on 100,000 requests: P = 2.6 %
        (100_000, 130, 0.001, True),  # 1.3x: P = 0.2 %
        (100_000, 123, 0.001, False),  # P(X >= 123) = 1.2 % (one-sided)
        (100_000, 124, 0.001, True),  # P(X >= 124) = 0.94 % (two-sided it would be 1.9 %)
        (40_000, 55, 0.001, False),  # Poisson tail, mean 40: P(X >= 55) = 1.4 %
        (40_000, 56, 0.001, True),  # P(X >= 56) = 0.97 %
        (0, 0, 0.001, False),
    ],
)
def test_beyond_chance_is_a_one_sided_poisson_test_at_one_percent(
    requests: int, failures: int, rate: float, expected: bool
) -> None:
    assert beyond_chance(WindowCounts(requests, failures), rate) is expected


def test_the_latency_objective_makes_degraded_possible() -> None:
    slow = Objectives(99.9, 10, latency_ms=50, latency_percentile=95)
    counts = steady(100, 0.0)
    for name in ("5m", "1h"):
        counts[name].histogram = {index_of(40.0): counts[name].requests}
    assert judge(counts, slow) is None
    for name in ("5m", "1h"):
        counts[name].histogram = {index_of(80.0): counts[name].requests}
    verdict = judge(counts, slow)
    assert verdict is not None
    assert (verdict.alert, verdict.severity) == ("latency", "minor")
    measured = format_number(representative(index_of(80.0)))  # 80 ms within 4 %
    assert verdict.evidence == (
        f"p95 latency was {measured} ms over the last 5 minutes (500 requests) and "
        f"{measured} ms over the last hour, above the 50 ms objective."
    )


def test_quiet_means_within_the_objective_over_the_quiet_window() -> None:
    assert is_quiet(WindowCounts(1000, 0), SLO)
    assert is_quiet(WindowCounts(0, 0), SLO)  # no traffic is not burning
    assert is_quiet(WindowCounts(5, 5), SLO)  # below the minimum volume
    assert not is_quiet(WindowCounts(1000, 1), SLO)  # exactly the budget: still burning


def test_major_is_worse_than_minor() -> None:
    assert worse("major", "minor")
    assert not worse("minor", "major")
    assert not worse("major", "major")


@pytest.mark.parametrize(
    ("fraction", "text"), [(0.38, "38 %"), (0.003, "0.3 %"), (0.0005, "0.05 %"), (1.0, "100 %")]
)
def test_percentages_are_short(fraction: float, text: str) -> None:
    assert format_percent(fraction) == text


def test_numbers_have_thousands_separators() -> None:
    assert format_number(1000.0) == "1,000"
    assert format_number(2.5) == "2.5"


def test_day_states_from_incidents() -> None:
    assert judged_day_state([{"impact": "minor"}, {"impact": "major"}]) == "major_outage"
    assert judged_day_state([{"impact": "minor"}, {"impact": "none"}]) == "degraded"
    assert judged_day_state([{"impact": "none"}]) is None
    assert judged_day_state([]) is None


def test_overrides_by_rule_then_endpoint_then_default() -> None:
    settings = read_settings(
        {"SERVER_STATUS_SLO": 99.5, "SERVER_STATUS_SLO_OVERRIDES": {"/login": 99.0, "api": 99.99}},
        import_name="t",
    )
    assert objectives_for(settings, "/login", "api").availability == 99.0
    assert objectives_for(settings, "/users", "api").availability == 99.99
    assert objectives_for(settings, "/", "index").availability == 99.5


@pytest.mark.parametrize(
    ("config", "key", "fix"),
    [
        ({"SERVER_STATUS_SLO": 100}, "SERVER_STATUS_SLO", "below 100"),
        ({"SERVER_STATUS_SLO": "high"}, "SERVER_STATUS_SLO", "such as 99.9"),
        (
            {"SERVER_STATUS_SLO_OVERRIDES": {"/login": 120}},
            "SERVER_STATUS_SLO_OVERRIDES['/login']",
            "below 100",
        ),
        ({"SERVER_STATUS_SLO_OVERRIDES": ["/login"]}, "SERVER_STATUS_SLO_OVERRIDES", "mapping"),
        ({"SERVER_STATUS_LATENCY_OBJECTIVE_MS": -5}, "SERVER_STATUS_LATENCY_OBJECTIVE_MS", ">="),
        (
            {"SERVER_STATUS_LATENCY_OBJECTIVE_PERCENTILE": 100},
            "SERVER_STATUS_LATENCY_OBJECTIVE_PERCENTILE",
            "from 1 to 99",
        ),
        (
            {"SERVER_STATUS_INCIDENT_QUIET_SECONDS": 10},
            "SERVER_STATUS_INCIDENT_QUIET_SECONDS",
            ">=",
        ),
        (
            {"SERVER_STATUS_INCIDENT_FAILURE_THRESHOLD": 5},
            "SERVER_STATUS_INCIDENT_FAILURE_THRESHOLD",
            "set the availability objective SERVER_STATUS_SLO",
        ),
        (
            {"SERVER_STATUS_INCIDENT_WINDOW_SECONDS": 300},
            "SERVER_STATUS_INCIDENT_WINDOW_SECONDS",
            "remove the key",
        ),
    ],
)
def test_bad_objectives_and_removed_keys_are_config_errors_naming_key_and_fix(
    config: dict[str, object], key: str, fix: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        read_settings(config, import_name="t")
    assert str(raised.value).startswith(key)
    assert fix in str(raised.value)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (60, "1 minute"),
        (600, "10 minutes"),
        (3600, "1 hour"),
        (7200, "2 hours"),
        (5400, "90 minutes"),
        (90, "90 seconds"),
        (3601, "3601 seconds"),
    ],
)
def test_the_quiet_period_is_told_in_whole_units(seconds: int, words: str) -> None:
    assert quiet_words(seconds) == words
    evidence = quiet_evidence(WindowCounts(3000, 2), SLO, seconds)
    assert evidence == f"within the 99.9 % objective for {words} (2 of 3,000 requests failed)."


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (1.0, "1"),
        (9.96, "10"),
        (10.0, "10"),
        (10.4, "10"),
        (1234.5, "1,234"),
        (0.05, "0.05"),
        (0.00012, "0.00012"),  # would be 1.2e-04 in %g
        (0.0000001, "0"),
    ],
)
def test_evidence_numbers_read_as_people_write_them(value: float, text: str) -> None:
    assert format_number(value) == text


def test_a_route_over_its_latency_objective_is_not_quiet() -> None:
    slow = Objectives(99.9, 10, latency_ms=50, latency_percentile=95)
    fast_window = WindowCounts(1000, 0, {index_of(20.0): 1000})
    slow_window = WindowCounts(1000, 0, {index_of(80.0): 1000})
    assert is_quiet(fast_window, slow)
    assert not is_quiet(slow_window, slow)
    assert is_quiet(slow_window, SLO)  # without a latency objective only failures count
    assert not is_quiet(WindowCounts(10_000, 10), SLO)  # burning exactly the budget
