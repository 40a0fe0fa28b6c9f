"""The health endpoint of one app: built from :class:`Settings`, answers ``/health`` requests.

This is where the parts meet: availability state, built-in indicators,
user checks and remote dependencies become the registry's components; the
evaluator runs them; the details policy decides what is shown and
:mod:`~flask_management_endpoints.health.formats` shapes the answer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask import Request, Response

from flask_management_endpoints.auth import Authorizer
from flask_management_endpoints.config import Settings
from flask_management_endpoints.dependencies import (
    BUDGET_ENVIRON,
    BUDGET_SHARE,
    CHAIN_ENVIRON,
    Call,
    HttpClient,
    current_call,
    dependency_check,
    dependency_url,
    parse_budget,
    parse_chain,
)
from flask_management_endpoints.errors import ConfigError, subkey
from flask_management_endpoints.health.availability import Availability
from flask_management_endpoints.health.contributors import Check, Composite, Contributor
from flask_management_endpoints.health.evaluation import Evaluator, Node
from flask_management_endpoints.health.formats import HEALTH_JSON, negotiate, render, status_body
from flask_management_endpoints.health.groups import PROBE_GROUPS, build_groups
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.health.registry import Registry, Target
from flask_management_endpoints.health.status import HttpStatusMapper, StatusAggregator
from flask_management_endpoints.responses import body_response, not_found
from flask_management_endpoints.version import app_version


class HealthEndpoint:
    """Answers ``/health`` and everything below it, under one configuration."""

    def __init__(
        self,
        settings: Settings,
        *,
        availability: Availability,
        indicators: Mapping[str, Check],
        prefix: str,
        scheme: str,
        service_name: str,
        app_config: Mapping[str, Any],
    ) -> None:
        self.settings = settings
        self.app_config = app_config
        # The chain id marks this process in cascading calls; a configured
        # service_id makes every worker and replica of the service one id.
        self.chain_id = settings.service_id or uuid.uuid4().hex[:16]
        self.service_id = settings.service_id or service_name
        self.mapper = HttpStatusMapper(settings.http_mapping)
        self.evaluator = Evaluator(settings.evaluation, StatusAggregator(settings.status_order))
        self.authorizer = Authorizer(settings.auth_token, settings.authorize)
        self.client = HttpClient(settings.evaluation.max_workers)

        self.registry = self._registry(availability, indicators, prefix, scheme)

    def _registry(
        self,
        availability: Availability,
        indicators: Mapping[str, Check],
        prefix: str,
        scheme: str,
    ) -> Registry:
        """The root components (state, indicators, checks, dependencies) and the groups."""
        settings = self.settings
        components: dict[str, Contributor] = {
            "livenessState": Check(availability.liveness_health, in_process=True),
            "readinessState": Check(availability.readiness_health, in_process=True),
            **indicators,
            **settings.checks,
        }
        clash = sorted(set(components) & set(settings.dependencies))
        if clash:
            raise ConfigError(
                'Z_ENDPOINTS["service_dependencies"]', f"names already used by checks: {clash}"
            )
        readiness: dict[str, Check] = {}
        for name, target in settings.dependencies.items():
            components[name] = self._dependency(name, target, prefix, scheme, None)
            readiness[name] = self._dependency(name, target, prefix, scheme, "readiness")
        defaults: dict[str, tuple[str, ...]] = {
            "liveness": ("livenessState",),
            "readiness": ("readinessState",),
            "ping": ("ping",) if "ping" in components else (),
        }
        for group, members in settings.check_groups.items():
            defaults[group] = defaults.get(group, ()) + members
        groups = build_groups(
            settings.groups,
            defaults,
            components,
            remote=settings.dependencies,
            show_components=settings.show_components,
            show_details=settings.show_details,
        )
        return Registry(
            components,
            groups,
            show_components=settings.show_components,
            show_details=settings.show_details,
            remote_variants={"readiness": readiness},
        )

    def _dependency(
        self, name: str, target: str, prefix: str, scheme: str, check: str | None
    ) -> Check:
        try:
            url = dependency_url(target, scheme=scheme, prefix=prefix, check=check)
        except ValueError as error:
            key = subkey('Z_ENDPOINTS["service_dependencies"]', name)
            raise ConfigError(key, str(error)) from error
        return dependency_check(
            name,
            url,
            client=self.client,
            timeout=self.settings.evaluation.timeout,
            service_id=self.chain_id,
        )

    def respond(self, path: str, request: Request) -> Response:
        """Answer ``GET {prefix}/health/{path}``."""
        target = self.registry.resolve(path)
        authorized = _memo(lambda: self.authorizer(request))
        if target is None or (target.nested and not target.show_components.allows(authorized)):
            return not_found(f"no health group or component at {path!r}", request.path)
        components = target.show_components.allows(authorized)
        media_type = negotiate(request)
        if target.in_process and not (components or target.groups) and media_type != HEALTH_JSON:
            # The probes' path (liveness, ping): status only, nothing else to build.
            status = self.evaluator.status_in_process(target.contributor)
            return body_response(status_body(status), self.mapper.status_code(status), media_type)
        node = self._evaluate(target, request)
        body = render(
            node,
            media_type,
            components=components,
            details=target.show_details.allows(authorized),
            groups=target.groups,
            http_status=self.mapper.status_code,
            service_id=self.service_id,
            release_id=lambda: app_version(self.app_config),
        )
        return body_response(body, self.mapper.status_code(node.status), media_type)

    def _evaluate(self, target: Target, request: Request) -> Node:
        if target.in_process:  # no pool, no cache, no dependency chain needed
            return self.evaluator.evaluate_in_process(target.contributor)
        chain = parse_chain(request.environ.get(CHAIN_ENVIRON))
        deadline = self.settings.evaluation.deadline
        if target.group in PROBE_GROUPS:  # Kubernetes waits 1 s by default
            deadline = min(deadline, self.settings.probe_deadline)
        budget = parse_budget(request.environ.get(BUDGET_ENVIRON))
        if budget is not None:  # a service upstream waits for us only this long
            deadline = min(deadline, budget * BUDGET_SHARE)
        token = current_call.set(Call(chain, time.monotonic() + deadline))
        try:
            return self.evaluator.evaluate(
                target.contributor, skip_remote=self._skip(chain), deadline=deadline
            )
        finally:
            current_call.reset(token)

    def _skip(self, chain: tuple[str, ...]) -> Health | None:
        """What remote checks answer instead of being called, when the chain says stop."""
        if self.chain_id in chain:
            return Health.unknown(skipped="dependency cycle", chain=list(chain))
        if len(chain) >= self.settings.max_hops:
            return Health.unknown(skipped=f"dependency chain reached {self.settings.max_hops} hops")
        return None

    def after_fork(self) -> None:
        """In a forked child: drop the pool, the HTTP session and queries in flight."""
        self.evaluator.after_fork()
        self.client.after_fork()
        for check in _checks(self.registry.root):
            reset = getattr(check.function, "after_fork", None)
            if callable(reset):
                reset()

    def close(self) -> None:
        self.evaluator.shutdown()
        self.client.close()


def _checks(contributor: Contributor) -> list[Check]:
    if isinstance(contributor, Composite):
        return [check for member in contributor.members.values() for check in _checks(member)]
    return [contributor]


def _memo(function: Callable[[], bool]) -> Callable[[], bool]:
    """Ask the authorizer at most once per request, and only when needed."""
    answers: list[bool] = []

    def once() -> bool:
        if not answers:
            answers.append(function())
        return answers[0]

    return once
