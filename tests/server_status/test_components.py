"""Components: the setting checked at init_app, and which routes each one holds."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask

from flask_server_status import ConfigError, FlaskStatus
from flask_server_status.components import Component, blueprints_of, resolve, slug
from flask_server_status.config import read_settings
from flask_server_status.routes import app_routes, rule_filter


def shop_app() -> Flask:
    """An app with nested blueprints, plain endpoints and a rule with a converter."""
    app = Flask(__name__)
    shop = Blueprint("shop", __name__, url_prefix="/shop")
    cart = Blueprint("cart", __name__, url_prefix="/cart")

    @cart.get("/checkout")
    def checkout() -> str:
        """# Checkout"""
        return "ok"

    @cart.get("/items")
    def items() -> str:
        return "ok"

    @shop.get("/products/<int:product_id>")
    def product(product_id: int) -> str:
        """# Product page

        One product."""
        return str(product_id)

    shop.register_blueprint(cart)
    app.register_blueprint(shop)

    @app.get("/search")
    def search() -> str:
        return "ok"

    @app.get("/api/v1/users")
    def users() -> str:
        return "ok"

    return app


def route_rows(app: Flask) -> list[dict[str, Any]]:
    """The app's routes as the status tables hold them (ids in rule order)."""
    settings = read_settings({}, import_name="app")
    infos = app_routes(app, rule_filter(settings))
    return [
        {"id": index, "rule": rule, "endpoint": info.endpoint, "name": info.name, "doc": info.doc}
        for index, (rule, info) in enumerate(sorted(infos.items()), start=1)
    ]


