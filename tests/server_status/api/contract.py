"""Checking answers against the shipped OpenAPI document.

:class:`ContractClient` wraps Flask's test client: every answer it receives is
matched to its operation in ``openapi.json`` (path template, method, status)
and its body validated with the operation's schema, so a test that uses it
cannot see a response the document does not describe. Schemas are JSON Schema
2020-12 (the OpenAPI 3.1 dialect without its annotation-only keywords);
``$ref`` is resolved inside the document with ``referencing``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

DOCUMENT_URI = "urn:flask-server-status:openapi"
SECRET = "tSx0L5exSjiPqqXs"
AUTH = {"Authorization": f"Bearer {SECRET}"}
METHODS = ("get", "put", "post", "patch", "delete")


@cache
def shipped_document() -> dict[str, Any]:
    text = resources.files("flask_server_status").joinpath("openapi.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def registry(document: Mapping[str, Any]) -> Registry:
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    return Registry().with_resource(DOCUMENT_URI, resource)


def validator(document: Mapping[str, Any], pointer: str) -> Draft202012Validator:
    """A validator for the schema at JSON pointer ``pointer`` of ``document``."""
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#{pointer}"},
        registry=registry(document),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def operations(document: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Every documented ``(path template, method, status)``."""
    found = []
    for path, item in document["paths"].items():
        for method in METHODS:
            for status in item.get(method, {}).get("responses", {}):
                found.append((path, method, status))
    return sorted(found)


class ContractError(AssertionError):
    """An answer the OpenAPI document does not allow."""


class ContractClient:
    """A test client whose every answer is checked against the OpenAPI document.

    ``seen`` collects ``(path template, method, status)`` of every checked answer.
    """

    def __init__(self, client: FlaskClient, document: Mapping[str, Any] | None = None) -> None:
        self.client = client
        self.document = document if document is not None else shipped_document()
        self.seen: set[tuple[str, str, str]] = set()
        self._templates = [
            (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"), path)
            for path in self.document["paths"]
        ]
        self._validators: dict[str, Draft202012Validator] = {}

    def _validate(self, pointer: str, value: Any) -> None:
        if pointer not in self._validators:
            self._validators[pointer] = validator(self.document, pointer)
        errors = sorted(self._validators[pointer].iter_errors(value), key=str)
        if errors:
            raise ContractError(f"{pointer}: {errors[0].message} in {json.dumps(value)[:500]}")

    def _check_error(self, response: TestResponse) -> None:
        if response.mimetype != "application/json":
            raise ContractError(f"error answer is {response.mimetype}, not JSON: {response.data!r}")
        self._validate("/components/schemas/Error", response.get_json())
        assert response.get_json()["error"]["status"] == response.status_code

    def check(self, method: str, path: str, response: TestResponse) -> None:
        """Raise :class:`ContractError` unless the document allows ``response``."""
        method = method.lower()
        if response.status_code == 308 and "//" in unquote(path):
            return  # the app's URL map merges repeated slashes with a redirect
        template = next((t for regex, t in self._templates if regex.match(path)), None)
        if template is None or method not in self.document["paths"][template]:
            # Unknown paths (under api/ or the admin prefix) and unsupported
            # methods answer the documented Error shape with 404 or 405, or
            # 401 under the admin prefix when the token is missing.
            if response.status_code not in (401, 404, 405):
                raise ContractError(
                    f"{method.upper()} {path} is undocumented but answered {response.status_code}"
                )
            self._check_error(response)
            if response.status_code == 405:
                assert response.headers.get("Allow")
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
            return
        operation = self.document["paths"][template][method]
        status = str(response.status_code)
        if status not in operation["responses"]:
            raise ContractError(
                f"{method.upper()} {path} answered undocumented {status}: {response.data[:300]!r}"
            )
        self.seen.add((template, method, status))
        spec = operation["responses"][status]
        if "$ref" in spec:
            spec = self.document["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
        content = spec.get("content")
        if content is None:
            assert response.data == b"", f"{status} must have no body"
            return
        if response.mimetype not in content and "*/*" not in content:
            raise ContractError(
                f"{method.upper()} {path}: {response.mimetype} not in {list(content)}"
            )
        for name in spec.get("headers", {}):
            assert response.headers.get(name), f"{status} lacks the {name} header"
        if response.mimetype == "application/json" and "application/json" in content:
            media = "content/application~1json/schema"
            pointer = f"/paths/{_escape(template)}/{method}/responses/{status}/{media}"
            if "$ref" in operation["responses"][status]:
                name = operation["responses"][status]["$ref"].rsplit("/", 1)[1]
                pointer = f"/components/responses/{name}/{media}"
            self._validate(pointer, response.get_json())
            if response.status_code >= 400:
                assert response.get_json()["error"]["status"] == response.status_code

    def open(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.open(url, method=method.upper(), **kwargs)
        self.check(method, url.split("?", 1)[0], response)
        return response

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.open("GET", url, **kwargs)

    def admin(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        """An admin request with the right bearer token."""
        headers = {**AUTH, **kwargs.pop("headers", {})}
        return self.open(method, url, headers=headers, **kwargs)
