"""The ``mappings`` endpoint: the app's URL rules in Actuator's shape.

``{"contexts": {app: {"mappings": {"dispatcherServlets": {"dispatcherServlet": [...]}}}}}``,
one entry per rule, with the Flask endpoint, its blueprint, methods and
pattern; Spring Boot Admin reads this shape.
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def app_mappings(app: Flask) -> dict[str, Any]:
    """Every URL rule of ``app``, sorted by pattern."""
    entries = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        methods = sorted(rule.methods or ())
        view = app.view_functions.get(rule.endpoint)
        blueprint = rule.endpoint.rpartition(".")[0] or None
        module, function = getattr(view, "__module__", None), getattr(view, "__qualname__", None)
        entries.append(
            {
                "handler": f"{module}.{function}",
                "predicate": f"{{{', '.join(methods)} [{rule.rule}]}}",
                "details": {
                    "handlerMethod": {
                        "className": module,
                        "name": function,
                    },
                    "requestMappingConditions": {
                        "methods": methods,
                        "patterns": [rule.rule],
                        "consumes": [],
                        "produces": [],
                        "headers": [],
                        "params": [],
                    },
                    "endpoint": rule.endpoint,
                    "blueprint": blueprint,
                },
            }
        )
    servlets = {"dispatcherServlets": {"dispatcherServlet": entries}}
    return {"contexts": {app.name: {"mappings": servlets}}}
