"""Notice when the app's configuration keys we depend on are replaced.

The settings are read once, at ``init_app``; configuration assigned later
(``app.config["Z_ENDPOINTS"] = {...}``, ``app.config.update(...)``) has
always applied too. Rather than comparing the configuration on every
request, the app's config object is given a subclass of its own class that
calls back when one of the watched keys is set or removed. Reads cost
nothing extra, and the config stays the same object and the same type for
``isinstance``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Config, Flask

_ATTRIBUTE = "_management_endpoints_watchers"
_subclasses: dict[type[Config], type[Config]] = {}


def watch_config(app: Flask, keys: Iterable[str], on_change: Callable[[], None]) -> None:
    """Call ``on_change()`` after any of ``keys`` is set, updated or removed in ``app.config``."""
    config = app.config
    base = type(config)
    if getattr(base, "_management_endpoints_watched", False) is not True:
        config.__class__ = _watched_class(base)
    watchers: list[tuple[frozenset[str], Callable[[], None]]] = config.__dict__.setdefault(
        _ATTRIBUTE, []
    )
    watchers.append((frozenset(keys), on_change))


def _notify(config: Config, keys: Iterable[Any]) -> None:
    changed = set(keys)
    for watched, on_change in config.__dict__.get(_ATTRIBUTE, ()):
        if watched & changed:
            on_change()


def _watched_class(base: type[Config]) -> type[Config]:
    subclass = _subclasses.get(base)
    if subclass is not None:
        return subclass

    # Every dict method that writes, since dict's own update() and
    # setdefault() do not go through __setitem__.
    class Watched(base):  # type: ignore[valid-type,misc]
        _management_endpoints_watched = True

        def __setitem__(self, key: Any, value: Any) -> None:
            super().__setitem__(key, value)
            _notify(self, (key,))

        def __delitem__(self, key: Any) -> None:
            super().__delitem__(key)
            _notify(self, (key,))

        def update(self, *args: Any, **kwargs: Any) -> None:
            changes = dict(*args, **kwargs)
            super().update(changes)
            _notify(self, changes)

        def setdefault(self, key: Any, default: Any = None) -> Any:
            missing = key not in self
            value = super().setdefault(key, default)
            if missing:
                _notify(self, (key,))
            return value

        def pop(self, key: Any, *default: Any) -> Any:
            value = super().pop(key, *default)
            _notify(self, (key,))
            return value

        def popitem(self) -> tuple[Any, Any]:
            key, value = super().popitem()
            _notify(self, (key,))
            return key, value

        def clear(self) -> None:
            keys = list(self)
            super().clear()
            _notify(self, keys)

    Watched.__name__ = Watched.__qualname__ = base.__name__
    Watched.__module__ = base.__module__
    _subclasses[base] = Watched
    return Watched
