"""Settings a new user gets wrong: typos in keys, Heroku's ``postgres://``, MySQL
URLs without a driver, a non-ASCII admin secret, the public base URL."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import ConfigError, FlaskStatus, get_state
from flask_server_status.config import read_settings
from tests.server_status.sample_app import create_app
from tests.server_status.storage import outcome_totals


def settings(**config: object) -> object:
    return read_settings(config, import_name="app")


def test_a_misspelt_key_is_refused_with_a_suggestion() -> None:
    app = Flask(__name__)
    app.config["SERVER_STATUS_FLUSH_INTERVAL"] = 5
    with pytest.raises(ConfigError) as raised:
        FlaskStatus(app)
    assert raised.value.key == "SERVER_STATUS_FLUSH_INTERVAL"
    assert str(raised.value) == (
        "SERVER_STATUS_FLUSH_INTERVAL: unknown key; "
        "did you mean 'SERVER_STATUS_FLUSH_INTERVAL_SECONDS'?"
    )
    assert "server_status" not in app.extensions


def test_an_unknown_key_without_a_close_match_is_refused_plainly() -> None:
    with pytest.raises(ConfigError, match=r"^SERVER_STATUS_COLOUR_SCHEME: unknown key$"):
        settings(SERVER_STATUS_COLOUR_SCHEME="dark")


def test_keys_of_other_extensions_are_not_checked() -> None:
    settings(SERVER_NAME="example.com", Z_ENDPOINTS={}, SERVER_STATUSES=1)


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("mysql://u:p%40ss@db.example:3306/app", "mysql+pymysql://u:p%40ss@db.example:3306/app"),
        ("mysql+pymysql://u@db/app", "mysql+pymysql://u@db/app"),
        ("mariadb://u@db/app?charset=utf8mb4", "mariadb+pymysql://u@db/app?charset=utf8mb4"),
        ("mariadb+pymysql://u@db/app", "mariadb+pymysql://u@db/app"),
    ],
)
def test_mysql_and_mariadb_urls_get_the_pymysql_driver(given: str, used: str) -> None:
    assert settings(SERVER_STATUS_DATABASE_URI=given).database_uri == used  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("given", "refused"),
    [
        ("mysql+mysqldb://u@db/app", "unsupported MySQL driver 'mysqldb': use mysql:// or "
         "mysql+pymysql:// (install flask-server-status[mysql])"),
        ("oracle://u@db/app", "unsupported database 'oracle': use SQLite, PostgreSQL, MySQL or "
         "MariaDB"),
    ],
)  # fmt: skip
def test_other_databases_and_mysql_drivers_are_refused_naming_the_key(
    given: str, refused: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(SERVER_STATUS_DATABASE_URI=given)
    assert raised.value.key == "SERVER_STATUS_DATABASE_URI"
    assert refused in str(raised.value)


def test_a_mariadb_url_stores_requests(mariadb_url: str) -> None:
    plain = "mariadb://" + mariadb_url.split("://", 1)[1]
    app = create_app(plain)
    state = get_state(app)
    try:
        assert app.test_client().get("/").status_code == 200
        assert state.flush()
        assert state.engine.dialect.name == "mariadb"
        assert outcome_totals(state.engine) == {"/": {"requests": 1, "successes": 1}}
        with state.engine.connect() as connection:
            charset = connection.execute(sa.text("SELECT @@character_set_client")).scalar()
        assert charset == "utf8mb4"
    finally:
        state.flusher.stop(flush=False)
        state.engine.dispose()


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p%40ss@db.example:5432/app", "postgresql://u:p%40ss@db.example:5432/app"),
        ("postgres+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql://u@db/app", "postgresql://u@db/app"),
    ],
)
def test_postgres_urls_are_read_as_postgresql(given: str, used: str) -> None:
    assert settings(SERVER_STATUS_DATABASE_URI=given).database_uri == used  # type: ignore[attr-defined]


def test_a_postgres_url_stores_requests(postgres_url: str) -> None:
    heroku_style = "postgres://" + postgres_url.split("://", 1)[1]
    app = create_app(heroku_style)
    state = get_state(app)
    try:
        app.test_client().get("/")
        assert state.flush()
        assert state.engine.url.get_backend_name() == "postgresql"
    finally:
        state.engine.dispose()


@pytest.mark.parametrize(
    "secret", ["pässwörd-ünïcode", "令牌-token", "emoji-\U0001f511"], ids=["latin", "cjk", "emoji"]
)
def test_a_non_ascii_secret_works_for_a_utf8_client(
    make_app: Callable[..., Flask], live_server: Callable[[Flask], str], secret: str
) -> None:
    app = make_app(API_ENABLED=True, API_SECRET=secret)
    address = urlsplit(live_server(app))

    def status_with(token: bytes) -> int:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.putrequest("GET", "/flask-status/incidents")
            connection.putheader("Authorization", b"Bearer " + token)
            connection.endheaders()
            return connection.getresponse().status
        finally:
            connection.close()

    assert status_with(secret.encode("utf-8")) == 200
    assert status_with(secret.encode("utf-8")[:-1]) == 401
    assert status_with(b"wrong") == 401


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("line\nbreak", "control character"),
        ("tab\there", "control character"),
        ("half-\ud800", "lone surrogate"),
    ],
)
def test_a_secret_no_client_can_send_is_refused_at_init_app(secret: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=f"SERVER_STATUS_API_SECRET: .*{reason}"):
        settings(SERVER_STATUS_API_ENABLED=True, SERVER_STATUS_API_SECRET=secret)


def test_the_base_url_is_checked_and_normalised() -> None:
    assert settings().base_url is None  # type: ignore[attr-defined]
    base = settings(SERVER_STATUS_BASE_URL="https://status.example.com/shop/")
    assert base.base_url == "https://status.example.com/shop"  # type: ignore[attr-defined]
    for bad in ("status.example.com", "ftp://x", "https://", "https://x/?a=1", 5):
        with pytest.raises(ConfigError, match="SERVER_STATUS_BASE_URL"):
            settings(SERVER_STATUS_BASE_URL=bad)
