"""schemathesis 4, with every check, against the shipped openapi.json over a live app.

The run is what ``st run --checks all`` does: the examples, coverage, fuzzing
and stateful phases over every operation (public and admin, the admin ones
with the bearer token) of the sample app served by Werkzeug on loopback, on
SQLite and PostgreSQL. It is bounded (``MAX_EXAMPLES`` per operation and
phase) and seeded with Hypothesis derandomised, so CI sees the same cases on
every run, and it must report no failure.

One check is narrowed, for a reason JSON Schema cannot express:
``positive_data_acceptance`` expects a schema-valid body to be accepted, but
an incident or maintenance body may name route ids no stored route has, or a
window whose ``ends_at`` is not after its ``starts_at``; the server refuses
those with 422. On the operations that take such bodies 422 is allowed, and
the test then checks that every 422 answered to a schema-valid body gives one
of exactly those reasons, so any other refusal of valid data still fails.
``max_response_time``, the one check off, needs a time limit, and the suite
asserts no timings.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import schemathesis
from flask import Flask
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from tests.server_status.api.contract import SECRET, shipped_document

pytestmark = pytest.mark.slow(seconds=45)

SEED = 20261121
MAX_EXAMPLES = 15

#: Operations whose schema-valid bodies can still be refused by stored state.
STATE_DEPENDENT = [
    "POST /flask-status/incidents",
    "PATCH /flask-status/incidents/{incident_id}",
    "POST /flask-status/maintenance",
    "PATCH /flask-status/maintenance/{maintenance_id}",
]
#: The only reasons a schema-valid body of those operations may be refused with.
STATE_REASONS = re.compile(
    r"route_ids has unknown route id\(s\): [0-9, ]+"
    r"|ends_at must be later than starts_at"
    r"|(route|component)_ids of an automatic incident follow its route"
    r"|component_ids has unknown component id\(s\): [a-z0-9, -]+"
)
#: schemathesis' default for positive_data_acceptance, plus 422.
ACCEPTED_OR_STATE_REFUSED = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]


def run_config(base_url: str) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "base-url": base_url,
            "seed": SEED,
            "workers": 1,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "checks": {"enabled": True},
            "auth": {"openapi": {"bearer": {"bearer": SECRET}}},
            "operations": [
                {
                    "include-name": STATE_DEPENDENT,
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ACCEPTED_OR_STATE_REFUSED}
                    },
                }
            ],
        }
    )


@dataclass
class RunResult:
    """What a schemathesis run found, in the terms its CLI reports."""

    operations: set[str] = field(default_factory=set)
    cases: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    state_refusals: list[str] = field(default_factory=list)

    def record(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        if event.phase.value != "stateful":
            self.operations.add(recorder.label)
        self.cases += len(recorder.cases)
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is not None:
                    failure = check.failure_info.failure
                    self.failures[f"{check.name}: {failure.title}: {failure.message}"] += 1
            case = recorder.cases[case_id].value
            interaction = recorder.interactions.get(case_id)
            if (
                case.meta is not None
                and case.meta.generation.mode.is_positive
                and case.operation.label in STATE_DEPENDENT
                and interaction is not None
                and interaction.response is not None
                and interaction.response.status_code == 422
            ):
                body = json.loads(interaction.response.content)
                self.state_refusals.append(body["error"]["reason"])


def run_schemathesis(base_url: str) -> RunResult:
    schema = schemathesis.openapi.from_dict(shipped_document(), config=run_config(base_url))
    result = RunResult()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            result.record(event)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            result.errors.append(repr(event))
    return result


def test_schemathesis_finds_no_failure(
    make_app: Callable[..., Flask], live_server: Callable[[Flask], str]
) -> None:
    base_url = live_server(make_app(API_ENABLED=True, API_SECRET=SECRET))
    result = run_schemathesis(base_url)
    documented = {
        f"{method.upper()} {path}"
        for path, item in shipped_document()["paths"].items()
        for method in item
        if method in ("get", "put", "post", "patch", "delete")
    }
    assert result.errors == []
    assert result.operations == documented
    assert result.cases > len(documented) * MAX_EXAMPLES
    assert dict(result.failures) == {}
    unexpected = [reason for reason in result.state_refusals if not STATE_REASONS.fullmatch(reason)]
    assert unexpected == []
