"""Mask secrets before an answer shows them: by key, and passwords inside values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: What a masked value is replaced with.
MASK = "******"

# ``scheme://user:password@host``: the password is whatever lies between the
# first colon after ``//`` and the last ``@`` of the URL, so a password may
# hold ``@``, ``:`` and ``/`` (and a user name ``@``, as e-mail addresses do);
# an ``@`` further on in the URL masks up to it: too much rather than too little.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/:\s]*:)\S*(?=@)")
# ``password=...`` / ``pwd=...`` in key=value connection strings (libpq, ODBC, JDBC):
# quoted, ODBC-braced (``{...}``, where ``}}`` is a literal ``}``) or bare.
_PAIR_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd|secret|token)\s*=\s*)"
    r"(?:'[^']*'|\"[^\"]*\"|\{(?:\}\}|[^}])*\}|[^;&\s]*)",
    re.IGNORECASE,
)


def mask_value(text: str) -> str:
    """``text`` with the password of every URL and ``password=`` pair in it masked.

    ``postgresql://app:s3cret@db/orders`` -> ``postgresql://app:******@db/orders``;
    ``host=db password=s3cret`` -> ``host=db password=******``.
    """
    if ":" not in text and "=" not in text:  # the common case: nothing to look at
        return text
    text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    return _PAIR_PASSWORD.sub(lambda m: m["head"] + MASK, text)


def looks_secret(key: object, fragments: Iterable[str]) -> bool:
    """Whether ``key`` contains one of ``fragments`` (lower case), ignoring case."""
    lowered = str(key).lower()
    return any(fragment in lowered for fragment in fragments)


def mask_secrets(value: Any, fragments: Iterable[str]) -> Any:
    """A copy of ``value`` with every value under a secret-looking key masked.

    Mappings are searched at any depth, through lists and tuples too. A
    secret-looking key hides its whole value, nested or not, so a
    ``"credentials": {...}`` block shows as ``"******"``. Every other string
    goes through :func:`mask_value`.
    """
    fragments = tuple(fragments)
    if isinstance(value, Mapping):
        return {
            key: MASK if looks_secret(key, fragments) else mask_secrets(item, fragments)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_secrets(item, fragments) for item in value]
    if isinstance(value, str):
        return mask_value(value)
    return value
