"""The routing shortcuts answer every request exactly as werkzeug's matcher would.

microframe answers static paths from an index, walks werkzeug's state machine
itself for plain dynamic matches, and declares some paths missing without
matching. Each shortcut either gives werkzeug's answer or steps aside; these
tests compare them with werkzeug on many rule sets and paths.
"""

from __future__ import annotations

import itertools
import random
import typing as t
import uuid

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map, RequestRedirect, Rule, ValidationError

from microframe.routing import Map as FastMap

RULE_SETS: dict[str, list[tuple[str, dict[str, t.Any]]]] = {
    "typical": [
        ("/", {}),
        ("/users/<int:uid>", {}),
        ("/users/<int:uid>/posts/<slug>", {}),
        ("/users/new", {"methods": ["GET", "POST"]}),
        ("/page/<name>", {}),
        ("/static/<path:filename>", {}),
        ("/about/", {}),
        ("/echo", {"methods": ["POST"]}),
    ],
    "static-vs-dynamic": [
        ("/a/b", {"methods": ["POST"]}),
        ("/a/<x>", {}),
        ("/<x>/b", {}),
        ("/<x>/<y>", {"methods": ["PUT"]}),
        ("/<path:rest>", {"methods": ["DELETE"]}),
    ],
    "converters": [
        ("/n/<int:i>", {}),
        ("/n/<float:f>", {}),
        ("/n/<uuid:u>", {}),
        ("/n/<any(red, blue):colour>", {}),
        ("/n/<string(length=2):code>", {}),
        ("/n/<int(signed=True):s>/x", {}),
        ("/n/<name>", {}),
    ],
    "slashes": [
        ("/dir/", {}),
        ("/file", {}),
        ("/loose/", {"strict_slashes": False}),
        ("/<name>/", {}),
        ("/deep/<a>/<b>/", {}),
    ],
    "defaults-and-redirects": [
        ("/blog/", {"endpoint": "blog", "defaults": {"page": 1}}),
        ("/blog/<int:page>", {"endpoint": "blog"}),
        ("/old/<int:i>", {"redirect_to": "/new/<i>"}),
        ("/new/<int:i>", {}),
        ("/alias/<int:i>", {"endpoint": "aliased", "alias": True}),
        ("/canonical/<int:i>", {"endpoint": "aliased"}),
    ],
    "custom-converter": [
        ("/even/<even:n>", {}),
        ("/even/<word>", {}),
        ("/odd/<int:n>", {}),
    ],
}


class EvenConverter(BaseConverter):
    regex = r"\d+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValidationError()
        return number


def build(map_class: type[Map], name: str, merge_slashes: bool = True) -> Map:
    url_map = map_class(merge_slashes=merge_slashes)
    url_map.converters["even"] = EvenConverter
    for i, (rule, options) in enumerate(RULE_SETS[name]):
        options = dict(options)
        options.setdefault("endpoint", f"e{i}")
        url_map.add(Rule(rule, **options))
    return url_map


SEGMENTS = [
    "",
    "a",
    "b",
    "users",
    "new",
    "42",
    "-3",
    "3.5",
    "posts",
    "hello",
    "static",
    "css",
    "x.css",
    "about",
    "n",
    "red",
    "xy",
    "x",
    str(uuid.UUID(int=7)),
    "dir",
    "file",
    "loose",
    "deep",
    "blog",
    "2",
    "old",
    "new",
    "alias",
    "canonical",
    "even",
    "odd",
    "7",
    "page",
    "echo",
    "caf\u00e9",
]


def paths(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = ["/", "//users/42", "/users//42", "/users/42/", "/about", "/dir"]
    for _ in range(count):
        depth = rng.randint(1, 4)
        out.append("/" + "/".join(rng.choice(SEGMENTS) for _ in range(depth)))
    return out


def werkzeug_answer(url_map: Map, path: str, method: str) -> tuple[t.Any, ...]:
    adapter = url_map.bind("localhost", "/", subdomain="")
    try:
        rule, args = adapter.match(path, method, return_rule=True, query_args="")
    except RequestRedirect as e:
        return ("redirect", e.new_url)
    except HTTPException as e:
        return ("error", e.code, sorted(getattr(e, "valid_methods", None) or []))
    return ("match", rule.rule, rule.endpoint, args)


def fast_answer(url_map: FastMap, path: str, method: str) -> tuple[t.Any, ...]:
    """Use the shortcuts as the app does, falling back to werkzeug."""
    found = url_map.match_path(path, method)
    if found is None and url_map.certainly_missing(path):
        return ("error", 404, [])
    if found is None:
        return werkzeug_answer(url_map, path, method)
    rule, args = found
    return ("match", rule.rule, rule.endpoint, args)


@pytest.mark.parametrize("merge_slashes", [True, False])
@pytest.mark.parametrize("name", sorted(RULE_SETS))
def test_shortcuts_answer_like_werkzeug(name: str, merge_slashes: bool) -> None:
    plain = build(Map, name, merge_slashes)
    fast = t.cast(FastMap, build(FastMap, name, merge_slashes))
    for path, method in itertools.product(
        paths(seed=len(name), count=300), ["GET", "POST", "PUT", "DELETE", "HEAD"]
    ):
        expected = werkzeug_answer(plain, path, method)
        assert fast_answer(fast, path, method) == expected, (path, method)


def test_shortcuts_used_for_plain_matches() -> None:
    fast = t.cast(FastMap, build(FastMap, "typical"))
    rule, args = fast.match_path("/users/new", "POST")  # type: ignore[misc]
    assert (rule.rule, args) == ("/users/new", {})
    rule, args = fast.match_dynamic("/users/7/posts/hi", "GET")  # type: ignore[misc]
    assert (rule.rule, args) == (
        "/users/<int:uid>/posts/<slug>",
        {"uid": 7, "slug": "hi"},
    )
    assert fast.certainly_missing("/nothing/here")
    assert not fast.certainly_missing("/users/x")  # werkzeug must say 404 or not


def test_shortcuts_step_aside_for_redirects_and_converter_errors() -> None:
    fast = t.cast(FastMap, build(FastMap, "defaults-and-redirects"))
    assert fast.match_dynamic("/old/3", "GET") is None  # redirect_to
    assert fast.match_dynamic("/alias/3", "GET") is None  # alias
    assert fast.match_dynamic("/blog/1", "GET") is None  # defaults redirect
    custom = t.cast(FastMap, build(FastMap, "custom-converter"))
    assert custom.match_dynamic("/even/3", "GET") is None  # ValidationError


def test_index_follows_added_rules() -> None:
    fast = t.cast(FastMap, build(FastMap, "typical"))
    assert fast.certainly_missing("/later")
    fast.add(Rule("/later", endpoint="later"))
    assert not fast.certainly_missing("/later")
    rule, _ = fast.match_path("/later", "GET")  # type: ignore[misc]
    assert rule.endpoint == "later"
    fast.add(Rule("/later/<int:n>", endpoint="later_n"))
    rule, args = fast.match_dynamic("/later/5", "GET")  # type: ignore[misc]
    assert (rule.endpoint, args) == ("later_n", {"n": 5})
