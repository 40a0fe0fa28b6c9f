"""The parts of ``/info`` that identify the host, kept from callers who may not see them.

The machine id and host name, the kernel version (inside ``os`` and
``os.description``), the Python executable's path and the process owner
help an attacker more than an anonymous reader, so ``/info`` shows them only
as ``Z_ENDPOINTS["info"]["host_details"]`` allows (``when_authorized`` by
default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Keys left out, by section of the ``/info`` document.
HOST_DETAILS: Mapping[str, tuple[str, ...]] = {
    "os": ("version", "description"),
    "python": ("executable",),
    "process": ("owner",),
    "trace.attributes": (
        "host.id",
        "host.name",
        "os.description",
        "process.executable.path",
        "process.owner",
    ),
}


def without_host_details(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an ``/info`` document without the keys of :data:`HOST_DETAILS`."""
    stripped = dict(document)
    for section, keys in HOST_DETAILS.items():
        content = stripped.get(section)
        if isinstance(content, Mapping):
            stripped[section] = {key: value for key, value in content.items() if key not in keys}
    return stripped
