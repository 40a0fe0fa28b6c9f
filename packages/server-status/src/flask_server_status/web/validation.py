"""Reading and checking request input: query strings and JSON bodies.

Each check raises :class:`~.errors.ApiError` with a reason that names the
offending parameter or field (400 for a body that is not JSON, 413 for one
that is too large, 422 for a value that is not allowed). Nothing reaches the
database unchecked, so bad input never turns into a database error.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from flask import request

from ..components import ID_PATTERN
from .errors import ApiError

#: Largest id the id columns hold (PostgreSQL ``integer``); larger ones cannot exist.
MAX_ID = 2**31 - 1
MAX_IDS = 500
_DIGITS = re.compile(r"[0-9]{1,6}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def positive_int_arg(name: str, *, default: int, maximum: int) -> int:
    """Query parameter ``name`` as an integer from 1 to ``maximum``."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise ApiError(422, f"{name} must be an integer from 1 to {maximum}")
    return int(raw)


def existing_id(kind: str, item_id: int) -> int:
    """A path id, or 404 when it is too large to name anything stored."""
    if item_id > MAX_ID:
        raise ApiError(404, f"no {kind} with id {item_id}")
    return item_id


def choice_arg(name: str, options: Collection[str], *, default: str) -> str:
    """Query parameter ``name`` as one of ``options``."""
    raw = request.args.get(name, default)
    if raw not in options:
        raise ApiError(422, f"{name} must be one of {', '.join(options)}")
    return raw


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def read_json_object(max_bytes: int) -> dict[str, Any]:
    """The request body as a JSON object, at most ``max_bytes`` long."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise ApiError(413, f"the request body is larger than {max_bytes} bytes")
    data = request.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ApiError(413, f"the request body is larger than {max_bytes} bytes")
    if not data.strip():
        raise ApiError(400, "the request body must be a JSON object")
    try:
        body = json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, f"the request body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise ApiError(422, "the request body must be a JSON object")
    return body


def _integral(item: object) -> int | None:
    """``item`` as an int when it is a JSON integer (``3`` or ``3.0``), else ``None``."""
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item
    if isinstance(item, float) and item.is_integer():
        return int(item)
    return None


class Fields:
    """Typed access to the fields of a JSON object body."""

    def __init__(
        self,
        body: Mapping[str, Any],
        *,
        allowed: Collection[str],
        required: Collection[str] = (),
        at_least_one: bool = False,
    ) -> None:
        unknown = sorted(set(body) - set(allowed))
        if unknown:
            raise ApiError(
                422,
                f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
            )
        missing = [name for name in required if name not in body]
        if missing:
            raise ApiError(422, f"missing required field(s): {', '.join(missing)}")
        if at_least_one and not body:
            raise ApiError(422, f"give at least one of: {', '.join(sorted(allowed))}")
        self.body = body

    def __contains__(self, name: str) -> bool:
        return name in self.body

    def text(self, name: str, *, max_length: int, min_length: int = 0) -> str | None:
        """A string field (``None`` when absent), stored verbatim."""
        if name not in self.body:
            return None
        value = self.body[name]
        if not isinstance(value, str) or not min_length <= len(value) <= max_length:
            raise ApiError(
                422, f"{name} must be a string of {min_length} to {max_length} characters"
            )
        if _UNSTORABLE.search(value):
            raise ApiError(422, f"{name} must not contain NUL characters or lone surrogates")
        return value

    def choice(self, name: str, options: Collection[str]) -> str | None:
        """A string field that must be one of ``options`` (``None`` when absent)."""
        if name not in self.body:
            return None
        value = self.body[name]
        if value not in options or not isinstance(value, str):
            raise ApiError(422, f"{name} must be one of {', '.join(options)}")
        return value

    def ids(self, name: str) -> list[int] | None:
        """A list of distinct ids (``None`` when absent), sorted.

        An integral number such as ``3.0`` is the id 3: JSON Schema's
        ``integer`` (what openapi.json promises) includes it. A repeated id is
        refused, as the document's ``uniqueItems`` says.
        """
        if name not in self.body:
            return None
        value = self.body[name]
        reason = f"{name} must be a list of at most {MAX_IDS} integer ids from 1 to {MAX_ID}"
        if not isinstance(value, list) or len(value) > MAX_IDS:
            raise ApiError(422, reason)
        ids: list[int] = []
        for item in value:
            number = _integral(item)
            if number is None or not 1 <= number <= MAX_ID:
                raise ApiError(422, reason)
            ids.append(number)
        repeated = sorted(number for number, count in Counter(ids).items() if count > 1)
        if repeated:
            raise ApiError(422, f"{name} repeats id(s): {', '.join(map(str, repeated))}")
        return sorted(ids)

    def component_ids(self, name: str) -> list[str] | None:
        """A list of distinct component ids (``None`` when absent), sorted.

        Each must look like a component id (``[a-z0-9][a-z0-9-]{0,62}``);
        whether it names a component is the write's to check.
        """
        if name not in self.body:
            return None
        value = self.body[name]
        reason = f"{name} must be a list of at most {MAX_IDS} component ids such as 'checkout'"
        if not isinstance(value, list) or len(value) > MAX_IDS:
            raise ApiError(422, reason)
        for item in value:
            if not isinstance(item, str) or not ID_PATTERN.fullmatch(item):
                raise ApiError(422, f"{reason}, got {item!r:.80}")
        repeated = sorted(item for item, count in Counter(value).items() if count > 1)
        if repeated:
            raise ApiError(422, f"{name} repeats id(s): {', '.join(repeated)}")
        return sorted(value)

    def time(self, name: str) -> datetime | None:
        """An ISO 8601 date-time with offset, as naive UTC (``None`` when absent)."""
        if name not in self.body:
            return None
        value = self.body[name]
        reason = (
            f"{name} must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-21T15:00:00Z"
        )
        if not isinstance(value, str) or len(value) > 64:
            raise ApiError(422, reason)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ApiError(422, reason) from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ApiError(422, reason)
        try:
            return moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ApiError(422, reason) from None

    def required_time(self, name: str) -> datetime:
        """Like :meth:`time`, for a field that must be present."""
        moment = self.time(name)
        if moment is None:
            raise ApiError(422, f"missing required field(s): {name}")
        return moment
