"""Development sessions for the monorepo: `nox -l` lists them.

Python dependencies of each session live in the root pyproject.toml's
[dependency-groups]; the two distributions keep their own runtime
dependencies in packages/*/pyproject.toml.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
FRONTEND = ROOT / "frontend"
PACKAGES = {
    "management-endpoints": ROOT / "packages" / "management-endpoints",
    "server-status": ROOT / "packages" / "server-status",
}
EDITABLE_PACKAGES = (
    "-e", "packages/management-endpoints[sqlalchemy]",
    "-e", "packages/server-status[postgresql,mysql]",
)  # fmt: skip
PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON_VARIANTS = ["3.11", "3.12", "3.13"]
# Where the browser tests and the demo find Debian's Chromium.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

RATIO = re.compile(r"\bratio\b")

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "frontend", "tests"]


def install_group(session: nox.Session, *groups: str) -> None:
    session.install(
        *(req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group))
    )


# The suite waits on servers more than it computes, so it runs in more processes
# than there are cores; `-n 0` in the session's arguments runs it in one. Work
# stealing: an idle process takes tests queued for a busy one, so the long tests,
# collected first (tests/conftest.py), do not all wait for the same process.
PYTEST_WORKERS = str(min(8, max(4, os.cpu_count() or 1)))
PYTEST_PARALLEL = ("-n", PYTEST_WORKERS, "--dist", "worksteal")


def run_pytest(session: nox.Session) -> None:
    session.run(
        "pytest", *PYTEST_PARALLEL, "--ignore=tests/browser", *(session.posargs or ["tests"])
    )


def compile_once(session: nox.Session) -> None:
    """Let the session's Python processes share compiled bytecode, kept in its venv.

    The suite starts hundreds of interpreters (gunicorn workers, ``flask``
    commands); with ``PYTHONDONTWRITEBYTECODE`` set, as on many CI images, each
    compiled every module again: about 1.7 s of CPU per process here. The
    bytecode goes under the session's own folder, never into the source tree.
    """
    session.env["PYTHONPYCACHEPREFIX"] = str(Path(session.virtualenv.location) / "pycache")
    session.env["PYTHONDONTWRITEBYTECODE"] = ""  # empty is unset, for Python


def install_for_tests(session: nox.Session) -> None:
    install_group(session, "test")
    session.install(*EDITABLE_PACKAGES)
    compile_once(session)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the Python test suite (all but the browser tests) on the current interpreter.

    The suite provides what it needs itself: the page bundle is built with npm
    when missing or stale, and PostgreSQL is found or started (see the README).
    """
    install_for_tests(session)
    run_pytest(session)


@nox.session(name="tests-version", python=PYTHON_VARIANTS)
def tests_version(session: nox.Session) -> None:
    """Run the Python test suite on a given interpreter, e.g. `nox -s tests-version-3.12`."""
    install_for_tests(session)
    run_pytest(session)


@nox.session(name="tests-lowest", venv_backend="uv")
def tests_lowest(session: nox.Session) -> None:
    """Run the suite with both packages' runtime dependencies at their declared lower bounds.

    uv resolves the packages' own requirements to their lowest versions
    (lowest-direct); the test tools are then installed without moving them.
    """
    session.install("--resolution=lowest-direct", *EDITABLE_PACKAGES)
    frozen = session.run("uv", "pip", "freeze", silent=True, external=True)
    constraints = Path(session.create_tmp()) / "lowest.txt"
    pins = [line for line in str(frozen).splitlines() if "==" in line and "@" not in line]
    constraints.write_text("\n".join(pins) + "\n")
    session.log("lowest runtime versions: " + ", ".join(pins))
    session.install("-c", str(constraints), *nox.project.dependency_groups(PYPROJECT, "test"))
    compile_once(session)
    run_pytest(session)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and types: ruff check, ruff format --check and mypy over both packages."""
    install_group(session, "lint")
    session.install(*EDITABLE_PACKAGES)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


def build_frontend(session: nox.Session, *, run_tests: bool) -> None:
    session.chdir(FRONTEND)
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    if run_tests:
        session.run("npm", "test", external=True)
    session.run("npm", "run", "build", external=True)
    session.chdir(ROOT)


@nox.session(python=False)
def frontend(session: nox.Session) -> None:
    """Install the frontend with npm ci, run its node tests and build the bundle."""
    build_frontend(session, run_tests=True)


@nox.session
def build(session: nox.Session) -> None:
    """Build sdist and wheel of both packages and check what they contain (twine check too)."""
    install_group(session, "build")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    for package in PACKAGES.values():
        # uv installs the build backend in a fraction of pip's time.
        session.run("python", "-m", "build", "--installer=uv", "--outdir", str(dist), str(package))
    session.run("twine", "check", "--strict", *(str(p) for p in sorted(dist.iterdir())))
    session.run("python", "tools/check_dists.py", str(dist))


@nox.session
def browser(session: nox.Session) -> None:
    """Run the Playwright tests in headless Debian Chromium (the page is built if stale)."""
    install_group(session, "test", "browser")
    session.install(*EDITABLE_PACKAGES)
    compile_once(session)
    session.run("pytest", "tests/browser", *session.posargs, env={"CHROMIUM_PATH": CHROMIUM})


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing (mutmut) of the modules that judge, count and protect.

    Prints the killed share and every survivor; fails below 90 % of the
    mutants that are not equivalent (tools/mutants.toml lists those, with why).
    Takes long (about an hour here), so it is not part of .ci/run. The
    scratch project lives in the session's folder; ``-- --max-children N``
    changes mutmut's parallelism (default 2).
    """
    install_group(session, "test", "mutants")
    session.install(*EDITABLE_PACKAGES)  # the dependencies; mutmut's copies come first
    compile_once(session)
    session.run("python", "-c", "from tests.support.page_bundle import ensure_built as b; b()")
    project = Path(session.virtualenv.location) / "project"
    session.run("python", "tools/mutants.py", "prepare", str(project))
    session.chdir(project)
    session.run("mutmut", "run", *(session.posargs or ["--max-children", "2"]))
    session.chdir(ROOT)
    session.run("python", "tools/mutants.py", "report", str(project))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every script in benchmarks/ and print the ratio lines they measure.

    Modules whose name starts with ``_`` are the scripts' shared parts, not scripts.
    A script that fails is reported at the end; the others still run.
    """
    build_frontend(session, run_tests=False)
    install_group(session, "test", "browser", "bench")
    session.install(*EDITABLE_PACKAGES)
    compile_once(session)
    ratios: list[str] = []
    failed: list[str] = []
    for script in sorted((ROOT / "benchmarks").glob("[!_]*.py")):
        try:
            output = session.run(
                "python", str(script), silent=True, env={"CHROMIUM_PATH": CHROMIUM}
            )
        except nox.command.CommandFailed:  # its output is logged; the others still run
            failed.append(script.name)
            continue
        print(output)
        lines = str(output).splitlines()
        ratios += [f"{script.name}: {line}" for line in lines if RATIO.search(line)]
    session.log("ratios measured:\n" + "\n".join(ratios))
    if failed:
        session.error("benchmarks that failed: " + ", ".join(failed))


@nox.session
def demo(session: nox.Session) -> None:
    """Start the demo app on http://127.0.0.1:5000 with both extensions (builds the page first)."""
    build_frontend(session, run_tests=False)
    session.install(*EDITABLE_PACKAGES)
    session.run("python", "examples/demo_app.py", *session.posargs)
