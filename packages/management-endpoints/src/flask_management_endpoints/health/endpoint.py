"""The health endpoint of one app: built from :class:`Settings`, answers ``/health`` requests.

This is where the parts meet: availability state, built-in indicators,
user checks and remote dependencies become the registry's components; the
evaluator runs them; the details policy decides what is shown and
:mod:`~flask_management_endpoints.health.formats` shapes the answer.
"""

from __future__ import annotations

import logging
import threading
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
from flask_management_endpoints.errors import ConfigError, subkey, z_key
from flask_management_endpoints.health.availability import Availability, StartupState
from flask_management_endpoints.health.contributors import (
    Check,
    Composite,
    Contributor,
    all_static,
)
from flask_management_endpoints.health.details import Show
from flask_management_endpoints.health.evaluation import Evaluator, Node, Wait
from flask_management_endpoints.health.formats import (
    ACTUATOR_V3,
    HEALTH_JSON,
    negotiate,
    render,
    status_body,
)
from flask_management_endpoints.health.groups import PROBE_GROUPS, build_groups
from flask_management_endpoints.health.health import Health
from flask_management_endpoints.health.registry import Registry, Target
from flask_management_endpoints.health.status import HttpStatusMapper, Status, StatusAggregator
from flask_management_endpoints.responses import body_response, not_found, probe_response
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
        log: logging.Logger,
    ) -> None:
        self.settings = settings
        self.app_config = app_config
        # The chain id marks this process in cascading calls; a configured
        # service_id makes every worker and replica of the service one id.
        self.chain_id = settings.service_id or uuid.uuid4().hex[:16]
        self.service_id = settings.service_id or service_name
        self.mapper = HttpStatusMapper(settings.http_mapping)
        self.evaluator = Evaluator(
            settings.evaluation, StatusAggregator(settings.status_order), log
        )
        self.authorizer = Authorizer(settings.auth_token, settings.authorize)
        self.client = HttpClient(settings.evaluation.max_workers)
        self.availability = availability
        # Full evaluations allowed to wait at once; the others answer at once
        # from the last results, so /health never holds the threads probes need.
        self._waiting = threading.BoundedSemaphore(settings.max_waiting_evaluations)

        self.registry = self._registry(availability, indicators, prefix, scheme)
        # Probe answers built once per availability state: path -> (state, body, status).
        self._prebuilt: dict[str, tuple[object, bytes, int]] = {}

    def _registry(
        self,
        availability: Availability,
        indicators: Mapping[str, Check],
        prefix: str,
        scheme: str,
    ) -> Registry:
        """The root components (state, indicators, checks, dependencies) and the groups."""
        settings = self.settings
        _check_indicator_names(settings, indicators)
        components: dict[str, Contributor] = {
            "livenessState": Check(availability.liveness_health, in_process=True, static=True),
            "readinessState": Check(availability.readiness_health, in_process=True, static=True),
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
            "startup": ("startupState",),
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
            group_members={
                "readiness": readiness,
                "startup": {
                    "startupState": Check(availability.startup_health, in_process=True, static=True)
                },
            },
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
        prebuilt = self._prebuilt.get(path)
        if (
            prebuilt is not None
            and prebuilt[0] == self.availability.snapshot()
            and request.environ.get("HTTP_ACCEPT", "*/*") == "*/*"  # what probes send
        ):
            return probe_response(prebuilt[1], prebuilt[2])
        target = self.registry.resolve(path)
        authorized = _memo(lambda: self.authorizer(request))
        if target is None or (target.nested and not target.show_components.allows(authorized)):
            return not_found(f"no health group or component at {path!r}", request.path)
        components = target.show_components.allows(authorized)
        media_type = negotiate(request)
        if target.group == "startup":
            self._check_startup(request)
        if target.in_process and not (components or target.groups) and media_type != HEALTH_JSON:
            # The probes' path (liveness, ping): status only, nothing else to build.
            status = self.evaluator.status_in_process(target.contributor)
            if target.group == "readiness" and status == Status.UP:
                self._started()
            body, code = status_body(status), self.mapper.status_code(status)
            if _prebuildable(target) and media_type == ACTUATOR_V3:
                self._prebuilt[path] = (self.availability.snapshot(), body.encode(), code)
            return body_response(body, code, media_type)
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
            node = self.evaluator.evaluate_in_process(target.contributor)
        elif target.group in PROBE_GROUPS:
            node = self._evaluate_pooled(target, request, Wait.LAST)
        elif self._waiting.acquire(blocking=False):
            try:
                node = self._evaluate_pooled(target, request, Wait.FRESH)
            finally:
                self._waiting.release()
        else:
            node = self._evaluate_pooled(target, request, Wait.NEVER)
        if target.group == "readiness" and node.status == Status.UP:
            self._started()
        return node

    def _evaluate_pooled(self, target: Target, request: Request, wait: Wait) -> Node:
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
                target.contributor, skip_remote=self._skip(chain), deadline=deadline, wait=wait
            )
        finally:
            current_call.reset(token)

    def _started(self) -> None:
        """Readiness answered UP: start-up is over, unless the app declares it itself."""
        if not self.settings.startup_declared:
            self.availability.startup = StartupState.STARTED

    def _check_startup(self, request: Request) -> None:
        """Before start-up is over, the startup group asks readiness first."""
        if self.availability.startup is StartupState.STARTED or self.settings.startup_declared:
            return
        readiness = self.registry.resolve("readiness")
        assert readiness is not None  # a built-in group
        self._evaluate(readiness, request)

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


def _check_indicator_names(settings: Settings, indicators: Mapping[str, Check]) -> None:
    """A check may not take a built-in indicator's name unless that indicator is off."""
    for name in sorted(set(indicators) & set(settings.checks)):
        group = next((g for g, names in settings.check_groups.items() if name in names), "health")
        raise ConfigError(
            z_key("check_functions", group, name),
            f"has the name of the built-in {name!r} indicator ({z_key('indicators', name)}); "
            "rename the check, or switch the indicator off to replace it: "
            f'"indicators": {{"{name}": False}}',
        )


def _prebuildable(target: Target) -> bool:
    """An answer the same for every caller as long as the availability state holds."""
    return (
        target.show_components is Show.NEVER
        and target.group != "startup"  # its answer may first evaluate readiness
        and all_static(target.contributor)
    )


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
