"""Every /info contributor, read from the real process, files and environment."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psutil
import pytest
from flask import Flask

from flask_management_endpoints.errors import ConfigurationError
from flask_management_endpoints.info import collect_info, register_contributor, validate_config
from flask_management_endpoints.info.trace import persistent_instance_id

INFO_ENV = (
    "VERSION",
    "BUILD_ARTIFACT",
    "BUILD_NAME",
    "BUILD_GROUP",
    "BUILD_VERSION",
    "BUILD_NUMBER",
    "BUILD_TIME",
    "GIT_BRANCH",
    "GIT_COMMIT",
    "GIT_COMMIT_TIME",
    "POD_NAME",
    "POD_NAMESPACE",
    "POD_UID",
    "POD_IP",
    "NODE_NAME",
    "POD_SERVICE_ACCOUNT",
    "CONTAINER_NAME",
    "NAMESPACE",
    "KUBERNETES_SERVICE_HOST",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in INFO_ENV:
        monkeypatch.delenv(name, raising=False)


def make_app(tmp_path: Path, **z_endpoints: Any) -> Flask:
    """An app rooted in tmp_path (no .git above it) with a missing pod info dir."""
    app = Flask("orders", root_path=str(tmp_path))
    z_endpoints.setdefault("kubernetes", {"podinfo_dir": str(tmp_path / "podinfo")})
    app.config["Z_ENDPOINTS"] = z_endpoints
    return app


def info_of(app: Flask) -> dict[str, Any]:
    with app.test_request_context("/z/info"):
        return collect_info(app)


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_COMMITTER_DATE": "2026-01-02T03:04:05+01:00",
    }
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


# -- app ---------------------------------------------------------------------------


def test_app_name_and_a_version_set_after_import_and_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path)
    assert "version" not in info_of(app)["app"]
    monkeypatch.setenv("VERSION", "2.4.1")
    info = info_of(app)
    assert info["app"] == {"name": "orders", "version": "2.4.1"}
    assert info["trace.attributes"]["service.version"] == "2.4.1"


def test_version_set_before_import_is_not_frozen_at_import(tmp_path: Path) -> None:
    # A fresh interpreter imports the package first, then sets VERSION.
    script = f"""
import os, json
from flask import Flask
from flask_management_endpoints.info import collect_info
app = Flask("late", root_path={str(tmp_path)!r})
os.environ["VERSION"] = "9.9.9"
os.environ["POD_NAME"] = "late-pod"
with app.app_context():
    info = collect_info(app)
