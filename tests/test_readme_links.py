"""The READMEs' links resolve, on GitHub and in the PyPI long descriptions.

The repository README may link to files by relative path (GitHub resolves
them); each package README is also its distribution's long description on
PyPI, where a relative link leads nowhere, so those use absolute URLs only.
Links to this repository's own files are checked against the checkout.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_READMES = sorted(ROOT.glob("packages/*/README.md"))
READMES = [ROOT / "README.md", *PACKAGE_READMES]
FENCED = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(
    r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"  # [text](target "title")
    r"|^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)"  # [label]: target
    r"|(?:href|src)=\"([^\"]+)\"",  # HTML
    re.M,
)
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#)", re.I)


def repository_url() -> str:
    urls = {
        tomllib.loads(path.read_text())["project"]["urls"]["Homepage"]
        for path in ROOT.glob("packages/*/pyproject.toml")
    }
    assert len(urls) == 1, urls
    return urls.pop().rstrip("/")


def links(readme: Path) -> list[str]:
    text = CODE.sub("", FENCED.sub("", readme.read_text()))
    return [next(group for group in match.groups() if group) for match in LINK.finditer(text)]


def target_file(base: Path, target: str) -> Path:
    return (base / target.split("#", 1)[0].split("?", 1)[0]).resolve()


def test_the_link_pattern_finds_every_form(tmp_path: Path) -> None:
    sample = tmp_path / "README.md"
    sample.write_text(
        '[a](one.md) [b\n](two.md "title") <img src="three.png">\n[c]: four.md\n'
        "`[not](code.md)`\n```\n[not](fenced.md)\n```\n[d](https://x.example/) [e](#anchor)\n"
    )
    assert links(sample) == [
        "one.md", "two.md", "three.png", "four.md", "https://x.example/", "#anchor",
    ]  # fmt: skip


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_resolve_to_files_of_the_repository(readme: Path) -> None:
    found = [target for target in links(readme) if not ABSOLUTE.match(target)]
    missing = [t for t in found if not target_file(readme.parent, t).is_file()]
    assert missing == []
    outside = [t for t in found if not target_file(readme.parent, t).is_relative_to(ROOT)]
    assert outside == []


@pytest.mark.parametrize("readme", PACKAGE_READMES, ids=lambda path: path.parent.name)
def test_package_readmes_link_with_absolute_urls_only(readme: Path) -> None:
    relative = [target for target in links(readme) if not ABSOLUTE.match(target)]
    assert relative == [], "PyPI cannot resolve these relative links"
    assert "../shared" not in readme.read_text()


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(ROOT)))
def test_links_into_this_repository_name_existing_files(readme: Path) -> None:
    own = re.compile(re.escape(repository_url()) + r"/(?:blob|tree)/main/([^#?]*)")
    for target in links(readme):
        match = own.match(target)
        if match:
            assert (ROOT / match.group(1)).exists(), target


def test_runtime_messages_do_not_mention_nox() -> None:
    """Wheel users have no noxfile: messages tell them what they can run."""
    mentions = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.glob("packages/*/src/**/*"))
        if path.is_file() and path.suffix in (".py", ".json", ".html", ".js")
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if re.search(r"\bnox\b", line)
    ]
    assert mentions == []
