"""Check the four distributions that `nox -s build` writes into a folder.

Usage: python tools/check_dists.py DIST_DIR

Fails (exit 1, naming every problem) when a distribution is missing, a wheel
holds tests, the status wheel lacks its page bundle, OpenAPI document or
Alembic migrations, or the bundle was built from other frontend sources than
the ones in this checkout (stale). Finally it installs both wheels into a new
virtual environment and serves the status page from the installed package,
which shows the wheel needs no Node.js to work.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.page_bundle import source_hash  # noqa: E402  (one hash, shared with the tests)

STATUS_PKG = "flask_server_status"
ENDPOINTS_PKG = "flask_management_endpoints"

REQUIRED = {
    ENDPOINTS_PKG: ["__init__.py", "py.typed"],
    STATUS_PKG: [
        "__init__.py",
        "py.typed",
        "openapi.json",
        "migrations/env.py",
        "migrations/script.py.mako",
        "static/index.html",
        "static/status.js",
        "static/status.css",
        "static/build-info.json",
    ],
}

SMOKE_TEST = """
from flask import Flask
from flask_management_endpoints import ManagementEndpoints
from flask_server_status import FlaskStatus
import sys
app = Flask("smoke", instance_path=sys.argv[1])
app.config["SERVER_STATUS_DATABASE_URI"] = "sqlite:///" + sys.argv[1] + "/status.db"
ManagementEndpoints(app)
FlaskStatus(app)
client = app.test_client()
for path in ("/z/health", "/status/", "/status/static/status.js", "/status/api/summary"):
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code, answer.data[:300])
print("installed wheels serve /z/health and the status page")
"""


def check_wheel(wheel: Path, package: str) -> list[str]:
    problems: list[str] = []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for required in REQUIRED[package]:
            if f"{package}/{required}" not in names:
                problems.append(f"{wheel.name}: missing {package}/{required}")
        if package == STATUS_PKG and not any(
            n.startswith(f"{package}/migrations/versions/") and n.endswith(".py") for n in names
        ):
            problems.append(f"{wheel.name}: holds no Alembic revision")
        tests = sorted(n for n in names if n.startswith("tests/") or "/tests/" in n)
        if tests:
            problems.append(f"{wheel.name}: holds tests: {tests[:5]}")
        info_name = f"{package}/static/build-info.json"
        if package == STATUS_PKG and info_name in names:
            built_from = json.loads(archive.read(info_name))["source_hash"]
            if built_from != source_hash():
                problems.append(
                    f"{wheel.name}: the page bundle is stale (built from other frontend sources); "
                    "run `nox -s frontend` before `nox -s build`"
                )
    return problems


def smoke_install(wheels: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        python = str(venv / "bin" / "python")
        # uv when it is there (nox's backend): pip took minutes to resolve and compile.
        uv = shutil.which("uv")
        if uv:
            subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
            install = [uv, "pip", "install", "-q", "--python", python]
        else:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            install = [python, "-m", "pip", "install", "-q"]
        subprocess.run(
            [*install, *map(str, wheels)],
            check=True,
            # Only the new environment's own bin/ on PATH: no Node.js to fall back on.
            env={**os.environ, "PATH": str(venv / "bin")},
        )
        subprocess.run([python, "-c", SMOKE_TEST, tmp], check=True, cwd=tmp)


def main(dist: Path) -> int:
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    problems: list[str] = []
    if (len(wheels), len(sdists)) != (2, 2):
        problems.append(f"expected 2 wheels and 2 sdists in {dist}, found {wheels + sdists}")
    for wheel in wheels:
        package = ENDPOINTS_PKG if wheel.name.startswith(ENDPOINTS_PKG) else STATUS_PKG
        problems += check_wheel(wheel, package)
    if problems:
        print("distribution check failed:\n  " + "\n  ".join(problems))
        return 1
    smoke_install(wheels)
    print(f"distribution check passed: {', '.join(p.name for p in wheels + sdists)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
