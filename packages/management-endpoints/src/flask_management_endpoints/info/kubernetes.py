"""What the Kubernetes downward API tells the pod about itself.

Two ways to expose it, both read here (see the README for a manifest):
environment variables set from ``fieldRef`` (``POD_NAME``, ``POD_NAMESPACE``,
``NODE_NAME``...; names configurable), and a ``downwardAPI`` volume mounted
at the pod info directory (default ``/etc/podinfo``), with one file per field
named like the field (``pod_name``, ``namespace``, ``node_name``...) plus
``labels`` and ``annotations`` (``key="value"`` lines). A variable wins over a
file. Outside Kubernetes nothing is found and the contributor is left out.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from flask_management_endpoints.info.options import KubernetesOptions

#: Where every pod finds its namespace when a service account is mounted.
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
# Present in every container Kubernetes starts.
_IN_CLUSTER_ENV = "KUBERNETES_SERVICE_HOST"
# This annotation holds the whole applied manifest, environment values included.
_HIDDEN_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def kubernetes_facts(options: KubernetesOptions) -> dict[str, Any]:
    """The downward API fields found, by field name; ``labels`` and ``annotations`` as dicts.

    Fields not found are absent, and so is everything when only a container
    name is found (that variable is common outside Kubernetes). The
    namespace falls back to ``NAMESPACE`` and the service account's namespace
    file; inside a cluster the pod name falls back to the host name, which
    Kubernetes sets to it.
    """
    podinfo = Path(options.podinfo_dir)
    facts: dict[str, Any] = {}
    for field, variable in options.env.items():
        value = os.environ.get(variable) or _read(podinfo / field)
        if value:
            facts[field] = value
    if "namespace" not in facts:
        namespace = os.environ.get("NAMESPACE") or _read(SERVICE_ACCOUNT_NAMESPACE)
        if namespace:
            facts["namespace"] = namespace
    if "pod_name" not in facts and os.environ.get(_IN_CLUSTER_ENV):
        facts["pod_name"] = os.environ.get("HOSTNAME") or socket.gethostname()
    for name in ("labels", "annotations"):
        pairs = _read_pairs(podinfo / name)
        if pairs:
            facts[name] = pairs
    # A container name alone is common outside Kubernetes too.
    return facts if set(facts) - {"container_name"} else {}


def kubernetes_info(facts: dict[str, Any]) -> dict[str, Any]:
    """The ``kubernetes`` info section built from :func:`kubernetes_facts`."""
    pod = {
        key: facts[field]
        for key, field in (
            ("name", "pod_name"),
            ("uid", "pod_uid"),
            ("ip", "pod_ip"),
            ("serviceAccount", "service_account"),
            ("labels", "labels"),
            ("annotations", "annotations"),
        )
        if field in facts
    }
    info: dict[str, Any] = {}
    if "namespace" in facts:
        info["namespace"] = facts["namespace"]
    if pod:
        info["pod"] = pod
    if "container_name" in facts:
        info["container"] = {"name": facts["container_name"]}
    if "node_name" in facts:
        info["node"] = {"name": facts["node_name"]}
    return info


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _read_pairs(path: Path) -> dict[str, str]:
    """Parse a downward API ``labels``/``annotations`` file: ``key="value"`` per line."""
    text = _read(path)
    pairs: dict[str, str] = {}
    for line in (text or "").splitlines():
        key, sep, quoted = line.partition("=")
        if not sep or key in _HIDDEN_ANNOTATIONS:
            continue
        try:
            value = json.loads(quoted)  # Go's %q quoting, as the kubelet writes it
        except ValueError:
            value = quoted.strip('"')
        pairs[key.strip()] = str(value)
    return pairs
