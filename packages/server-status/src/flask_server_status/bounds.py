"""Texts made safe for the database before any write: bounded and encodable.

Every text the capture path and route sync store (rules, endpoints, names,
descriptions, exception types and messages) goes through :func:`fit`, so one
odd value (a 300-character ``# Name`` line, a NUL byte in a message, a lone
surrogate from a ``surrogateescape``-decoded path) can never make PostgreSQL
reject the flush that carries it. Sizes come from the columns themselves
(``String(n)``), never from repeated numbers.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

#: Texts stored in unbounded (``Text``) columns are cut here: a flush carries
#: them on every change, so a megabyte docstring must not ride along.
UNBOUNDED_TEXT_LIMIT = 10_000


def column_length(column: sa.Column[Any]) -> int:
    """The most characters ``column`` holds (:data:`UNBOUNDED_TEXT_LIMIT` for ``Text``)."""
    length = getattr(column.type, "length", None)
    return int(length) if length else UNBOUNDED_TEXT_LIMIT


def fit(text: str, column: sa.Column[Any]) -> str:
    """``text`` as ``column`` can store it: at most its length in characters.

    Cut on a character (code point) boundary, which is how PostgreSQL counts
    ``VARCHAR(n)``; NUL (which PostgreSQL text cannot hold) becomes U+FFFD and
    lone surrogates (which UTF-8 cannot encode) become ``?`` first.
    """
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text[: column_length(column)]