def members(components: list[Component], rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    rules = {row["id"]: row["rule"] for row in rows}
    return {c.id: sorted(rules[route_id] for route_id in c.route_ids) for c in components}


def configured(components: Any, **config: Any) -> Any:
    return read_settings({"SERVER_STATUS_COMPONENTS": components, **config}, import_name="app")


def test_components_select_routes_by_endpoint_blueprint_and_rule() -> None:
    rows = route_rows(shop_app())
    settings = configured(
        [
            {"name": "Checkout", "endpoints": ["shop.cart.checkout"]},
            {"name": "Cart", "blueprints": ["shop.cart"]},
            {"name": "Catalogue", "rules": ["/shop/products/<int:product_id>"]},
            {"name": "Search", "endpoints": ["search"]},
        ]
    )
    found = resolve(settings.components, rows, other=False)
    assert members(found, rows) == {
        "checkout": ["/shop/cart/checkout"],
        "cart": ["/shop/cart/items"],
        "catalogue": ["/shop/products/<int:product_id>"],
        "search": ["/search"],
    }


def test_patterns_match_and_the_first_component_that_selects_a_route_wins() -> None:
    rows = route_rows(shop_app())
    settings = configured(
        [
            {"id": "api", "name": "Public API", "rules": ["/api/*"]},
            {"name": "Shop", "blueprints": ["shop"], "group": "Store"},
            # Selects the checkout too, but the shop came first.
            {"name": "Everything", "endpoints": ["*"]},
        ]
    )
    found = resolve(settings.components, rows, other=False)
    assert members(found, rows) == {
        "api": ["/api/v1/users"],
        "shop": ["/shop/cart/checkout", "/shop/cart/items", "/shop/products/<int:product_id>"],
        "everything": ["/search"],
    }
    assert found[1].group == "Store"


def test_patterns_are_case_sensitive() -> None:
    rows = route_rows(shop_app())
    settings = configured([{"name": "Search", "endpoints": ["SEARCH", "Search*"]}])
    assert members(resolve(settings.components, rows, other=False), rows) == {"search": []}


def test_unselected_routes_are_hidden_or_form_other() -> None:
    rows = route_rows(shop_app())
    settings = configured([{"name": "Search", "endpoints": ["search"]}])
    assert [c.id for c in resolve(settings.components, rows, other=False)] == ["search"]
    with_other = resolve(settings.components, rows, other=True)
    assert [(c.id, c.name) for c in with_other] == [("search", "Search"), ("other", "Other")]
    assert members(with_other, rows)["other"] == [
        "/api/v1/users",
        "/shop/cart/checkout",
        "/shop/cart/items",
        "/shop/products/<int:product_id>",
    ]


def test_without_configuration_each_route_is_a_component_named_from_its_docstring() -> None:
    rows = route_rows(shop_app())
    found = resolve(None, rows, other=True)
    by_rule = {row["rule"]: row["id"] for row in rows}
    product = next(c for c in found if c.route_ids == (by_rule["/shop/products/<int:product_id>"],))
    assert (product.id, product.name, product.description) == (
        f"route-{by_rule['/shop/products/<int:product_id>']}",
        "Product page",
        "One product.",
    )
    assert len(found) == len(rows)
    assert all(len(c.route_ids) == 1 for c in found)


def test_nested_blueprints_belong_to_their_parents() -> None:
    assert blueprints_of("shop.cart.checkout") == ["shop.cart", "shop"]
    assert blueprints_of("search") == []


def test_ids_default_to_the_slug_of_the_name() -> None:
    assert slug("Checkout & Payments (EU)") == "checkout-payments-eu"
    settings = configured([{"name": "Log in", "rules": ["/login"]}])
    assert settings.components[0].id == "log-in"


@pytest.mark.parametrize(
    ("components", "key", "reason"),
    [
        ("checkout", "SERVER_STATUS_COMPONENTS", "expected a list of components"),
        (["checkout"], "SERVER_STATUS_COMPONENTS[0]", "expected a mapping"),
        ([{"rules": ["/a"]}], "SERVER_STATUS_COMPONENTS[0]", "'name' must be a non-empty string"),
        (
            [{"name": "x" * 101, "rules": ["/a"]}],
            "SERVER_STATUS_COMPONENTS[0]",
            "'name' has 101 characters: shorten it to 100 at most",
        ),
        ([{"name": "A"}], "SERVER_STATUS_COMPONENTS[0]", "'A' selects no route"),
        (
            [{"name": "A", "rule": ["/a"]}],
            "SERVER_STATUS_COMPONENTS[0]",
            "unknown field 'rule'",
        ),
        (
            [{"name": "A", "id": "Check Out", "rules": ["/a"]}],
            "SERVER_STATUS_COMPONENTS[0]",
            "invalid id 'Check Out': set 'id' to lower-case letters",
        ),
        (
            [{"name": "日本", "rules": ["/a"]}],
            "SERVER_STATUS_COMPONENTS[0]",
            "invalid id '': the name '日本' gives no id: set 'id'",
        ),
        (
            [{"name": "A", "endpoints": "a"}],
            "SERVER_STATUS_COMPONENTS[0]",
            "'endpoints' must be a list of names or patterns",
        ),
        (
            [{"name": "A", "rules": ["a"]}],
            "SERVER_STATUS_COMPONENTS[0]",
            "the rule 'a' must start with '/'",
        ),
        (
            [{"name": "A", "rules": ["/a"]}, {"name": "B", "id": "a", "rules": ["/b"]}],
            "SERVER_STATUS_COMPONENTS[1]",
            "the id 'a' is already used by SERVER_STATUS_COMPONENTS[0]",
        ),
    ],
)
def test_a_bad_component_is_a_config_error_naming_the_entry_and_the_fix(
    components: Any, key: str, reason: str
) -> None:
    app = Flask(__name__)
    app.config["SERVER_STATUS_COMPONENTS"] = components
    with pytest.raises(ConfigError) as raised:
        FlaskStatus(app)
    assert raised.value.key == key
    assert str(raised.value).startswith(f"{key}: {reason}")
    assert "server_status" not in app.extensions


def test_other_is_reserved_when_the_other_component_is_on() -> None:
    entry = [{"id": "other", "name": "Misc", "rules": ["/a"]}]
    assert configured(entry).components[0].id == "other"
    with pytest.raises(ConfigError, match=r"^SERVER_STATUS_COMPONENTS\[0\]: the id 'other'"):
        configured(entry, SERVER_STATUS_OTHER_COMPONENT=True)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SERVER_STATUS_OTHER_COMPONENT", "sometimes"),
        ("SERVER_STATUS_SHOW_RULES", 2),
        ("SERVER_STATUS_PAGE_MAX_COMPONENTS", 0),
    ],
)
def test_the_other_component_settings_are_checked(key: str, value: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        read_settings({key: value}, import_name="app")
    assert raised.value.key == key


def test_the_defaults_hide_rules_and_cap_the_summary() -> None:
    settings = read_settings({}, import_name="app")
    assert (settings.components, settings.other_component, settings.show_rules) == (
        None,
        False,
        False,
    )
    assert settings.page_max_components == 200
