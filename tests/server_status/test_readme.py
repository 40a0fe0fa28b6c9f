"""The package README documents every configuration key with its real default, and its
example answers have the shape the OpenAPI document promises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flask_server_status.config import ALIASES, DEFAULTS
from tests.server_status.api.contract import shipped_document, validator

README = Path(__file__).resolve().parents[2] / "packages" / "server-status" / "README.md"
#: How the table writes a default the code spells ``None``.
NONE_DEFAULTS = {
    "SERVER_STATUS_DATABASE_URI": "unset",
    "SERVER_STATUS_PAGE_TITLE": "the app's import name",
    "SERVER_STATUS_ROUTES": "`None` (all)",
    "SERVER_STATUS_FAILURE_STATUSES": "every 5xx",
}


def documented_defaults() -> dict[str, str]:
    """``{key: default cell}`` of the README's configuration table."""
    rows = re.findall(
        r"^\| `([A-Z0-9_]+)`(?: \(alias `([A-Z_]+)`\))? \| ([^|]+) \|", README.read_text(), re.M
    )
    return {key: default for key, _alias, default in rows} | {
        f"alias {alias}": key for key, alias, _default in rows if alias
    }


def written(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool | int | str):
        return f"`{value}`"
    return f"`{json.dumps(value)}`"


def test_every_key_is_in_the_configuration_table_with_its_default() -> None:
    table = documented_defaults()
    expected = {
        key: NONE_DEFAULTS.get(key, "`None`") if value is None else written(value)
        for key, value in DEFAULTS.items()
    }
    assert {key: table.get(key) for key in DEFAULTS} == expected
    assert {f"alias {alias}": key for alias, key in ALIASES.items()} == {
        name: key for name, key in table.items() if name.startswith("alias ")
    }


#: README heading of a public answer -> the schema of its example.
EXAMPLES = {
    "#### `GET /status/api/summary?days=N`": "Summary",
    "#### `GET /status/api/components?page=N`": "ComponentList",
    "#### `GET /status/api/components/<id>?days=N`": "ComponentWithRoutes",
    "#### `GET /status/api/status`": "StatusResponse",
    "#### `GET /status/api/v2/summary.json`": "V2Summary",
}


@pytest.mark.parametrize(("heading", "schema"), EXAMPLES.items(), ids=EXAMPLES.values())
def test_example_answers_are_valid_against_the_openapi_document(heading: str, schema: str) -> None:
    text = README.read_text()
    section = text[text.index(heading) :]
    example = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    errors = list(
        validator(shipped_document(), f"/components/schemas/{schema}").iter_errors(example)
    )
    assert not errors, errors[0].message
