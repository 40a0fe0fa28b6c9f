"""``Info``: the class earlier versions exported, kept for code that imports it."""

from __future__ import annotations

import os
from typing import Any

from flask_management_endpoints.info.kubernetes import kubernetes_facts
from flask_management_endpoints.info.options import KubernetesOptions, TraceOptions
from flask_management_endpoints.info.trace import trace_attributes


class Info:
    """Facts about this process, usable without an app.

    >>> Resource.create(attributes=Info.trace_attributes(app_name="frontend"))
    """

    @staticmethod
    def trace_attributes(app_name: str, version: str | None = None) -> dict[str, Any]:
        """OpenTelemetry resource attributes, as in ``/z/info``'s ``trace.attributes``.

        ``version`` defaults to the ``VERSION`` environment variable; the
        Kubernetes facts come from the default environment variables and pod
        info directory.
        """
        return trace_attributes(
            app_name,
            version or os.environ.get("VERSION"),
            TraceOptions(),
            kubernetes_facts(KubernetesOptions()),
            service_instance_id=False,
        )
