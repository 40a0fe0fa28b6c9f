"""Mutation testing over the modules that judge, count and protect (``nox -s mutants``).

mutmut (3.x) mutates the functions of a copy of the sources it finds under
``src/`` of the folder it runs in, and runs, for each mutant, the selected
tests that call the mutated function. So ``prepare`` lays out a scratch
project (both packages' sources under ``src/``, a copy of ``tests/``, this
repository's pytest settings and a ``[tool.mutmut]`` table made from
tools/mutants.toml) and ``report`` reads mutmut's results: the killed share
of the mutants that are not equivalent, and every survivor, marked equivalent
(with the reason recorded in tools/mutants.toml) or not. ``report`` fails
below :data:`GOAL`. See docs/decisions/0015-mutation-testing.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tools" / "mutants.toml"
PACKAGES = ("server-status", "management-endpoints")
#: The killed share of non-equivalent mutants the run must reach.
GOAL = 0.90
#: mutmut's statuses that count as killed (a mutant that hangs the tests is caught).
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def load_config() -> dict[str, object]:
    return tomllib.loads(CONFIG.read_text("utf-8"))


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def prepare(project: Path) -> None:
    """A fresh scratch project in ``project``: sources under ``src/``, tests, settings."""
    config = load_config()
    shutil.rmtree(project, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "static")
    for package in PACKAGES:
        for source in (ROOT / "packages" / package / "src").iterdir():
            if source.is_dir() and not source.name.endswith(".egg-info"):
                shutil.copytree(source, project / "src" / source.name, ignore=ignore)
    shutil.copytree(ROOT / "tests", project / "tests", ignore=ignore)
    modules = [f"src/{module}" for module in config["modules"]]  # type: ignore[attr-defined]
    mutmut = (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {_toml_list(modules)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(config['tests'])}\n"  # type: ignore[arg-type]
        f"pytest_add_cli_args = {_toml_list(config['pytest_args'])}\n"  # type: ignore[arg-type]
        "use_git_change_detection = false\n"
    )
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    (project / "pyproject.toml").write_text(pyproject + mutmut, "utf-8")
    # The tests find the page bundle and the frontend beside the packages, as in
    # this repository (tests/support/page_bundle.py): mutmut runs them in mutants/.
    served = project / "mutants" / "src" / "flask_server_status"
    bundle = project / "mutants" / "packages" / "server-status" / "src" / "flask_server_status"
    for link, target in (
        (bundle / "static", ROOT / "packages/server-status/src/flask_server_status/static"),
        (served / "static", ROOT / "packages/server-status/src/flask_server_status/static"),
        (project / "mutants" / "frontend", ROOT / "frontend"),
    ):
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=True)


def _mutmut(project: Path, *args: str) -> str:
    mutmut = Path(sys.executable).with_name("mutmut")
    result = subprocess.run(
        [str(mutmut), *args], cwd=project, capture_output=True, text=True, check=True
    )
    return result.stdout


def _signature(project: Path, name: str) -> tuple[str, str, str]:
    """``(function, line as written, line as mutated)`` from mutmut's diff of a mutant."""
    diff = _mutmut(project, "show", name).splitlines()
    removed = [line[1:].strip() for line in diff if line.startswith("-") and line[:3] != "---"]
    added = [line[1:].strip() for line in diff if line.startswith("+") and line[:3] != "+++"]
    return name.partition("__mutmut_")[0], " / ".join(removed), " / ".join(added)


def report(project: Path) -> int:
    """Print the killed share and the survivors; 1 when below :data:`GOAL`."""
    config = load_config()
    equivalent = {
        (entry["function"], entry["from"], entry["to"]): entry["why"]
        for entry in config.get("equivalent", [])  # type: ignore[union-attr]
    }
    statuses: dict[str, str] = {}
    for line in _mutmut(project, "results", "--all", "true").splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            statuses[name] = status
    # An interrupted run leaves mutants unchecked: they count neither way.
    unchecked = sorted(name for name, status in statuses.items() if status == "not checked")
    for name in unchecked:
        del statuses[name]
    survivors = sorted(name for name, status in statuses.items() if status not in KILLED)
    marked: dict[str, str | None] = {}
    for name in survivors:
        signature = _signature(project, name)
        marked[name] = equivalent.get(signature)
        _function, written, mutated = signature
        print(f"{statuses[name]}: {name}\n    - {written}\n    + {mutated}")
        print(f"    equivalent: {marked[name]}" if marked[name] else "    NOT KILLED")
    counts = Counter(statuses.values())
    considered = len(statuses) - sum(1 for why in marked.values() if why)
    killed = sum(counts[status] for status in KILLED)
    share = killed / considered if considered else 1.0
    lines = [
        f"mutants: {len(statuses)} ({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))})",
        f"equivalent: {len(statuses) - considered}; not checked (interrupted): {len(unchecked)}",
        f"killed: {killed} of {considered} non-equivalent mutants ({share:.1%}; goal {GOAL:.0%})",
    ]
    print("\n".join(lines))
    (project / "result.txt").write_text("\n".join(lines) + "\n", "utf-8")
    return 0 if share >= GOAL else 1


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "prepare":
        prepare(folder)
    elif command == "report":
        sys.exit(report(folder))
    else:
        sys.exit(f"usage: {Path(__file__).name} prepare|report FOLDER ({os.getcwd()})")