print(json.dumps([info["app"]["version"], info["kubernetes"]["pod"]["name"]]))
"""
    env = {k: v for k, v in os.environ.items() if k not in INFO_ENV}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    )
    assert json.loads(out.stdout) == ["9.9.9", "late-pod"]


def test_version_function_and_config_version_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERSION", "from-env")
    app = make_app(tmp_path)
    app.config["VERSION"] = "from-config"
    assert info_of(app)["app"]["version"] == "from-config"
    app.config["Z_ENDPOINTS"]["version_function"] = lambda: ("from-function", 200)
    assert info_of(app)["app"]["version"] == "from-function"


def test_failing_version_function_falls_back(tmp_path: Path) -> None:
    def broken() -> str:
        raise RuntimeError("no version today")

    app = make_app(tmp_path, version_function=broken)
    app.config["VERSION"] = "1.2.3"
    assert info_of(app)["app"]["version"] == "1.2.3"


def test_static_app_entries(tmp_path: Path) -> None:
    app = make_app(tmp_path, info={"app": {"description": "Order service", "team": "shop"}})
    assert info_of(app)["app"] == {"name": "orders", "description": "Order service", "team": "shop"}


# -- build -------------------------------------------------------------------------


def test_build_from_file_then_env_then_static(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "build-info.json").write_text(
        json.dumps({"artifact": "orders", "version": "1.0.0", "time": "2026-01-01T00:00:00Z"})
    )
    monkeypatch.setenv("BUILD_VERSION", "1.0.1")
    monkeypatch.setenv("BUILD_NUMBER", "77")
    app = make_app(tmp_path, info={"build_file": "build-info.json", "build": {"group": "shop"}})
    assert info_of(app)["build"] == {
        "artifact": "orders",
        "version": "1.0.1",
        "time": "2026-01-01T00:00:00Z",
        "number": "77",
        "group": "shop",
    }


def test_build_absent_without_sources(tmp_path: Path) -> None:
    assert "build" not in info_of(make_app(tmp_path))


def test_unreadable_build_file_shows_an_error_and_the_rest(tmp_path: Path) -> None:
    app = make_app(tmp_path, info={"build_file": "missing.json"})
    info = info_of(app)
    assert info["build"]["error"].startswith("ValueError: cannot read build file")
    assert info["app"]["name"] == "orders"
    assert "process" in info


# -- git ---------------------------------------------------------------------------


def test_git_branch_commit_and_time_from_the_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "release")
    (tmp_path / "app.py").write_text("x = 1\n")
    git(tmp_path, "add", "app.py")
    git(tmp_path, "commit", "-q", "-m", "first")
    full = git(tmp_path, "rev-parse", "HEAD")
    package = tmp_path / "src" / "orders"
    package.mkdir(parents=True)
    app = Flask("orders", root_path=str(package))  # .git is two levels up

    info = info_of(app)["git"]
    assert info == {
        "branch": "release",
        "commit": {"id": full[:7], "full": full, "time": "2026-01-02T03:04:05+01:00"},
    }


def test_git_of_an_installed_app_is_not_guessed(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "venv lives here")
    installed = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages" / "orders"
    installed.mkdir(parents=True)
    assert "git" not in info_of(Flask("orders", root_path=str(installed)))


def test_git_packed_refs_and_detached_head(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "one")
    full = git(tmp_path, "rev-parse", "HEAD")
    git(tmp_path, "pack-refs", "--all")
    assert not (tmp_path / ".git" / "refs" / "heads" / "main").exists()
    app = make_app(tmp_path)
    assert info_of(app)["git"]["commit"]["full"] == full
    assert info_of(app)["git"]["branch"] == "main"

    git(tmp_path, "checkout", "-q", "--detach")
    detached = info_of(app)["git"]
    assert "branch" not in detached
    assert detached["commit"]["full"] == full


def test_a_commit_from_the_environment_never_takes_the_disk_commits_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "on disk")
    on_disk = info_of(make_app(tmp_path))["git"]["commit"]
    assert "time" in on_disk
    monkeypatch.setenv("GIT_COMMIT", "0123456789abcdef0123456789abcdef01234567")
    from_env = info_of(make_app(tmp_path))["git"]["commit"]
    assert from_env == {"id": "0123456", "full": "0123456789abcdef0123456789abcdef01234567"}
    monkeypatch.setenv("GIT_COMMIT", on_disk["full"])
    assert info_of(make_app(tmp_path))["git"]["commit"] == on_disk


def test_git_from_environment_and_static_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_COMMIT", "0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setenv("GIT_BRANCH", "ci-branch")
    app = make_app(tmp_path, info={"git": {"commit": {"message": "fix"}, "tag": "v1"}})
    assert info_of(app)["git"] == {
        "branch": "ci-branch",
        "commit": {
            "id": "0123456",
            "full": "0123456789abcdef0123456789abcdef01234567",
            "message": "fix",
        },
        "tag": "v1",
    }


# -- os, python, process -----------------------------------------------------------


def test_os_python_and_process(tmp_path: Path) -> None:
    info = info_of(make_app(tmp_path))
    assert info["os"]["name"] == platform.system()
    assert info["os"]["version"] == platform.release()
    assert info["os"]["arch"] == platform.machine()
    assert info["python"]["version"] == platform.python_version()
    assert info["python"]["implementation"] == platform.python_implementation()
    assert info["python"]["executable"] == sys.executable
    process = info["process"]
    me = psutil.Process()
    assert (process["pid"], process["parentPid"]) == (os.getpid(), os.getppid())
    assert process["owner"] == me.username()
    assert process["threads"] >= 1
    assert process["memory"]["rss"] > 0
    assert process["uptimeSeconds"] >= 0
    assert process["startTime"].endswith("+00:00")


def test_contributors_option_selects_sections(tmp_path: Path) -> None:
    app = make_app(tmp_path, info={"contributors": ["os", "python"]}, trace={"enabled": False})
    assert list(info_of(app)) == ["os", "python"]


# -- kubernetes --------------------------------------------------------------------


def test_kubernetes_from_downward_api_env_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    podinfo = tmp_path / "podinfo"
    podinfo.mkdir()
    (podinfo / "labels").write_text('app="orders"\npod-template-hash="5d8f"\n')
    (podinfo / "annotations").write_text(
        'prometheus.io/scrape="true"\n'
        'kubectl.kubernetes.io/last-applied-configuration="{\\"env\\":\\"hidden\\"}"\n'
    )
    (podinfo / "pod_uid").write_text("4f1c-uid\n")
    monkeypatch.setenv("POD_NAME", "orders-5d8f-abcde")
    monkeypatch.setenv("POD_NAMESPACE", "shop")
    monkeypatch.setenv("NODE_NAME", "node-7")
    monkeypatch.setenv("POD_IP", "10.1.2.3")
    monkeypatch.setenv("CONTAINER_NAME", "web")

    info = info_of(make_app(tmp_path))
    assert info["kubernetes"] == {
        "namespace": "shop",
        "pod": {
            "name": "orders-5d8f-abcde",
            "uid": "4f1c-uid",
            "ip": "10.1.2.3",
            "labels": {"app": "orders", "pod-template-hash": "5d8f"},
            "annotations": {"prometheus.io/scrape": "true"},
        },
        "container": {"name": "web"},
        "node": {"name": "node-7"},
    }
    trace = info["trace.attributes"]
    assert trace["k8s.pod.name"] == "orders-5d8f-abcde"
    assert trace["k8s.pod.uid"] == "4f1c-uid"
    assert trace["k8s.namespace.name"] == "shop"
    assert trace["k8s.node.name"] == "node-7"
    assert trace["k8s.container.name"] == "web"


def test_kubernetes_env_names_are_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_POD", "custom-pod")
    monkeypatch.setenv("POD_NAME", "ignored")
    app = make_app(
        tmp_path,
        kubernetes={"podinfo_dir": str(tmp_path / "none"), "env": {"pod_name": "MY_POD"}},
    )
    assert info_of(app)["kubernetes"]["pod"]["name"] == "custom-pod"


def test_kubernetes_seed_fallbacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAMESPACE", "legacy-ns")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("HOSTNAME", "orders-6b7c9d-xk2lp")
    info = info_of(make_app(tmp_path))
    assert info["kubernetes"] == {"namespace": "legacy-ns", "pod": {"name": "orders-6b7c9d-xk2lp"}}


def test_no_kubernetes_section_outside_kubernetes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTAINER_NAME", "just-docker")  # not evidence of Kubernetes
    info = info_of(make_app(tmp_path))
    assert "kubernetes" not in info
    assert not any(key.startswith("k8s.") for key in info["trace.attributes"])


# -- trace.attributes ----------------------------------------------------------------


def test_trace_attributes_use_opentelemetry_names(tmp_path: Path) -> None:
    attributes = info_of(make_app(tmp_path))["trace.attributes"]
    assert attributes["service.name"] == "orders"
    assert attributes["process.pid"] == os.getpid()
    assert attributes["process.runtime.name"] == platform.python_implementation()
    assert attributes["process.runtime.version"] == platform.python_version()
    assert attributes["process.executable.path"] == sys.executable
    assert attributes["host.name"] == platform.node()
    assert attributes["os.type"] == platform.system().lower()
    assert "service.instance.id" not in attributes


def test_trace_attributes_honour_otel_env_and_static_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "orders-api")
    monkeypatch.setenv(
        "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,team=shop%20core, bad"
    )
    app = make_app(tmp_path, trace={"attributes": {"service.namespace": "shop"}})
    attributes = info_of(app)["trace.attributes"]
    assert attributes["service.name"] == "orders-api"
    assert attributes["deployment.environment"] == "prod"
    assert attributes["team"] == "shop core"
    assert attributes["service.namespace"] == "shop"

    app.config["Z_ENDPOINTS"]["trace"]["service_name"] = "configured"
    assert info_of(app)["trace.attributes"]["service.name"] == "configured"


def test_service_instance_id_is_stable_and_shared(tmp_path: Path) -> None:
    app = make_app(tmp_path, enable_service_instance_id=True, trace={"service_name": tmp_path.name})
    first = info_of(app)["trace.attributes"]["service.instance.id"]
    assert len(first) == 36
    assert info_of(app)["trace.attributes"]["service.instance.id"] == first

    # Workers starting together agree on one id.
    ids: list[str] = []
    threads = [
        threading.Thread(target=lambda: ids.append(persistent_instance_id("race", tmp_path)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if "race" in p.name) == [
        "race-service-instance-id"
    ]


# -- custom contributors -------------------------------------------------------------


def test_custom_contributors_from_config_and_registration(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        info={"custom": {"features": lambda: {"checkout_v2": True}}},
    )
    register_contributor(app, "queue", lambda: {"depth": 3})
    register_contributor(app, "app", lambda: {"region": "eu-west-1"})  # joins a built-in
    info = info_of(app)
    assert info["features"] == {"checkout_v2": True}
    assert info["queue"] == {"depth": 3}
    assert info["app"]["region"] == "eu-west-1"
    assert info["app"]["name"] == "orders"
    assert list(info)[-1] == "trace.attributes"


def test_failing_custom_contributor_does_not_break_info(tmp_path: Path) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("queue unreachable")

    app = make_app(tmp_path)
    register_contributor(app, "queue", broken)
    register_contributor(app, "weird", lambda: ["not", "a", "mapping"])  # type: ignore[arg-type, return-value]
    info = info_of(app)
    assert info["queue"] == {"error": "RuntimeError: queue unreachable"}
    assert info["weird"] == {"error": "TypeError: contributor returned list, not a mapping"}
    assert info["app"]["name"] == "orders"


def test_register_contributor_rejects_bad_arguments(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with pytest.raises(ValueError, match="non-empty name"):
        register_contributor(app, "", lambda: {})
    with pytest.raises(TypeError, match="must be callable"):
        register_contributor(app, "x", {"not": "callable"})  # type: ignore[arg-type]


def test_registered_contributors_are_per_app(tmp_path: Path) -> None:
    one, two = make_app(tmp_path), make_app(tmp_path)
    register_contributor(one, "only_one", lambda: {"yes": True})
    assert "only_one" in info_of(one)
    assert "only_one" not in info_of(two)


# -- configuration errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("z_endpoints", "key"),
    [
        ({"info": []}, 'Z_ENDPOINTS["info"]'),
        ({"info": {"contributors": ["os", "gti"]}}, 'Z_ENDPOINTS["info"]["contributors"][1]'),
        ({"info": {"contributors": "os"}}, 'Z_ENDPOINTS["info"]["contributors"]'),
        ({"info": {"custom": {"x": 3}}}, 'Z_ENDPOINTS["info"]["custom"]["x"]'),
        ({"info": {"build_file": 3}}, 'Z_ENDPOINTS["info"]["build_file"]'),
        ({"info": {"secret_keys": [""]}}, 'Z_ENDPOINTS["info"]["secret_keys"][0]'),
        ({"kubernetes": {"env": {"pod": "X"}}}, 'Z_ENDPOINTS["kubernetes"]["env"]'),
        ({"kubernetes": {"env": {"pod_name": ""}}}, 'Z_ENDPOINTS["kubernetes"]["env"]["pod_name"]'),
        ({"trace": {"enabled": "yes"}}, 'Z_ENDPOINTS["trace"]["enabled"]'),
        ({"enable_service_instance_id": 1}, 'Z_ENDPOINTS["enable_service_instance_id"]'),
    ],
)
def test_bad_options_name_their_key(z_endpoints: dict[str, Any], key: str) -> None:
    app = Flask(__name__)
    app.config["Z_ENDPOINTS"] = z_endpoints
    with pytest.raises(ConfigurationError) as raised:
        validate_config(app)
    assert raised.value.key == key
    assert str(raised.value).startswith(key + ": ")
