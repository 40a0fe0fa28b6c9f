"""Health answers as Actuator v3 JSON, plain JSON or IETF ``application/health+json``.

The media type follows the request's ``Accept`` header; anything else
(including the ``*/*`` that Kubernetes sends) gets Actuator v3.
:func:`render` is the one place that turns an evaluated tree into a body.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Request

from flask_management_endpoints.health.evaluation import CompositeOutcome, Node, Outcome
from flask_management_endpoints.health.status import Status
from flask_management_endpoints.info.masking import mask_secrets, mask_value

ACTUATOR_V3 = "application/vnd.spring-boot.actuator.v3+json"
JSON = "application/json"
HEALTH_JSON = "application/health+json"
MEDIA_TYPES = (ACTUATOR_V3, JSON, HEALTH_JSON)


def negotiate(request: Request) -> str:
    """The media type to answer with; Actuator v3 unless another is preferred."""
    header = request.environ.get("HTTP_ACCEPT")
    if not header or header == "*/*":  # what probes send: skip parsing
        return ACTUATOR_V3
    return request.accept_mimetypes.best_match(MEDIA_TYPES, default=ACTUATOR_V3) or ACTUATOR_V3


def dumps(document: Any) -> str:
    # default=str: a check's details must never turn an answer into a 500.
    return json.dumps(document, separators=(",", ":"), default=str)


def render(
    node: Node,
    media_type: str,
    *,
    components: bool,
    details: bool,
    groups: tuple[str, ...],
    http_status: Callable[[Status], int],
    service_id: str,
    release_id: Callable[[], str | None],
) -> str:
    """The body of a health answer in ``media_type``.

    ``components`` and ``details``: what the caller may see; ``groups``: the
    group names listed at the root. ``release_id`` is called only for
    ``application/health+json``.
    """
    if media_type == HEALTH_JSON:
        document = health_json_document(
            node,
            components=components,
            details=details,
            http_status=http_status,
            service_id=service_id,
            release_id=release_id(),
        )
        return dumps(document)
    if components or groups:
        return dumps(actuator_document(node, components=components, details=details, groups=groups))
    return status_body(node.status)


@functools.lru_cache(maxsize=64)
def status_body(status: Status) -> str:
    """``{"status": ...}``, serialised once per status (the probes' answer)."""
    return dumps({"status": status})


def actuator_document(
    node: Node, *, components: bool, details: bool, groups: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``{"status": ..., "components": {...}, "details": {...}, "groups": [...]}``."""
    document: dict[str, Any] = {"status": node.status}
    if isinstance(node, CompositeOutcome):
        if components:
            document["components"] = {
                name: actuator_document(child, components=True, details=details)
                for name, child in node.components.items()
            }
    elif details and node.health.details:
        # Values only: health details have no secret keys, but a dependency's
        # URL or a driver's error may carry a password.
        document["details"] = mask_secrets(dict(node.health.details), ())
    if groups:
        document["groups"] = list(groups)
    return document


def health_json_document(
    node: Node,
    *,
    components: bool,
    details: bool,
    http_status: Callable[[Status], int],
    service_id: str,
    release_id: str | None,
) -> dict[str, Any]:
    """The IETF health check response (draft-inadarei-api-health-check).

    Each check appears as ``"<path>:responseTime"`` with its run time in
    milliseconds; ``output`` carries the error of a failing check when
    details are shown.
    """

    def ietf(status: Status) -> str:
        if status == Status.UP:
            return "pass"
        return "fail" if http_status(status) >= 400 else "warn"

    document: dict[str, Any] = {"status": ietf(node.status)}
    if release_id:
        document["releaseId"] = release_id
    document["serviceId"] = service_id
    if components:
        checks: dict[str, list[dict[str, Any]]] = {}
        for path, outcome in _leaves(node, ""):
            entry: dict[str, Any] = {
                "componentType": "component",
                "status": ietf(outcome.status),
                "observedValue": round(outcome.elapsed * 1000, 1),
                "observedUnit": "ms",
                "time": datetime.fromtimestamp(outcome.finished_at, UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
            }
            if details and outcome.status != Status.UP:
                error = outcome.health.details.get("error")
                entry["output"] = mask_value(str(error)) if error else str(outcome.status)
            checks[f"{health_json_name(path) or 'self'}:responseTime"] = [entry]
        document["checks"] = checks
    return document


def health_json_name(path: str) -> str:
    """A component path as the draft's ``componentName``, which must not hold a colon.

    ``%`` and ``:`` are percent-encoded (``redis:cache`` -> ``redis%3Acache``),
    so the name stays unique and can be decoded back.
    """
    return path.replace("%", "%25").replace(":", "%3A")


def _leaves(node: Node, path: str) -> Iterator[tuple[str, Outcome]]:
    if isinstance(node, Outcome):
        yield path, node
        return
    for name, child in node.components.items():
        yield from _leaves(child, f"{path}/{name}" if path else name)
