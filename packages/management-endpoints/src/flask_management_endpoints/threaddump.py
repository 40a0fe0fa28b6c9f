"""The ``threaddump`` endpoint: every thread's stack, as Actuator JSON or plain text.

Python does not record a thread's state; ``threadState`` is ``WAITING`` when
the innermost frame is a wait or lock acquisition in the ``threading``
module or a ``sleep``/``select`` call, else ``RUNNABLE``.
"""

from __future__ import annotations

import sys
import threading
import traceback
from types import FrameType
from typing import Any

_WAITS = {"wait", "acquire", "_wait_for_tstate_lock", "sleep", "select", "poll", "accept"}


def thread_dump() -> dict[str, Any]:
    """``{"threads": [...]}``: name, id, daemon, state and stack (innermost first) of each."""
    frames = sys._current_frames()
    modules = {getattr(m, "__file__", None): n for n, m in list(sys.modules.items())}
    threads = []
    for thread in sorted(threading.enumerate(), key=lambda t: t.ident or 0):
        frame = frames.get(thread.ident or -1)
        stack = _stack(frame, modules)
        threads.append(
            {
                "threadName": thread.name,
                "threadId": thread.ident,
                "daemon": thread.daemon,
                "threadState": _state(stack),
                "stackTrace": stack,
                "lockedMonitors": [],
                "lockedSynchronizers": [],
            }
        )
    return {"threads": threads}


def thread_dump_text(dump: dict[str, Any]) -> str:
    """The dump as ``jstack``-like text: a header per thread, then ``at`` lines."""
    lines: list[str] = []
    for thread in dump["threads"]:
        daemon = " daemon" if thread["daemon"] else ""
        lines.append(f'"{thread["threadName"]}" #{thread["threadId"]}{daemon}')
        lines.append(f"   State: {thread['threadState']}")
        for element in thread["stackTrace"]:
            lines.append(
                f"\tat {element['className']}.{element['methodName']}"
                f"({element['fileName']}:{element['lineNumber']})"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def _stack(frame: FrameType | None, modules: dict[str | None, str]) -> list[dict[str, Any]]:
    if frame is None:
        return []
    summary = traceback.extract_stack(frame)
    return [
        {
            "className": modules.get(entry.filename)
            or entry.filename.rsplit("/", 1)[-1].removesuffix(".py"),
            "methodName": entry.name,
            "fileName": entry.filename.rsplit("/", 1)[-1],
            "lineNumber": entry.lineno,
        }
        for entry in reversed(summary)
    ]


def _state(stack: list[dict[str, Any]]) -> str:
    return "WAITING" if stack and stack[0]["methodName"] in _WAITS else "RUNNABLE"
