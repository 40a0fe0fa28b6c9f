"""The ping, diskSpace and memory indicators against the real machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from flask_management_endpoints.indicators import disk_space, memory, ping


def test_ping_is_up_without_details() -> None:
    result = ping()()
    assert (result.status, dict(result.details)) == ("UP", {})


def test_disk_space_up_with_springs_details(tmp_path: Path) -> None:
    result = disk_space(tmp_path, threshold_bytes=1)()
    usage = shutil.disk_usage(tmp_path)
    assert result.status == "UP"
    assert set(result.details) == {"total", "free", "threshold", "path", "exists"}
    assert result.details["total"] == usage.total
    assert result.details["threshold"] == 1
    assert result.details["path"] == str(tmp_path)
    assert result.details["exists"] is True
    assert 0 < result.details["free"] <= usage.total


def test_disk_space_down_below_the_threshold(tmp_path: Path) -> None:
    more_than_the_disk = shutil.disk_usage(tmp_path).total + 1
    result = disk_space(tmp_path, threshold_bytes=more_than_the_disk)()
    assert result.status == "DOWN"
    assert result.details["threshold"] == more_than_the_disk
    assert result.details["free"] < more_than_the_disk


def test_disk_space_down_for_a_missing_path(tmp_path: Path) -> None:
    result = disk_space(tmp_path / "gone", threshold_bytes=0)()
    assert result.status == "DOWN"
    assert result.details["exists"] is False
    assert result.details["path"] == str(tmp_path / "gone")


def test_disk_space_default_threshold_is_ten_mebibytes() -> None:
    assert disk_space()().details["threshold"] == 10 * 1024 * 1024


@pytest.mark.parametrize("threshold", [-1, 1.5, True])
def test_disk_space_rejects_bad_thresholds(threshold: object) -> None:
    with pytest.raises(ValueError, match="threshold_bytes"):
        disk_space(".", threshold_bytes=threshold)  # type: ignore[arg-type]


def test_memory_against_the_system(tmp_path: Path) -> None:
    # An empty cgroup root: no limit is found, so the system's memory counts.
    result = memory(100, cgroup_root=tmp_path)()
    system = psutil.virtual_memory()
    assert result.status == "UP"
    assert result.details["source"] == "system"
    assert result.details["total"] == system.total
    assert 0 < result.details["percent"] < 100
    assert result.details["threshold"] == 100
    assert result.details["process"]["rss"] > 0


def test_memory_down_above_the_threshold(tmp_path: Path) -> None:
    result = memory(0.01, cgroup_root=tmp_path)()
    assert result.status == "DOWN"
    assert result.details["percent"] >= 0.01


def write_cgroup(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)


def test_memory_against_a_cgroup_v2_limit(tmp_path: Path) -> None:
    mib = 1024 * 1024
    write_cgroup(
        tmp_path,
        {
            "memory.max": f"{100 * mib}\n",
            "memory.current": f"{95 * mib}\n",
            "memory.stat": f"anon {60 * mib}\ninactive_file {10 * mib}\n",
        },
    )
    result = memory(90, cgroup_root=tmp_path)()
    # Working set: 95 MiB in use minus 10 MiB of reclaimable file cache.
    assert result.details["source"] == "cgroup"
    assert (result.details["total"], result.details["used"]) == (100 * mib, 85 * mib)
    assert result.details["percent"] == 85.0
    assert result.status == "UP"
    assert memory(80, cgroup_root=tmp_path)().status == "DOWN"


def test_memory_against_a_cgroup_v1_limit(tmp_path: Path) -> None:
    mib = 1024 * 1024
    write_cgroup(
        tmp_path,
        {
            "memory/memory.limit_in_bytes": f"{200 * mib}\n",
            "memory/memory.usage_in_bytes": f"{190 * mib}\n",
            "memory/memory.stat": f"total_inactive_file {0}\n",
        },
    )
    result = memory(90, cgroup_root=tmp_path)()
    assert (result.details["source"], result.details["percent"]) == ("cgroup", 95.0)
    assert result.status == "DOWN"


def test_memory_unlimited_cgroup_counts_the_system(tmp_path: Path) -> None:
    write_cgroup(tmp_path, {"memory.max": "max\n", "memory.current": "12345\n"})
    assert memory(100, cgroup_root=tmp_path)().details["source"] == "system"
    huge = psutil.virtual_memory().total * 4
    write_cgroup(
        tmp_path,
        {"memory/memory.limit_in_bytes": f"{huge}\n", "memory/memory.usage_in_bytes": "1\n"},
    )
    assert memory(100, cgroup_root=tmp_path)().details["source"] == "system"


@pytest.mark.parametrize("threshold", [0, -5, 101, "90"])
def test_memory_rejects_bad_thresholds(threshold: object) -> None:
    with pytest.raises(ValueError, match="threshold_percent"):
        memory(threshold)  # type: ignore[arg-type]


def test_package_works_without_sqlalchemy_installed() -> None:
    # SQLAlchemy is an optional extra: blocking it must leave /z/health working.
    script = """
import sys
sys.modules["sqlalchemy"] = None
sys.modules["flask_sqlalchemy"] = None
from flask import Flask
from flask_management_endpoints import ManagementEndpoints
app = Flask("no_sqlalchemy")
ManagementEndpoints(app)
answer = app.test_client().get("/z/health")
print(sorted(answer.get_json()["components"]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=60
    )
    components = done.stdout.strip()
    assert "'diskSpace'" in components
    assert "'ping'" in components
    assert "'db'" not in components


def test_memory_reuses_a_reading_for_max_age_seconds_in_its_own_process(tmp_path: Path) -> None:
    check = memory(100, cgroup_root=tmp_path, max_age=60)
    first = check()
    assert check() is first  # the same reading, not a new one
    assert memory(100, cgroup_root=tmp_path, max_age=0)() is not first
    fresh = memory(100, cgroup_root=tmp_path, max_age=0)
    assert fresh() is not fresh()
    # A forked child reads its own memory (its rss is not its parent's).
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report whether it got its parent's reading back
        os.write(write, b"same" if check() is first else b"new")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 8) == b"new"
    os.close(read)
    assert status == 0


@pytest.mark.parametrize("max_age", [-1, "1", True])
def test_memory_rejects_a_bad_max_age(max_age: object) -> None:
    with pytest.raises(ValueError, match="max_age must be a number of seconds >= 0"):
        memory(max_age=max_age)  # type: ignore[arg-type]
