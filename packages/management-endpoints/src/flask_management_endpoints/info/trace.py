"""``trace.attributes``: the service described as OpenTelemetry resource attributes.

Keys follow the OpenTelemetry semantic conventions (``service.*``,
``host.*``, ``os.*``, ``process.*``, ``container.id``, ``k8s.*``), so a
collector or a human can match this instance with its traces. The standard
``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` variables are honoured,
and the configuration's static attributes come last.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import psutil

from flask_management_endpoints.info.options import TraceOptions

# platform.machine() values mapped to OpenTelemetry's host.arch values.
_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "x86",
    "i686": "x86",
    "x86": "x86",
    "armv7l": "arm32",
    "ppc64le": "ppc64",
    "ppc64": "ppc64",
    "s390x": "s390x",
}
_K8S = {
    "pod_name": "k8s.pod.name",
    "pod_uid": "k8s.pod.uid",
    "namespace": "k8s.namespace.name",
    "node_name": "k8s.node.name",
    "container_name": "k8s.container.name",
}
_CONTAINER_ID = re.compile(r"[0-9a-f]{64}")
CGROUP_FILE = Path("/proc/self/cgroup")
MOUNTINFO_FILE = Path("/proc/self/mountinfo")
MACHINE_ID_FILE = Path("/etc/machine-id")


def trace_attributes(
    app_name: str,
    version: str | None,
    options: TraceOptions,
    kubernetes: Mapping[str, Any],
    *,
    service_instance_id: bool,
) -> dict[str, Any]:
    """The resource attributes of this process.

    ``service.name`` is ``trace.service_name``, else ``OTEL_SERVICE_NAME``,
    else the app's name. ``service.instance.id`` is included when
    ``service_instance_id`` is true: a UUID kept in a file in the temporary
    directory, so it is the same for every worker and restart on this host.
    """
    service_name = options.service_name or os.environ.get("OTEL_SERVICE_NAME") or app_name
    attributes: dict[str, Any] = {"service.name": service_name}
    if version:
        attributes["service.version"] = version
    if service_instance_id:
        attributes["service.instance.id"] = persistent_instance_id(service_name)
    attributes.update(_host())
    attributes.update(
        {
            "os.type": platform.system().lower(),
            "os.description": platform.platform(),
            "process.pid": os.getpid(),
            "process.parent_pid": os.getppid(),
            "process.executable.path": sys.executable,
            "process.runtime.name": platform.python_implementation(),
            "process.runtime.version": platform.python_version(),
            "process.runtime.description": sys.version.replace("\n", " "),
        }
    )
    with contextlib.suppress(psutil.Error, KeyError):
        attributes["process.owner"] = psutil.Process().username()
    container = container_id(CGROUP_FILE, MOUNTINFO_FILE)
    if container:
        attributes["container.id"] = container
    attributes.update({key: kubernetes[name] for name, key in _K8S.items() if name in kubernetes})
    attributes.update(resource_attributes_from_env(os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "")))
    attributes.update(options.attributes)
    return attributes


def _host() -> dict[str, Any]:
    machine = platform.machine()
    host: dict[str, Any] = {
        "host.name": socket.gethostname(),
        "host.arch": _ARCH.get(machine.lower(), machine),
    }
    machine_id = _first_line(MACHINE_ID_FILE)
    if machine_id:
        host["host.id"] = machine_id
    return host


def resource_attributes_from_env(value: str) -> dict[str, str]:
    """Parse ``OTEL_RESOURCE_ATTRIBUTES``: ``key=value`` pairs, comma-separated, percent-encoded."""
    attributes: dict[str, str] = {}
    for pair in value.split(","):
        key, sep, raw = pair.partition("=")
        if sep and key.strip():
            attributes[unquote(key.strip())] = unquote(raw.strip())
    return attributes


def container_id(cgroup: Path, mountinfo: Path) -> str | None:
    """The container's id as the runtime names it in ``cgroup`` or ``mountinfo``, if any."""
    for path in (cgroup, mountinfo):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            ids = _CONTAINER_ID.findall(line)
            if ids:
                return str(ids[-1])
    return None


def persistent_instance_id(service_name: str, directory: Path | None = None) -> str:
    """A UUID for this service on this host, created once and kept in a file.

    Several workers may ask at the same moment: the file is written under a
    private name and linked into place, so every worker reads the same id.
    """
    folder = Path(directory or tempfile.gettempdir())
    safe_name = re.sub(r"[^A-Za-z0-9_.-]", "_", service_name)
    path = folder / f"{safe_name}-service-instance-id"
    existing = _first_line(path)
    if existing:
        return existing
    candidate = folder / f".{path.name}.{uuid.uuid4().hex}"
    candidate.write_text(f"{uuid.uuid4()}\n", encoding="utf-8")
    try:
        os.link(candidate, path)
    except FileExistsError:
        pass  # another worker won the race; use its id
    except OSError:
        # No hard links on this file system: last writer wins, once.
        os.replace(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)
    return _first_line(path) or ""


def _first_line(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8") as file:
            return file.readline(1024).strip() or None
    except (OSError, UnicodeDecodeError):
        return None
