"""Hook registries that tell their owner when they change, and overridable methods.

An app keeps its ``before_request`` functions, ``after_request`` functions and
the like in dicts keyed by scope (``None`` for the app, a blueprint's name for
the blueprint), each holding a list. Extensions write into them directly
(``app.before_request_funcs.setdefault(None, []).append(f)``), so the request
pipeline cannot learn of a new hook from the decorators alone. These containers
look and behave like the ``defaultdict(list)`` Flask uses, and call the owner's
``changed`` callback on every mutation; the pipeline then rebuilds its plan on
the next request instead of re-reading the registries on every request.
"""

from __future__ import annotations

import typing as t

_Changed = t.Callable[[], None]
V = t.TypeVar("V")
F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def overridable(func: F) -> F:
    """Mark a method whose override changes how requests are handled.

    The pipeline asks :func:`inherited` before taking a shortcut that only
    the marked implementation allows.
    """
    func.microframe_default = True  # type: ignore[attr-defined]
    return func


def inherited(obj: object, name: str) -> bool:
    """Whether ``obj.name`` is the :func:`overridable` original.

    False when the instance or its class (or a patch of either) replaced it.
    """
    if name in getattr(obj, "__dict__", ()):
        return False
    return getattr(getattr(type(obj), name), "microframe_default", False) is True


def _notifying(name: str) -> t.Any:
    # A list method that calls the owner back after it changed the list.
    method = getattr(list, name)

    def mutate(self: HookList[t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
        result = method(self, *args, **kwargs)
        self._changed()
        return result

    mutate.__name__ = name
    return mutate


class HookList(list[V]):
    """A list of hook functions whose changes are reported to its owner."""

    __slots__ = ("_changed",)

    def __init__(self, changed: _Changed, items: t.Iterable[V] = ()) -> None:
        super().__init__(items)
        self._changed = changed

    append = _notifying("append")
    extend = _notifying("extend")
    insert = _notifying("insert")
    remove = _notifying("remove")
    pop = _notifying("pop")
    clear = _notifying("clear")
    sort = _notifying("sort")
    reverse = _notifying("reverse")
    __setitem__ = _notifying("__setitem__")
    __delitem__ = _notifying("__delitem__")
    __iadd__ = _notifying("__iadd__")
    __imul__ = _notifying("__imul__")


class HookRegistry(dict[t.Any, list[V]]):
    """``{scope: [hook, ...]}`` that creates missing scopes and reports changes.

    Lists put into it are adopted as :class:`HookList` so that appending to
    them later is seen too.
    """

    __slots__ = ("_changed",)

    def __init__(self, changed: _Changed) -> None:
        super().__init__()
        self._changed = changed

    def _adopt(self, items: t.Iterable[V]) -> HookList[V]:
        if isinstance(items, HookList) and items._changed is self._changed:
            return items
        return HookList(self._changed, items)

    def __missing__(self, scope: t.Any) -> HookList[V]:
        fresh: HookList[V] = HookList(self._changed)
        dict.__setitem__(self, scope, fresh)
        return fresh

    def __setitem__(self, scope: t.Any, items: t.Iterable[V]) -> None:
        dict.__setitem__(self, scope, self._adopt(items))
        self._changed()

    def __delitem__(self, scope: t.Any) -> None:
        dict.__delitem__(self, scope)
        self._changed()

    def setdefault(self, scope: t.Any, default: t.Iterable[V] | None = None) -> list[V]:
        if scope not in self:
            self[scope] = () if default is None else default
        return super().__getitem__(scope)

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        for scope, items in dict(*args, **kwargs).items():
            self[scope] = items

    def pop(self, scope: t.Any, *default: t.Any) -> t.Any:
        result = dict.pop(self, scope, *default)
        self._changed()
        return result

    def popitem(self) -> tuple[t.Any, list[V]]:
        result = dict.popitem(self)
        self._changed()
        return result

    def clear(self) -> None:
        dict.clear(self)
        self._changed()

    def __ior__(self, other: t.Any) -> HookRegistry[V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __reduce__(self) -> t.Any:
        return (dict, (dict(self),))
