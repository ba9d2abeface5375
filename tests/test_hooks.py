"""Tests for microframe/pipeline/hooks.py: hook registries that report changes.

Extensions change ``before_request_funcs`` and friends in place; whatever they
do, the next request must run exactly the hooks Flask would run. Each case
runs the same change on a Flask app and a microframe app and compares.
"""

from __future__ import annotations

import copy
import typing as t

import flask
import pytest

import microframe
from microframe.pipeline.hooks import HookList, HookRegistry, inherited, overridable

Change = t.Callable[[t.Any, list[t.Callable[[], None]]], None]


def _hooks(log: list[str]) -> list[t.Callable[[], None]]:
    def make(name: str) -> t.Callable[[], None]:
        def hook() -> None:
            log.append(name)

        hook.__name__ = name
        return hook

    return [make(name) for name in ("a", "b", "c")]


CHANGES: dict[str, Change] = {
    "append": lambda funcs, h: funcs.setdefault(None, []).append(h[2]),
    "extend": lambda funcs, h: funcs[None].extend([h[2], h[0]]),
    "insert": lambda funcs, h: funcs[None].insert(0, h[2]),
    "remove": lambda funcs, h: funcs[None].remove(h[0]),
    "pop": lambda funcs, h: funcs[None].pop(),
    "clear": lambda funcs, h: funcs[None].clear(),
    "sort": lambda funcs, h: funcs[None].sort(key=lambda f: f.__name__, reverse=True),
    "reverse": lambda funcs, h: funcs[None].reverse(),
    "setitem": lambda funcs, h: funcs[None].__setitem__(0, h[2]),
    "delitem": lambda funcs, h: funcs[None].__delitem__(0),
    "iadd": lambda funcs, h: funcs[None].__iadd__([h[2]]),
    "imul": lambda funcs, h: funcs[None].__imul__(2),
    "replace scope": lambda funcs, h: funcs.__setitem__(None, [h[2]]),
    "delete scope": lambda funcs, h: funcs.__delitem__(None),
    "pop scope": lambda funcs, h: funcs.pop(None),
    "popitem": lambda funcs, h: funcs.popitem(),
    "clear scopes": lambda funcs, h: funcs.clear(),
    "update": lambda funcs, h: funcs.update({None: [h[2], h[1]]}),
    "ior": lambda funcs, h: funcs.__ior__({None: [h[1]]}),
}


def _run(module: t.Any, change: Change) -> list[str]:
    log: list[str] = []
    hooks = _hooks(log)
    app = module.Flask("hooks") if module is flask else module.Microframe("hooks")
    app.add_url_rule("/", "index", lambda: "ok")
    app.before_request_funcs.setdefault(None, []).extend(hooks[:2])
    client = app.test_client()
    client.get("/")  # the first request plans with a and b
    change(app.before_request_funcs, hooks)
    log.clear()
    assert client.get("/").status_code == 200
    return log


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_changed_registry_runs_the_hooks_flask_runs(name: str) -> None:
    expected = _run(flask, CHANGES[name])
    assert _run(microframe, CHANGES[name]) == expected


def test_a_list_put_into_the_registry_is_adopted() -> None:
    changes: list[str] = []
    registry: HookRegistry[int] = HookRegistry(lambda: changes.append("changed"))
    plain = [1]
    registry["scope"] = plain
    adopted = registry["scope"]
    assert isinstance(adopted, HookList) and adopted == [1]
    assert registry.setdefault("scope") is adopted
    changes.clear()
    adopted.append(2)  # a later change of the adopted list is seen
    assert changes == ["changed"]
    assert registry["missing"] == []  # a missing scope is created silently
    assert changes == ["changed"]


def test_a_registry_copies_as_a_plain_dict() -> None:
    changes: list[str] = []
    registry: HookRegistry[int] = HookRegistry(lambda: changes.append("changed"))
    registry["scope"] = [1, 2]
    copied = copy.copy(registry)
    assert type(copied) is dict and copied == {"scope": [1, 2]}
    changes.clear()
    copied["other"] = []  # the copy does not report to the app
    assert changes == []


class _Base:
    @overridable
    def step(self) -> str:
        return "default"


class _Overriding(_Base):
    def step(self) -> str:
        return "own"


def test_inherited_tells_the_marked_original_from_a_replacement() -> None:
    assert inherited(_Base(), "step") is True
    assert inherited(_Overriding(), "step") is False
    patched = _Base()
    patched.step = lambda: "patched"  # type: ignore[method-assign]
    assert inherited(patched, "step") is False


def test_an_app_subclass_overriding_a_step_is_called() -> None:
    calls: list[str] = []

    class Traced(microframe.Microframe):
        def create_url_adapter(self, request: t.Any) -> t.Any:
            calls.append("create_url_adapter")
            return super().create_url_adapter(request)

    app = Traced("traced")
    app.add_url_rule("/", "index", lambda: "ok")
    assert app.test_client().get("/").text == "ok"
    assert "create_url_adapter" in calls
