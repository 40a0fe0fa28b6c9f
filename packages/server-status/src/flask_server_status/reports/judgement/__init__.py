"""Judgement: whether a route is burning its error budget, how badly, and why.

- :mod:`.rules`: pure functions over window counts (burn rates, the alerts,
  severity, quiet periods, the evidence in words).
- :mod:`.windows`: the one loader of the window counts (two queries).

The automatic incidents (``automatic_incidents``) act on its verdicts; the
API shows its burn rates (``reports.answers``).
"""

from .rules import (
    ALERTS,
    QUIET,
    WINDOWS,
    Alert,
    Objectives,
    Verdict,
    WindowCounts,
    beyond_chance,
    budget_remaining,
    burn_rate,
    burn_rates,
    is_quiet,
    judge,
    objectives_for,
    quiet_evidence,
    worse,
)
from .windows import RouteWindows, load_windows

__all__ = [
    "ALERTS",
    "QUIET",
    "WINDOWS",
    "Alert",
    "Objectives",
    "RouteWindows",
    "Verdict",
    "WindowCounts",
    "beyond_chance",
    "budget_remaining",
    "burn_rate",
    "burn_rates",
    "is_quiet",
    "judge",
    "load_windows",
    "objectives_for",
    "quiet_evidence",
    "worse",
]
