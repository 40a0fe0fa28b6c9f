"""The status page bundle: whether it is fresh, and building it when it is not.

The bundle is a build output of ``frontend/`` (not committed, see
docs/decisions/0001). Tests that serve the page call :func:`ensure_built`
once per session, so ``nox -s tests`` (or plain ``pytest``) passes on a fresh
clone whatever ran before it. The hash is the one ``frontend/build.mjs``
stamps into ``build-info.json``; ``tools/check_dists.py`` uses it too.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
STATIC = ROOT / "packages" / "server-status" / "src" / "flask_server_status" / "static"
BUNDLE_FILES = ("index.html", "status.js", "status.css", "build-info.json")


class BundleError(RuntimeError):
    """The bundle is missing or stale and cannot be built here."""


def source_hash() -> str:
    """sha256 over the frontend's package files and ``src/``, framed as build.mjs frames them."""
    files = [FRONTEND / name for name in ("package-lock.json", "package.json", "build.mjs")]
    files += [p for p in (FRONTEND / "src").rglob("*") if p.is_file()]
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(FRONTEND).as_posix()):
        digest.update(path.relative_to(FRONTEND).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_fresh() -> bool:
    """True when every bundle file exists and was built from the sources in this checkout."""
    if not all((STATIC / name).is_file() for name in BUNDLE_FILES):
        return False
    built_from = json.loads((STATIC / "build-info.json").read_text("utf-8")).get("source_hash")
    return bool(built_from == source_hash())


def ensure_built() -> None:
    """Build the bundle with npm when it is missing or stale; a no-op when it is fresh.

    A lock file serialises concurrent test runs of one checkout. Raises
    :class:`BundleError` naming the fix when Node.js is not installed.
    """
    if is_fresh():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BundleError(
            "the status page bundle is missing or stale and npm is not on PATH: "
            "install Node.js >= 20 (it builds frontend/ into the status package)"
        )
    with (FRONTEND / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_fresh():  # another run built it while this one waited
            return
        if not (FRONTEND / "node_modules" / ".package-lock.json").is_file():
            _run([npm, "ci", "--no-audit", "--no-fund"])
        _run([npm, "run", "build"])
    if not is_fresh():
        raise BundleError(f"`npm run build` in {FRONTEND} left no fresh bundle in {STATIC}")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, cwd=FRONTEND, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BundleError(
            f"`{' '.join(command[1:])}` in {FRONTEND} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
