"""Tests for microframe/routing/matching.py: how a request finds its rule.

Static and dynamic paths are answered from the map's shortcuts, everything
else by werkzeug; either way the client must see what Flask's client sees.
"""

from __future__ import annotations

import typing as t

import flask
import pytest

import microframe


def _make(module_or_class: t.Any, **config: t.Any) -> t.Any:
    if module_or_class is flask:
        app = flask.Flask("m")
    elif module_or_class is microframe:
        app = microframe.Microframe("m")
    else:
        app = module_or_class("m")
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    @app.route("/folder/")
    def folder() -> str:
        return "folder"

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return "posted"

    @app.route("/files/<path:name>")
    def files(name: str) -> str:
        return f"file {name}"

    @app.route("/names/<name>/card")
    def name_card(name: str) -> str:
        return f"card of {name!r}"

    return app


REQUESTS = [
    ("GET", "/", {}),
    ("GET", "/users/7", {}),
    ("GET", "/users/seven", {}),
    ("GET", "/folder", {}),
    ("GET", "/folder/", {}),
    ("GET", "/form", {}),
    ("OPTIONS", "/form", {}),
    ("HEAD", "/", {}),
    ("GET", "/files/a/b.txt", {}),
    ("GET", "/nothing/here", {}),
    ("GET", "/users/7?x=1", {}),
    ("GET", "/", {"base_url": "http://other.test/sub"}),
]


def _seen(app: t.Any, method: str, path: str, kwargs: dict[str, t.Any]) -> t.Any:
    response = app.test_client().open(path, method=method, **kwargs)
    return (
        response.status_code,
        response.headers.get("Location"),
        sorted(response.headers.get("Allow", "").split(", ")),
        response.data if response.status_code < 400 else b"",
    )


@pytest.mark.parametrize(("method", "path", "kwargs"), REQUESTS)
def test_requests_match_as_in_flask(
    method: str, path: str, kwargs: dict[str, t.Any]
) -> None:
    expected = _seen(_make(flask), method, path, kwargs)
    assert _seen(_make(microframe), method, path, kwargs) == expected


# Segments for werkzeug's default int and string parts, which the walk tests
# without their regexes: Unicode digits (Arabic-Indic, fullwidth), digits that
# are not decimal (superscript two), spaces, newlines and the empty segment.
ODD_SEGMENTS = [
    *("3", "03", "\u0663", "\uff11\uff12", "\u00b2"),
    *("3a", " ", "a\nb", "", "-1"),
]


@pytest.mark.parametrize("segment", ODD_SEGMENTS)
def test_odd_segments_match_int_and_string_parts_as_in_flask(segment: str) -> None:
    from urllib.parse import quote

    for path in (f"/users/{quote(segment)}", f"/names/{quote(segment)}/card"):
        expected = _seen(_make(flask), "GET", path, {})
        assert _seen(_make(microframe), "GET", path, {}) == expected, path


def test_decimal_test_agrees_with_the_int_part_regex_on_every_character() -> None:
    import re
    import sys

    digits = re.compile(r"(?P<__werkzeug_0>\d+)\Z")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert char.isdecimal() == (digits.match(char) is not None), hex(code)


def test_the_matched_rule_and_arguments_reach_the_request() -> None:
    app = _make(microframe)
    with app.test_request_context("/users/3"):
        # Matching happens when the context is pushed, as in Flask.
        assert microframe.request.url_rule is not None
        assert microframe.request.url_rule.rule == "/users/<int:user_id>"
        assert microframe.request.view_args == {"user_id": 3}


def test_a_host_header_that_is_not_a_host_name_is_a_400() -> None:
    app = _make(microframe)
    response = app.test_client().get("/", headers={"Host": "bad\x01host"})
    assert response.status_code == 400
    assert b"is not a host name" in response.data


def test_an_untrusted_host_is_refused_before_the_shortcuts() -> None:
    app = _make(microframe, TRUSTED_HOSTS=["good.test"])
    client = app.test_client()
    assert client.get("/", base_url="http://good.test").status_code == 200
    assert client.get("/", base_url="http://evil.test").status_code == 400


def test_host_matching_goes_to_werkzeug() -> None:
    app = microframe.Microframe("hosts", host_matching=True, static_host="static.test")
    app.add_url_rule("/", "a", lambda: "a", host="a.test")
    app.add_url_rule("/", "b", lambda: "b", host="b.test")
    client = app.test_client()
    assert client.get("/", base_url="http://a.test").text == "a"
    assert client.get("/", base_url="http://b.test").text == "b"
    assert client.get("/", base_url="http://c.test").status_code == 404


def test_an_app_binding_its_own_adapter_is_matched_with_it() -> None:
    class Mounted(microframe.Microframe):
        def create_url_adapter(self, request: t.Any) -> t.Any:
            adapter = super().create_url_adapter(request)
            if adapter is not None and request is not None:
                adapter.path_info = "/users/99"  # every request is user 99
            return adapter

    app = _make(Mounted)
    assert app.test_client().get("/").text == "user 99"


def test_create_url_adapter_patched_while_serving_is_used_next_request() -> None:
    app = _make(microframe)
    client = app.test_client()
    assert client.get("/").status_code == 200  # the plan is built
    original = app.create_url_adapter

    def to_user_7(request: t.Any) -> t.Any:
        adapter = original(request)
        if adapter is not None and request is not None:
            adapter.path_info = "/users/7"
        return adapter

    app.create_url_adapter = to_user_7  # type: ignore[method-assign]
    assert client.get("/").text == "user 7"
    del app.create_url_adapter
    assert client.get("/").status_code == 200
    assert client.get("/").text != "user 7"


def test_create_url_adapter_patched_on_the_class_is_used() -> None:
    class Patched(microframe.Microframe):
        pass

    app = _make(Patched)
    client = app.test_client()
    assert client.get("/users/3").text == "user 3"

    def to_user_8(self: t.Any, request: t.Any) -> t.Any:
        adapter = microframe.Microframe.create_url_adapter(self, request)
        if adapter is not None and request is not None:
            adapter.path_info = "/users/8"
        return adapter

    Patched.create_url_adapter = to_user_8  # type: ignore[method-assign]
    assert client.get("/users/3").text == "user 8"


def test_a_bad_host_is_refused_after_good_hosts_were_seen() -> None:
    app = _make(microframe)
    client = app.test_client()
    for number in range(70):  # more good hosts than are remembered
        response = client.get("/", base_url=f"http://host{number}.test")
        assert response.status_code == 200
    assert client.get("/", base_url="http://host3.test").status_code == 200
    response = client.get("/", headers={"Host": "host3.test\x7f"})
    assert response.status_code == 400
    assert b"is not a host name" in response.data
