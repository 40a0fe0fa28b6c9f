"""The original package's API: constructor forms, config keys, route names, renames, deletes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_server_status import ConfigError, FlaskStatus, UnknownRouteError, get_state
from flask_server_status.models import routes
from tests.server_status.sample_app import create_app
from tests.server_status.storage import outcome_totals


def route_rows(engine: sa.Engine) -> dict[str, dict[str, object]]:
    with engine.connect() as connection:
        return {row["rule"]: dict(row) for row in connection.execute(sa.select(routes)).mappings()}


def hello_app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.route("/")
    def hello() -> str:
        return "Hello"

    return app


def test_constructor_with_routes_and_url_prefix(sqlite_url: str) -> None:
    app = hello_app(SQLALCHEMY_DATABASE_URI=sqlite_url)

    @app.route("/other")
    def other() -> str:
        return "other"

    FlaskStatus(app, routes=["/"], url_prefix="/health-page")
    state = get_state(app)
    assert state.settings.url_prefix == "/health-page"
    assert set(state.app_routes()) == {"/"}
    app.test_client().get("/")
    app.test_client().get("/other")
    assert state.flush()
    assert set(outcome_totals(state.engine)) == {"/"}
    state.flusher.stop(flush=False)


def test_app_factory_init_app_and_sqlalchemy_database_uri(database_url: str) -> None:
    status = FlaskStatus()
    app = hello_app(SQLALCHEMY_DATABASE_URI=database_url)
    assert status.init_app(app) is get_state(app)
    state = get_state(app)
    assert state.engine.url == sa.engine.make_url(database_url)
    app.test_client().get("/")
    assert state.flush()
    assert outcome_totals(state.engine) == {"/": {"requests": 1, "successes": 1}}
    state.flusher.stop(flush=False)
    with pytest.raises(RuntimeError, match="already initialised"):
        status.init_app(app)


def test_engine_choice_order(tmp_path: Path, sqlite_url: str) -> None:
    own = f"sqlite:///{tmp_path / 'own.db'}"
    app = hello_app(SQLALCHEMY_DATABASE_URI=sqlite_url, SERVER_STATUS_DATABASE_URI=own)
    FlaskStatus(app)
    assert str(get_state(app).engine.url) == own

    shared = hello_app(
        SQLALCHEMY_DATABASE_URI=sqlite_url,
        SQLALCHEMY_BINDS={"status": own},
        SERVER_STATUS_SQLALCHEMY_BIND="status",
    )
    db = SQLAlchemy(shared)
    FlaskStatus(shared)
    with shared.app_context():
        assert get_state(shared).engine is db.engines["status"]

    default = Flask(__name__, instance_path=str(tmp_path / "instance"))
    FlaskStatus(default)
    assert get_state(default).engine.url.database == str(tmp_path / "instance" / "server_status.db")


def test_route_names_come_from_the_docstring_else_the_endpoint(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    infos = get_state(app).app_routes()
    assert (infos["/"].name, infos["/"].doc) == ("Home page", "The landing page.")
    assert (infos["/user/<int:id>"].name, infos["/user/<int:id>"].doc) == ("user", "")
    assert get_state(app).flush()
    assert route_rows(get_state(app).engine)["/"]["name"] == "Home page"


def test_a_rename_sticks_across_restarts(database_url: str) -> None:
    first = create_app(database_url)
    get_state(first).rename_route("/", "Hello World!", "")
    get_state(first).engine.dispose()

    restarted = create_app(database_url)  # same rules and docstrings, new process state
    state = get_state(restarted)
    restarted.test_client().get("/")
    assert state.flush()
    row = route_rows(state.engine)["/"]
    assert (row["name"], row["doc"], row["name_overridden"]) == ("Hello World!", "", True)
    state.flusher.stop(flush=False)
    state.engine.dispose()


def test_a_deleted_route_stays_deleted_until_re_added(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    state = get_state(app)
    client = app.test_client()
    client.get("/user/1")
    assert state.flush()
    assert "/user/<int:id>" in outcome_totals(state.engine)

    state.delete_route("/user/<int:id>")
    assert "/user/<int:id>" not in outcome_totals(state.engine)
    assert route_rows(state.engine)["/user/<int:id>"]["deleted_at"] is not None
    with pytest.raises(UnknownRouteError):
        state.delete_route("/user/<int:id>")
    client.get("/user/2")  # traffic does not bring it back
    assert state.flush()
    assert "/user/<int:id>" not in outcome_totals(state.engine)

    state.rename_route("/user/<int:id>", "Users", "Look up a user")
    client.get("/user/3")
    assert state.flush()
    assert outcome_totals(state.engine)["/user/<int:id>"] == {"requests": 1, "successes": 1}
    assert route_rows(state.engine)["/user/<int:id>"]["deleted_at"] is None


def test_renaming_an_unknown_rule_is_an_error(make_app: Callable[..., Flask]) -> None:
    state = get_state(make_app())
    with pytest.raises(UnknownRouteError, match="/nope"):
        state.rename_route("/nope", "Nope", "")
    with pytest.raises(UnknownRouteError):
        state.delete_route("/nope")


SECRET = "tSx0L5exSjiPqqXs"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"API_ENABLED": True, "API_SECRET": SECRET}, (True, SECRET)),
        (
            {"API_ENABLED": "true", "API_SECRET": "Bearer tSx0L5exSjiPqqXs"},
            (True, "tSx0L5exSjiPqqXs"),
        ),
        (
            {"SERVER_STATUS_API_ENABLED": True, "SERVER_STATUS_API_SECRET": "s", "API_SECRET": "x"},
            (True, "s"),
        ),
        ({}, (False, None)),
    ],
)
def test_api_keys_and_their_aliases(
    config: dict[str, object], expected: tuple[bool, str | None], sqlite_url: str
) -> None:
    app = hello_app(SQLALCHEMY_DATABASE_URI=sqlite_url, **config)
    FlaskStatus(app)
    settings = get_state(app).settings
    assert (settings.api_enabled, settings.api_secret) == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SERVER_STATUS_FLUSH_INTERVAL_SECONDS", "soon"),
        ("SERVER_STATUS_FAILURE_STATUSES", [500, "502"]),
        ("SERVER_STATUS_API_ENABLED", "maybe"),
        ("SERVER_STATUS_RETENTION_DAY_DAYS", 30),
        ("SERVER_STATUS_URL_PREFIX", "/"),
        ("SERVER_STATUS_ROUTES", "/"),
        ("SERVER_STATUS_DATABASE_URI", "not a url"),
        ("SERVER_STATUS_DATABASE_URI", "oracle://localhost/x"),
    ],
)
def test_bad_settings_raise_an_error_naming_the_key(key: str, value: object) -> None:
    app = hello_app(**{key: value})
    with pytest.raises(ConfigError, match=key) as raised:
        FlaskStatus(app)
    assert raised.value.key == key


def test_database_settings_outside_our_keys_are_checked_at_init_app() -> None:
    """The seed's SQLALCHEMY_DATABASE_URI and the bind key fail at start-up, naming the key."""
    app = hello_app(SQLALCHEMY_DATABASE_URI="oracle://localhost/x")
    with pytest.raises(ConfigError, match="SQLALCHEMY_DATABASE_URI"):
        FlaskStatus(app)

    app = hello_app(SERVER_STATUS_SQLALCHEMY_BIND="status")
    with pytest.raises(ConfigError, match="SERVER_STATUS_SQLALCHEMY_BIND"):
        FlaskStatus(app)  # a bind needs Flask-SQLAlchemy on the app first

    app = hello_app(SQLALCHEMY_DATABASE_URI="sqlite://", SERVER_STATUS_SQLALCHEMY_BIND="nope")
    SQLAlchemy(app)
    with pytest.raises(ConfigError, match="no Flask-SQLAlchemy bind named 'nope'"):
        FlaskStatus(app)
    assert "server_status" not in app.extensions


def test_flushes_do_not_consume_route_ids(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    state = get_state(app)
    for _ in range(3):
        app.test_client().get("/")
        assert state.flush()
    ids = sorted(row["id"] for row in route_rows(state.engine).values())
    assert ids == list(range(1, len(ids) + 1))  # no gaps left by re-inserts

    upgraded = make_app()  # the next release of the app, on the same database

    @upgraded.route("/late")
    def late() -> str:
        return "new in this release"

    upgraded.test_client().get("/late")
    assert get_state(upgraded).flush()
    assert route_rows(state.engine)["/late"]["id"] == len(ids) + 1
