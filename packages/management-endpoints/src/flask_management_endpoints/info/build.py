"""The ``build`` and ``git`` info contributors: where the running code came from.

Each reads, from weakest to strongest: a file (a build-info JSON file; the
``.git`` directory), environment variables set by the CI or the image, and
static values from the configuration.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

#: Environment variables read by the ``build`` contributor, by the key they fill.
BUILD_ENV: Mapping[str, str] = {
    "artifact": "BUILD_ARTIFACT",
    "name": "BUILD_NAME",
    "group": "BUILD_GROUP",
    "version": "BUILD_VERSION",
    "number": "BUILD_NUMBER",
    "time": "BUILD_TIME",
}

#: Environment variables read by the ``git`` contributor.
GIT_BRANCH_ENV = "GIT_BRANCH"
GIT_COMMIT_ENV = "GIT_COMMIT"
GIT_COMMIT_TIME_ENV = "GIT_COMMIT_TIME"

ABBREV_LENGTH = 7
# How far up from the app's root the .git directory is looked for.
_GIT_SEARCH_DEPTH = 8
_INSTALLED_PARTS = {"site-packages", "dist-packages"}
_SHA = re.compile(r"^[0-9a-f]{40}$")
_COMMITTER = re.compile(rb"^committer .* (\d+) ([+-]\d{4})$", re.MULTILINE)


def build_info(root: Path, build_file: str | None, static: Mapping[str, Any]) -> dict[str, Any]:
    """Build facts from ``build_file`` (JSON, relative to ``root``), ``BUILD_*`` and ``static``.

    Raises ``ValueError`` when ``build_file`` is set but unreadable or not a
    JSON object: a configured source that cannot be read is an error to see.
    """
    info: dict[str, Any] = {}
    if build_file is not None:
        path = root / build_file
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"cannot read build file {str(path)!r}: {error}") from error
        if not isinstance(loaded, dict):
            raise ValueError(f"build file {str(path)!r} must hold a JSON object")
        info.update(loaded)
    info.update({key: os.environ[var] for key, var in BUILD_ENV.items() if os.environ.get(var)})
    info.update(static)
    return info


def git_info(root: Path, git_dir: str | None, static: Mapping[str, Any]) -> dict[str, Any]:
    """Branch and commit from the ``.git`` directory, ``GIT_*`` variables and ``static``.

    The shape follows Spring Boot's simple git info:
    ``{"branch": "main", "commit": {"id": "9e0a5c5", "full": "9e0a5c5...", "time": "..."}}``.
    ``git_dir`` (relative to ``root``) names the directory; by default it is
    looked for from ``root`` upwards, unless ``root`` is inside
    ``site-packages`` (an installed app). No ``git`` executable is run.
    """
    branch: str | None = None
    commit: str | None = None
    commit_time: str | None = None
    directory = (root / git_dir) if git_dir is not None else _find_git_dir(root)
    if directory is not None:
        branch, commit = _read_head(directory)
        if commit is not None:
            commit_time = _commit_time(directory, commit)
    branch = os.environ.get(GIT_BRANCH_ENV) or branch
    if os.environ.get(GIT_COMMIT_ENV) and os.environ[GIT_COMMIT_ENV] != commit:
        # Another commit than the one on disk: the disk's time is not its time.
        commit, commit_time = os.environ[GIT_COMMIT_ENV], None
    commit_time = os.environ.get(GIT_COMMIT_TIME_ENV) or commit_time

    info: dict[str, Any] = {}
    if branch:
        info["branch"] = branch
    if commit:
        info["commit"] = {"id": commit[:ABBREV_LENGTH], "full": commit}
        if commit_time:
            info["commit"]["time"] = commit_time
    for key, value in static.items():
        if isinstance(value, Mapping) and isinstance(info.get(key), dict):
            info[key] = {**info[key], **value}
        else:
            info[key] = value
    return info


def _find_git_dir(start: Path) -> Path | None:
    if _INSTALLED_PARTS & set(start.parts):
        return None  # an installed app: a repository above it is not its own
    for directory in [start, *start.parents][:_GIT_SEARCH_DEPTH]:
        candidate = directory / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():  # a worktree or submodule: "gitdir: <path>"
            target = candidate.read_text(encoding="utf-8").strip()
            if target.startswith("gitdir:"):
                return (directory / target.removeprefix("gitdir:").strip()).resolve()
    return None


def _common_dir(git_dir: Path) -> Path:
    # Worktrees keep refs and objects in the main repository's directory.
    pointer = git_dir / "commondir"
    if pointer.is_file():
        return (git_dir / pointer.read_text(encoding="utf-8").strip()).resolve()
    return git_dir


def _read_head(git_dir: Path) -> tuple[str | None, str | None]:
    """``(branch, commit)`` of HEAD; the branch is None when HEAD is detached."""
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None, None
    if _SHA.match(head):
        return None, head
    if not head.startswith("ref: "):
        return None, None
    ref = head.removeprefix("ref: ")
    branch = ref.removeprefix("refs/heads/")
    return branch, _resolve_ref(_common_dir(git_dir), git_dir, ref)


def _resolve_ref(common: Path, git_dir: Path, ref: str) -> str | None:
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            value = loose.read_text(encoding="utf-8").strip()
            return value if _SHA.match(value) else None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            sha, _, name = line.partition(" ")
            if name == ref and _SHA.match(sha):
                return sha
    return None  # a branch without commits yet


def _commit_time(git_dir: Path, commit: str) -> str | None:
    """The committer time of a loose commit object; None when it is packed."""
    path = _common_dir(git_dir) / "objects" / commit[:2] / commit[2:]
    try:
        raw = zlib.decompress(path.read_bytes())
    except (OSError, zlib.error):
        return None
    match = _COMMITTER.search(raw)
    if match is None:
        return None
    offset = match[2].decode()
    sign = 1 if offset[0] == "+" else -1
    minutes = sign * (int(offset[1:3]) * 60 + int(offset[3:5]))
    moment = datetime.fromtimestamp(int(match[1]), UTC)
    return moment.astimezone(timezone(timedelta(minutes=minutes))).isoformat()
