"""Health groups: liveness, readiness, ping and user-defined ones (acceptance 4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flask_management_endpoints import ConfigurationError, Health
from tests.management_endpoints.apps import CallCounter, make_app
from tests.support.fake_service import FakeService


def test_root_lists_the_groups_in_name_order() -> None:
    app = make_app({"groups": {"ops": {"include": ["memory"]}, "batch": {"include": ["ping"]}}})
    body = app.test_client().get("/z/health").get_json()
    assert body["groups"] == ["batch", "liveness", "ops", "ping", "readiness", "startup"]


def test_liveness_and_ping_never_call_checks_or_dependencies(
    fake_service: Callable[..., FakeService],
) -> None:
    remote = fake_service()
    check = CallCounter(False)
    app = make_app(
        {
            "service_dependencies": {"remote": remote.url},
            "check_functions": {"readiness": {"db": check}},
        }
    )
    client = app.test_client()
    for path in ("/z/health/liveness", "/z/health/ping"):
        response = client.get(path)
        assert (response.status_code, response.get_json()) == (200, {"status": "UP"})
    assert remote.request_count == 0
    assert check.calls == 0


def test_readiness_holds_readiness_state_and_readiness_checks_not_dependencies(
    fake_service: Callable[..., FakeService],
) -> None:
    remote = fake_service(status=503, body={"status": "DOWN"})
    db = CallCounter(True)
    app = make_app(
        {
            "service_dependencies": {"remote": remote.url},
            "check_functions": {"readiness": {"db": db}},
            "groups": {"readiness": {"show_components": "always"}},
        }
    )
    body = app.test_client().get("/z/health/readiness").get_json()
    assert body == {
        "status": "UP",
        "components": {"db": {"status": "UP"}, "readinessState": {"status": "UP"}},
    }
    assert db.calls == 1
    assert remote.request_count == 0


def test_user_group_with_include_and_exclude() -> None:
    app = make_app(
        {
            "check_functions": {"health": {"cache": lambda: False, "queue": lambda: True}},
            "groups": {
                "ops": {"include": ["*"], "exclude": ["cache", "memory", "diskSpace"]},
                "cache-only": {"include": "cache", "show_components": "never"},
            },
        }
    )
    client = app.test_client()
    ops = client.get("/z/health/ops")
    assert ops.status_code == 200
    assert sorted(ops.get_json()["components"]) == [
        "livenessState",
        "ping",
        "queue",
        "readinessState",
    ]
    cache_only = client.get("/z/health/cache-only")
    assert (cache_only.status_code, cache_only.get_json()) == (503, {"status": "DOWN"})
    assert client.get("/z/health/ops/queue").get_json() == {"status": "UP"}
    assert client.get("/z/health/ops/cache").status_code == 404


def test_check_functions_key_names_a_group() -> None:
    app = make_app({"check_functions": {"startup": {"migrations": lambda: Health.down()}}})
    client = app.test_client()
    assert client.get("/z/health/startup").status_code == 503
    assert client.get("/z/health/liveness").status_code == 200


def test_built_in_groups_accept_more_members() -> None:
    app = make_app(
        {
            "check_functions": {"health": {"deadlock": lambda: False}},
            "groups": {"liveness": {"include": ["deadlock"]}},
        }
    )
    assert app.test_client().get("/z/health/liveness").status_code == 503


@pytest.mark.parametrize(
    ("groups", "key"),
    [
        ({"ops": {"include": ["dbb"]}}, 'Z_ENDPOINTS["groups"]["ops"]["include"]'),
        ({"ops": {"include": ["*"], "exclude": ["nope"]}}, '["ops"]["exclude"]'),
        ({"readiness": {"include": ["missing"]}}, '["readiness"]["include"]'),
        ({"ops": {}}, '["ops"]["include"]'),
        ({"ops": {"include": ["ping"], "incude": []}}, 'Z_ENDPOINTS["groups"]["ops"]'),
        ({"ops": {"include": ["ping"], "show_details": "sometimes"}}, '["show_details"]'),
        ({"ops": ["ping"]}, 'Z_ENDPOINTS["groups"]["ops"]'),
    ],
)
def test_bad_group_configuration_fails_at_init_app_naming_the_key(
    groups: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        make_app({"groups": groups})
    assert key in str(raised.value)


def test_liveness_must_not_include_a_dependency() -> None:
    with pytest.raises(ConfigurationError, match="liveness must only check the process"):
        make_app(
            {
                "service_dependencies": {"users": "users:8080"},
                "groups": {"liveness": {"include": ["users"]}},
            }
        )


@pytest.mark.parametrize("name", ["livenessState", "readinessState"])
def test_checks_cannot_replace_the_availability_state(name: str) -> None:
    with pytest.raises(ConfigurationError, match=rf'\["liveness"\]\["{name}"\]'):
        make_app({"check_functions": {"liveness": {name: lambda: True}}})


def test_duplicate_check_names_across_groups_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match=r'\["readiness"\]\["db"\]'):
        make_app({"check_functions": {"health": {"db": bool}, "readiness": {"db": bool}}})
