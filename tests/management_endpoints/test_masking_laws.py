"""The masking laws, for any planted secret: no part of it survives, nothing else changes.

Hypothesis plants arbitrary secrets (any non-space characters, ``@``, ``:``
and ``/`` included) as the password of a URL and as the value of a
``password=`` pair in libpq, ODBC and JDBC forms, in the middle of a
sentence, and checks the masked text is the same text with the whole secret
replaced by the mask. Example counts are bounded: the laws are pure
functions, and the through-the-endpoint law makes one app per example.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flask_management_endpoints.info import MASK
from flask_management_endpoints.info.masking import mask_secrets, mask_value
from flask_management_endpoints.info.options import DEFAULT_SECRET_KEYS
from tests.management_endpoints.apps import make_app

#: Any characters but whitespace and control characters, as a password may hold,
#: with the ones that delimit URLs and connection strings drawn often.
SECRET = st.lists(
    st.sampled_from("@:/;&='\"{}?#%")
    | st.text(st.characters(exclude_categories=("Z", "C")), min_size=1, max_size=6),
    min_size=1,
    max_size=6,
).map("".join)
#: A secret holding at least one of the characters a URL is split at.
URL_SECRET = SECRET | st.tuples(SECRET, st.sampled_from("@:/"), SECRET).map("".join)
SCHEME = st.from_regex(r"[a-z][a-z0-9+.-]{0,8}", fullmatch=True)
#: User names as they are written (e-mail addresses included), hosts, ports and paths.
USER = st.from_regex(r"[A-Za-z0-9._~+-]{0,8}(@[a-z0-9.-]{1,8})?", fullmatch=True)
HOST = st.from_regex(r"[a-z0-9-]{1,12}(\.[a-z0-9-]{1,8}){0,2}(:[0-9]{1,5})?", fullmatch=True)
PATH = st.from_regex(r"(/[A-Za-z0-9_.-]{0,8}){0,3}(\?[a-z]{1,5}=[a-z0-9]{0,5})?", fullmatch=True)
#: Words around a value in an error message or a config listing.
WORDS = st.from_regex(r"([A-Za-z,.()]{1,8} ){0,4}", fullmatch=True)
KEY = st.sampled_from(
    ["password", "PASSWORD", "Password", "pwd", "PWD", "passwd", "secret", "token"]
)


def bare(text: str) -> bool:
    """A value written without quotes: it ends at whitespace, ``;`` or ``&`` and does not
    start as a quoted or braced one."""
    return not any(c in text for c in ";&") and text[0] not in "'\"{"


#: ``(written value, the secret it carries)`` in each quoting a connection string allows.
PAIR_VALUE = st.one_of(
    SECRET.filter(bare).map(lambda s: (s, s)),
    SECRET.filter(lambda s: "'" not in s).map(lambda s: (f"'{s}'", s)),
    SECRET.filter(lambda s: '"' not in s).map(lambda s: (f'"{s}"', s)),
    SECRET.map(lambda s: ("{" + s.replace("}", "}}") + "}", s)),  # ODBC: }} is a literal }
)


@settings(max_examples=200)
@given(SCHEME, USER, URL_SECRET, HOST, PATH, WORDS, WORDS)
def test_a_url_password_is_masked_whole_whatever_it_holds(
    scheme: str, user: str, secret: str, host: str, path: str, before: str, after: str
) -> None:
    text = f"{before}{scheme}://{user}:{secret}@{host}{path} {after}"
    assert mask_value(text) == f"{before}{scheme}://{user}:{MASK}@{host}{path} {after}"


@settings(max_examples=200)
@given(KEY, PAIR_VALUE, st.sampled_from([" = ", "=", "= "]), st.sampled_from(["libpq", "odbc"]))
def test_a_connection_string_password_is_masked_whole_in_any_quoting(
    key: str, value: tuple[str, str], equals: str, form: str
) -> None:
    written, _secret = value
    if form == "libpq":
        text, masked = (
            f"host=db {key}{equals}{written} user=app",
            f"host=db {key}{equals}{MASK} user=app",
        )
    else:
        text, masked = (
            f"Driver=x;Server=db;{key}{equals}{written};Database=shop",
            f"Driver=x;Server=db;{key}{equals}{MASK};Database=shop",
        )
    assert mask_value(text) == masked


#: Nested config as /z/info sections hold it: mappings, lists and scalars.
PLAIN = st.one_of(
    st.integers(), st.booleans(), st.none(), st.from_regex(r"[a-z ]{0,10}", fullmatch=True)
)
NESTED = st.recursive(
    PLAIN,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=12,
)
#: Distinctive, so that finding it in an answer can only mean it leaked.
PLANTED = st.from_regex(r"PLANTED[A-Za-z0-9@:/]{4,12}", fullmatch=True)


@st.composite
def with_planted_secret(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A nested mapping with a secret under a secret-looking key somewhere inside."""
    secret = draw(PLANTED)
    key = draw(st.sampled_from(["password", "clientSecret", "api_key", "Token", "credentials"]))
    planted: Any = {key: draw(st.one_of(st.just(secret), st.just({"inner": [secret]})))}
    for _depth in range(draw(st.integers(0, 3))):
        wrapper = draw(
            st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), NESTED, max_size=2)
        )
        wrapper[draw(st.sampled_from(["db", "services", "x"]))] = draw(
            st.sampled_from([planted, [planted], (0, planted)])
        )
        planted = wrapper
    return {"section": planted}, secret


@settings(max_examples=100)
@given(with_planted_secret())
def test_a_value_under_a_secret_looking_key_never_survives_at_any_depth(
    planted: tuple[dict[str, Any], str],
) -> None:
    data, secret = planted
    assert secret not in json.dumps(mask_secrets(data, DEFAULT_SECRET_KEYS))


@settings(max_examples=20)
@given(USER, URL_SECRET, KEY, PAIR_VALUE)
def test_info_never_shows_a_planted_password(
    user: str, secret: str, key: str, value: tuple[str, str]
) -> None:
    url = f"postgresql://{user}:{secret}@db:5432/orders"
    written, _ = value
    app = make_app({"info": {"app": {"database": url, "reports": f"host=db {key}={written}"}}})
    section = app.test_client().get("/z/info").get_json()["app"]
    assert section["database"] == f"postgresql://{user}:{MASK}@db:5432/orders"
    assert section["reports"] == f"host=db {key}={MASK}"
