"""Tests for routing through the app: rules, converters, methods, redirects, url_for.

Tests taking the ``fw`` fixture run the same code on microframe and on Flask
and expect the same outcome. The last part checks microframe's routing
shortcuts (static path index, state machine walk, early 404) against
werkzeug's own matcher and against Flask, on many rule sets and requests.
"""

from __future__ import annotations

import itertools
import random
import sys
import threading
import types
import typing as t
import uuid

import flask
import pytest
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import (
    BaseConverter,
    BuildError,
    IntegerConverter,
    Map,
    RequestRedirect,
    Rule,
)
from werkzeug.test import EnvironBuilder

import microframe
from microframe import Blueprint, Microframe, g, request, url_for
from microframe.testing import MicroframeClient

TESTS = __file__.rpartition("/")[0]


@pytest.fixture(params=[microframe, flask], ids=["microframe", "flask"])
def fw(request: pytest.FixtureRequest) -> types.ModuleType:
    """The microframe package, then the flask package."""
    return t.cast(types.ModuleType, request.param)


def new_app(fw: types.ModuleType, **kwargs: t.Any) -> t.Any:
    """A testing app rooted in the tests folder, on the framework ``fw``."""
    app_class = fw.Microframe if fw is microframe else fw.Flask
    kwargs.setdefault("root_path", TESTS)
    app = app_class("routing_app", **kwargs)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


# -- registering rules ------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "patch"])
def test_method_shortcuts(fw: types.ModuleType, method: str) -> None:
    app = new_app(fw)

    @getattr(app, method)("/thing")
    def thing() -> str:
        return f"{request_of(fw).method} thing"

    client = app.test_client()
    assert client.open("/thing", method=method.upper()).text == (
        f"{method.upper()} thing"
    )
    other = "POST" if method == "get" else "GET"
    response = client.open("/thing", method=other)
    assert response.status_code == 405
    expected = {method.upper(), "OPTIONS"} | ({"HEAD"} if method == "get" else set())
    assert set(response.allow) == expected


def request_of(fw: types.ModuleType) -> t.Any:
    return fw.request


def test_method_shortcut_refuses_methods(fw: types.ModuleType) -> None:
    app = new_app(fw)
    with pytest.raises(TypeError):
        app.get("/x", methods=["POST"])


def test_method_shortcut_message(app: Microframe) -> None:
    with pytest.raises(TypeError, match=r"post\(\) sets the method itself"):
        app.post("/x", methods=["GET"])


def test_route_with_endpoint_and_default_endpoint(
    app: Microframe, client: MicroframeClient
) -> None:
    @app.route("/a", endpoint="custom")
    def a() -> str:
        return "a"

    @app.route("/b")
    def b() -> str:
        return "b"

    assert app.view_functions["custom"] is a
    assert app.view_functions["b"] is b
    assert {rule.endpoint for rule in app.url_map.iter_rules()} >= {"custom", "b"}
    assert client.get("/a").text == "a"


def test_add_url_rule_without_view_then_endpoint_decorator(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw)
    app.add_url_rule("/e/<int:n>", endpoint="numbered")

    @app.endpoint("numbered")
    def numbered(n: int) -> str:
        return f"n={n}"

    assert app.test_client().get("/e/4").text == "n=4"


def test_add_url_rule_needs_endpoint_or_view(app: Microframe) -> None:
    with pytest.raises(TypeError, match="endpoint"):
        app.add_url_rule("/x")


def test_methods_are_upper_cased(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/x", "x", lambda: "x", methods=["post", "Get"])
    (rule,) = [rule for rule in app.url_map.iter_rules() if rule.endpoint == "x"]
    assert rule.methods == {"GET", "HEAD", "POST", "OPTIONS"}


@pytest.mark.parametrize("methods", ["POST", "GET"])
def test_methods_as_string_is_a_type_error(fw: types.ModuleType, methods: str) -> None:
    app = new_app(fw)
    with pytest.raises(TypeError):
        app.add_url_rule("/x", "x", lambda: "x", methods=methods)


def test_methods_string_message(app: Microframe) -> None:
    with pytest.raises(TypeError) as info:
        app.route("/submit", methods="POST")(lambda: "x")
    message = str(info.value)
    assert "'/submit'" in message
    assert "list of strings" in message
    assert "methods=['POST']" in message


def test_view_function_attributes(fw: types.ModuleType) -> None:
    app = new_app(fw)

    def view() -> str:
        return request_of(fw).method

    view.methods = ["PUT"]  # type: ignore[attr-defined]
    view.required_methods = ["PATCH"]  # type: ignore[attr-defined]
    view.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/v", view_func=view)
    client = app.test_client()
    assert client.put("/v").text == "PUT"
    assert client.patch("/v").text == "PATCH"
    assert client.get("/v").status_code == 405
    response = client.options("/v")
    assert response.status_code == 405
    assert set(response.allow) == {"PUT", "PATCH"}


def test_defaults_fill_view_arguments(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.route("/users/", defaults={"page": 1})
    @app.route("/users/page/<int:page>")
    def users(page: int) -> str:
        return f"page {page}"

    client = app.test_client()
    assert client.get("/users/").text == "page 1"
    assert client.get("/users/page/3").text == "page 3"
    # The defaults rule is the canonical URL of page 1.
    response = client.get("/users/page/1")
    assert response.status_code == 308
    assert response.location == "http://localhost/users/"
    assert new_url_for(fw, app, "users") == "/users/"
    assert new_url_for(fw, app, "users", page=2) == "/users/page/2"


def new_url_for(
    fw: types.ModuleType, app: t.Any, endpoint: str, **values: t.Any
) -> str:
    with app.test_request_context():
        return fw.url_for(endpoint, **values)  # type: ignore[no-any-return]


def test_strict_slashes(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/strict/", "strict", lambda: "strict")
    app.add_url_rule("/loose/", "loose", lambda: "loose", strict_slashes=False)
    app.add_url_rule("/file", "file", lambda: "file")
    client = app.test_client()
    response = client.get("/strict?a=1&b=2")
    assert response.status_code == 308
    assert response.location == "http://localhost/strict/?a=1&b=2"
    assert client.get("/loose").text == "loose"
    assert client.get("/loose/").text == "loose"
    assert client.get("/file/").status_code == 404


def test_trailing_slash_redirect_keeps_method_and_body(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.route("/form/", methods=["POST"])
    def form() -> str:
        return request_of(fw).form["x"]

    response = app.test_client().post("/form", data={"x": "1"}, follow_redirects=True)
    assert response.text == "1"
    assert [r.status_code for r in response.history] == [308]


def test_redirect_to(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/old/<int:n>", "old", redirect_to="/new/<n>")
    app.add_url_rule(
        "/older/<int:n>",
        "older",
        redirect_to=lambda adapter, n: f"/new/{n + 1}",
    )

    @app.route("/new/<int:n>")
    def new(n: int) -> str:
        return f"new {n}"

    client = app.test_client()
    response = client.get("/old/5")
    assert (response.status_code, response.location) == (
        308,
        "http://localhost/new/5",
    )
    assert client.get("/older/5", follow_redirects=True).text == "new 6"


def test_merge_slashes(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/a/b", "merged", lambda: "merged")
    app.add_url_rule("/x//y", "kept", lambda: "kept", merge_slashes=False)
    client = app.test_client()
    response = client.get("/a//b")
    assert (response.status_code, response.location) == (308, "http://localhost/a/b")
    assert client.get("/x//y").text == "kept"
    assert client.get("/x/y").status_code == 404


def test_url_map_options_are_honoured(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.url_map.strict_slashes = False
    app.add_url_rule("/dir/", "dir", lambda: "dir")
    assert app.test_client().get("/dir").text == "dir"


# -- hosts and subdomains ------------------------------------------------------


def test_host_matching(fw: types.ModuleType) -> None:
    app = new_app(fw, host_matching=True, static_host="static.test")
    app.add_url_rule("/", "a", lambda: "site a", host="a.test")
    app.add_url_rule("/", "b", lambda: "site b", host="b.test")

    @app.route("/who", host="<name>.users.test")
    def who(name: str) -> str:
        return f"user {name}"

    client = app.test_client()
    assert client.get("/", base_url="http://a.test").text == "site a"
    assert client.get("/", base_url="http://b.test").text == "site b"
    assert client.get("/", base_url="http://c.test").status_code == 404
    assert client.get("/who", base_url="http://ada.users.test").text == "user ada"
    assert client.get("/hello.txt").status_code == 404
    static = client.get("/static/hello.txt", base_url="http://static.test")
    assert static.status_code == 200
    static.close()
    with app.test_request_context("/", base_url="http://a.test"):
        assert fw.url_for("a") == "/"
        assert fw.url_for("b") == "http://b.test/"
        assert fw.url_for("who", name="bo") == "http://bo.users.test/who"


def test_static_host_needs_host_matching(fw: types.ModuleType) -> None:
    with pytest.raises(AssertionError if fw is flask else ValueError):
        new_app(fw, static_host="static.test")
    with pytest.raises(AssertionError if fw is flask else ValueError):
        new_app(fw, host_matching=True)
    # Without a static folder neither is needed.
    new_app(fw, host_matching=True, static_folder=None)


def test_static_host_message() -> None:
    with pytest.raises(ValueError, match="static_host"):
        Microframe("x", static_host="static.test", root_path=TESTS)


def test_subdomain_matching(fw: types.ModuleType) -> None:
    app = new_app(fw, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "root", lambda: "root")
    app.add_url_rule("/", "api", lambda: "api", subdomain="api")

    @app.route("/", subdomain="<user>")
    def user_home(user: str) -> str:
        return f"home of {user}"

    client = app.test_client()
    assert client.get("/").text == "root"
    assert client.get("/", base_url="http://api.example.test").text == "api"
    assert client.get("/", base_url="http://ada.example.test").text == "home of ada"
    with app.test_request_context():
        assert fw.url_for("api") == "http://api.example.test/"
        assert fw.url_for("user_home", user="bo") == "http://bo.example.test/"
        assert fw.url_for("root") == "/"


def test_subdomain_matching_with_another_host_warns_and_404s(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "root", lambda: "root")
    with pytest.warns(UserWarning, match="doesn.t match configured server name"):
        response = app.test_client().get("/", base_url="http://other.test")
    assert response.status_code == 404


def test_subdomain_rules_ignored_without_subdomain_matching(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "root", lambda: "root")
    app.add_url_rule("/api", "api", lambda: "api", subdomain="api")
    client = app.test_client()
    assert client.get("/", base_url="http://api.example.test").text == "root"
    assert client.get("/api", base_url="http://api.example.test").status_code == 404
    # And any host is served, as Flask does since 2.3.
    assert client.get("/", base_url="http://other.test").text == "root"


def test_trusted_hosts(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["TRUSTED_HOSTS"] = ["good.test"]
    app.add_url_rule("/", "root", lambda: "root")
    app.add_url_rule("/u/<int:n>", "u", lambda n: str(n))
    client = app.test_client()
    assert client.get("/", base_url="http://good.test").text == "root"
    for path in ("/", "/u/1", "/missing"):
        assert client.get(path, base_url="http://evil.test").status_code == 400


def test_websocket_upgrade_to_an_http_rule(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "http")
    client = app.test_client()
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket"}
    assert client.get("/", headers=upgrade).status_code == 400  # WebsocketMismatch
    assert client.get("/", headers={"Upgrade": "h2c"}).text == "http"


def test_routing_redirect_that_would_drop_a_form_body_in_debug(
    fw: types.ModuleType,
) -> None:
    class MovedPermanently(RequestRedirect):
        code = 301

    app = new_app(fw)
    app.config["DEBUG"] = True
    app.add_url_rule("/", "index", lambda: "x", methods=["GET", "POST"])

    @app.before_request
    def old_style_redirect() -> None:
        fw.request.routing_exception = MovedPermanently("http://localhost/new/")

    client = app.test_client()
    assert client.get("/").status_code == 301
    with pytest.raises(AssertionError):
        client.post("/", data={"a": "1"})
    app.config["DEBUG"] = False
    assert client.post("/", data={"a": "1"}).status_code == 301


def test_form_redirect_message(app: Microframe, client: MicroframeClient) -> None:
    class Found(RequestRedirect):
        code = 302

    app.debug = True
    app.add_url_rule("/", "index", lambda: "x", methods=["POST"])

    @app.before_request
    def old_style_redirect() -> None:
        request.routing_exception = Found("http://localhost/new/")

    with pytest.raises(AssertionError, match="'http://localhost/new/'"):
        client.post("/", data={"a": "1"})


# -- converters --------------------------------------------------------------------


class ListConverter(BaseConverter):
    """Comma-separated values."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: t.Any) -> str:
        return ",".join(BaseConverter.to_url(self, item) for item in value)


class DoubleConverter(IntegerConverter):
    """An int converter of its own: the value doubled."""

    def to_python(self, value: str) -> int:
        return 2 * int(value)


def test_converters(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.url_map.converters["list"] = ListConverter
    app.url_map.converters["double"] = DoubleConverter
    seen: list[t.Any] = []

    def record(**kwargs: t.Any) -> str:
        seen.append(kwargs)
        return "ok"

    app.add_url_rule("/int/<int:v>", "int", record)
    app.add_url_rule("/signed/<int(signed=True):v>", "signed", record)
    app.add_url_rule("/float/<float:v>", "float", record)
    app.add_url_rule("/path/<path:v>", "path", record)
    app.add_url_rule("/uuid/<uuid:v>", "uuid", record)
    app.add_url_rule("/any/<any(red, blue):v>", "any", record)
    app.add_url_rule("/len/<string(length=2):v>", "len", record)
    app.add_url_rule("/list/<list:v>", "list", record)
    app.add_url_rule("/bounded/<int(min=1, max=9):v>", "bounded", record)
    app.add_url_rule("/digits/<int(fixed_digits=3):v>", "digits", record)
    app.add_url_rule("/double/<double:v>", "double", record)
    client = app.test_client()
    u = uuid.UUID(int=1234)
    ok = [
        "/int/12",
        "/signed/-3",
        "/float/2.5",
        "/path/a/b/c.txt",
        f"/uuid/{u}",
        "/any/blue",
        "/len/ab",
        "/list/x,y",
        "/bounded/9",
        "/digits/007",
        "/double/21",
    ]
    for path in ok:
        assert client.get(path).text == "ok", path
    assert [kwargs["v"] for kwargs in seen] == [
        12,
        -3,
        2.5,
        "a/b/c.txt",
        u,
        "blue",
        "ab",
        ["x", "y"],
        9,
        7,
        42,
    ]
    missing = ["/int/x", "/int/-1", "/float/2", "/any/green", "/len/abc", "/uuid/1"]
    missing += ["/bounded/0", "/bounded/10", "/digits/7", "/digits/0007"]
    for path in missing:
        assert client.get(path).status_code == 404, path
    with app.test_request_context():
        assert fw.url_for("list", v=["a", "b c"]) == "/list/a,b%20c"
        assert fw.url_for("uuid", v=u) == f"/uuid/{u}"
        assert fw.url_for("path", v="x/y z") == "/path/x/y%20z"


def test_converter_added_after_rules_using_it_is_an_error(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw)
    with pytest.raises(LookupError):
        app.add_url_rule("/x/<nope:v>", "x", lambda v: v)


# -- automatic HEAD and OPTIONS, 405 -----------------------------------------------


def test_automatic_head(fw: types.ModuleType) -> None:
    app = new_app(fw)
    calls: list[str] = []

    @app.route("/")
    def index() -> str:
        calls.append(request_of(fw).method)
        return "Hello"

    client = app.test_client()
    get = client.get("/")
    head = client.head("/")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == "5"
    assert calls == ["GET", "HEAD"]


def test_automatic_options(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "x", methods=["GET", "POST"])
    app.add_url_rule("/", "other", lambda: "y", methods=["PUT"])
    response = app.test_client().options("/")
    assert response.status_code == 200
    assert response.data == b""
    assert sorted(response.allow) == ["GET", "HEAD", "OPTIONS", "POST", "PUT"]


def test_options_handled_by_the_view(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.route("/", methods=["GET", "OPTIONS"])
    def index() -> str:
        return "own " + request_of(fw).method

    assert app.test_client().options("/").text == "own OPTIONS"


def test_provide_automatic_options_false(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "x", provide_automatic_options=False)
    response = app.test_client().options("/")
    assert response.status_code == 405
    assert sorted(response.allow) == ["GET", "HEAD"]


def test_provide_automatic_options_true_with_options_method(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw)
    app.add_url_rule(
        "/",
        "index",
        lambda: "view",
        methods=["GET", "OPTIONS"],
        provide_automatic_options=True,
    )
    response = app.test_client().options("/")
    assert response.data == b""
    assert sorted(response.allow) == ["GET", "HEAD", "OPTIONS"]


def test_provide_automatic_options_config(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.add_url_rule("/", "index", lambda: "x")
    app.add_url_rule("/forced", "forced", lambda: "x", provide_automatic_options=True)
    client = app.test_client()
    assert client.options("/").status_code == 405
    # As in Flask, an explicit True does not add OPTIONS to the rule's methods
    # when the config turned the automatic answer off.
    response = client.options("/forced")
    assert response.status_code == 405
    assert sorted(response.allow) == ["GET", "HEAD"]


def test_method_not_allowed(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "x", methods=["POST"])
    app.add_url_rule("/<int:n>", "num", lambda n: "x", methods=["PUT"])
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 405
    assert sorted(response.allow) == ["OPTIONS", "POST"]
    response = client.delete("/3")
    assert response.status_code == 405
    assert sorted(response.allow) == ["OPTIONS", "PUT"]
    head = client.head("/3")
    assert head.status_code == 405
    assert head.data == b""


# -- url_for -------------------------------------------------------------------------


def test_url_for_in_a_request(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.route("/item/<int:item_id>")
    def item(item_id: int) -> str:
        return ""

    with app.test_request_context("/"):
        assert fw.url_for("item", item_id=3) == "/item/3"
        assert fw.url_for("item", item_id=3, q="a b", x=[1, 2]) == (
            "/item/3?q=a+b&x=1&x=2"
        )
        assert fw.url_for("item", item_id=3, _external=True) == (
            "http://localhost/item/3"
        )
        assert fw.url_for("item", item_id=3, _scheme="https") == (
            "https://localhost/item/3"
        )
        assert fw.url_for("item", item_id=3, _scheme="https", _external=True) == (
            "https://localhost/item/3"
        )
        assert fw.url_for("item", item_id=3, _anchor="a b/c?d#e'f") == (
            "/item/3#a%20b/c?d#e'f"
        )
        assert fw.url_for("item", item_id=3, _anchor="\u00e9&%") == ("/item/3#%C3%A9&%")
        with pytest.raises(ValueError):
            fw.url_for("item", item_id=3, _scheme="https", _external=False)
        with pytest.raises(BuildError):
            fw.url_for("nowhere")
        with pytest.raises(BuildError):
            fw.url_for("item")


def test_url_for_scheme_message(app: Microframe, req_ctx: t.Any) -> None:
    app.add_url_rule("/", "index", lambda: "")
    with pytest.raises(ValueError, match=r"_scheme='https'.*_external=True"):
        url_for("index", _scheme="https", _external=False)


def test_url_for_method(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/read", "thing", methods=["GET"])
    app.add_url_rule("/write", "thing", methods=["POST"])
    with app.test_request_context():
        assert fw.url_for("thing") == "/read"
        assert fw.url_for("thing", _method="GET") == "/read"
        assert fw.url_for("thing", _method="POST") == "/write"
        with pytest.raises(BuildError):
            fw.url_for("thing", _method="DELETE")


def test_url_for_under_a_script_root(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/page", "page", lambda: fw.url_for("page", _external=True))
    response = app.test_client().get("/page", base_url="https://example.test/mount")
    assert response.text == "https://example.test/mount/page"


def test_url_for_relative_to_blueprint(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/")
    def index() -> str:
        return fw.url_for(".other")

    @bp.route("/other")
    def other() -> str:
        return fw.url_for(".index")

    @app.route("/")
    def app_index() -> str:
        return fw.url_for(".app_index") + " " + fw.url_for("bp.other")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/bp/").text == "/bp/other"
    assert client.get("/bp/other").text == "/bp/"
    assert client.get("/").text == "/ /bp/other"


def test_url_for_outside_a_request(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/page/<int:n>", "page")
    app.config.update(
        SERVER_NAME="example.test:8080",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    with app.app_context():
        assert fw.url_for("page", n=1) == "https://example.test:8080/app/page/1"
        assert fw.url_for("page", n=1, _external=False) == "/app/page/1"
        assert fw.url_for("page", n=1, _scheme="http") == (
            "http://example.test:8080/app/page/1"
        )
    assert app.url_for("page", n=2) == "https://example.test:8080/app/page/2"


def test_url_for_outside_a_request_needs_server_name(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index")
    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        fw.url_for("index")
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        app.url_for("index")


def test_url_for_outside_a_request_message_names_the_endpoint(
    app: Microframe,
) -> None:
    app.add_url_rule("/", "index")
    with pytest.raises(RuntimeError) as info:
        app.url_for("index")
    message = str(info.value)
    assert "'index'" in message
    assert "APPLICATION_ROOT" in message
    assert "test_request_context" in message


def test_url_for_without_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        url_for("index")


def test_url_defaults_and_value_preprocessor(fw: types.ModuleType) -> None:
    app = new_app(fw)
    seen: list[tuple[str | None, dict[str, t.Any] | None]] = []

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        seen.append((endpoint, dict(values or {})))
        fw.g.lang = values.pop("lang", None) if values else None

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = fw.g.lang

    @app.route("/<lang>/about")
    def about() -> str:
        return f"{fw.g.lang} {fw.url_for('about')} {fw.url_for('about', lang='de')}"

    @app.route("/plain")
    def plain() -> str:
        return fw.url_for("plain")

    client = app.test_client()
    assert client.get("/fr/about").text == "fr /fr/about /de/about"
    assert client.get("/plain").text == "/plain"
    assert seen == [("about", {"lang": "fr"}), ("plain", {})]


def test_blueprint_url_defaults_and_preprocessor_are_scoped(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("shop", __name__, url_prefix="/<shop>")

    @bp.url_value_preprocessor
    def pull_shop(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        fw.g.shop = values.pop("shop") if values else None

    @bp.url_defaults
    def add_shop(endpoint: str, values: dict[str, t.Any]) -> None:
        values.setdefault("shop", fw.g.get("shop"))

    @bp.route("/items")
    def items() -> str:
        return f"{fw.g.shop}: {fw.url_for('.items')}"

    @app.route("/")
    def index() -> str:
        return fw.url_for("shop.items", shop="outside") + str(fw.g.get("shop"))

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/acme/items").text == "acme: /acme/items"
    assert client.get("/").text == "/outside/itemsNone"


def test_url_build_error_handlers(fw: types.ModuleType) -> None:
    app = new_app(fw)
    calls: list[tuple[str, dict[str, t.Any]]] = []

    def reraise(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str:
        calls.append(("reraise", dict(values)))
        raise BuildError(endpoint, values, None)

    def declines(error: Exception, endpoint: str, values: dict[str, t.Any]) -> None:
        calls.append(("declines", dict(values)))

    def external(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str:
        calls.append(("external", dict(values)))
        return f"https://elsewhere.test/{endpoint}"

    app.url_build_error_handlers.extend([reraise, declines])
    with app.test_request_context():
        with pytest.raises(BuildError) as info:
            fw.url_for("unknown", x=1)
        assert info.value.endpoint == "unknown"
        app.url_build_error_handlers.append(external)
        assert fw.url_for("unknown", _anchor="a") == "https://elsewhere.test/unknown"
    expected_values = {
        "_anchor": "a",
        "_method": None,
        "_scheme": None,
        "_external": False,
    }
    assert calls[-1] == ("external", expected_values)
    assert calls[0] == ("reraise", {"x": 1, **expected_values, "_anchor": None})


def test_url_build_error_without_handlers_is_the_original(app: Microframe) -> None:
    with app.test_request_context(), pytest.raises(BuildError) as info:
        url_for("unknown")
    assert info.value.endpoint == "unknown"


# -- endpoints bound twice -------------------------------------------------------


def test_duplicate_endpoint_with_another_function(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.route("/a")
    def view() -> str:
        return "a"

    def other() -> str:
        return "b"

    with pytest.raises(AssertionError):
        app.add_url_rule("/b", "view", other)
    # The same function again is fine (several rules for one view).
    app.add_url_rule("/c", "view", view)
    assert app.test_client().get("/c").text == "a"


def test_duplicate_endpoint_message_names_both_functions(app: Microframe) -> None:
    @app.route("/a")
    def first() -> str:
        return "a"

    def second() -> str:
        return "b"

    with pytest.raises(AssertionError) as info:
        app.add_url_rule("/b", "first", second)
    message = str(info.value)
    assert "'first'" in message
    assert f"{__name__}.{first.__qualname__}" in message
    assert f"{__name__}.{second.__qualname__}" in message
    assert "endpoint=" in message
    # The refused rule was not added.
    assert [r.rule for r in app.url_map.iter_rules() if r.endpoint == "first"] == ["/a"]
    assert app.test_client().get("/b").status_code == 404


# -- notebook-style redefinition ------------------------------------------------------


def run_cell(app: Microframe, source: str, number: int = 1) -> dict[str, t.Any]:
    """Run ``source`` the way IPython runs a notebook cell in ``__main__``."""
    namespace: dict[str, t.Any] = {"__name__": "__main__", "app": app}
    exec(compile(source, f"<ipython-input-{number}>", "exec"), namespace)
    return namespace


def test_redefining_a_view_in_a_notebook_replaces_view_and_rule(
    app: Microframe, client: MicroframeClient
) -> None:
    run_cell(app, "@app.route('/hello')\ndef hello():\n    return 'one'\n", 1)
    assert client.get("/hello").text == "one"
    run_cell(app, "@app.route('/hi')\ndef hello():\n    return 'two'\n", 2)
    assert client.get("/hi").text == "two"
    assert client.get("/hello").status_code == 404
    assert [r.rule for r in app.url_map.iter_rules() if r.endpoint == "hello"] == [
        "/hi"
    ]
    run_cell(
        app,
        "@app.route('/hi', methods=['POST'])\ndef hello():\n    return 'three'\n",
        3,
    )
    assert client.post("/hi").text == "three"
    assert client.get("/hi").status_code == 405
    with app.test_request_context():
        assert url_for("hello") == "/hi"


def test_redefinition_keeps_other_rules_and_their_options(
    app: Microframe, client: MicroframeClient
) -> None:
    app.url_map.converters["list"] = ListConverter
    app.add_url_rule("/x//y", "kept", lambda: "kept", merge_slashes=False)
    app.add_url_rule("/l/<list:v>", "listed", lambda v: "|".join(v))
    app.add_url_rule("/old", "old", redirect_to="/l/a,b", methods=["GET"])
    run_cell(app, "@app.route('/v')\ndef v():\n    return 'one'\n")
    run_cell(app, "@app.route('/v2')\n@app.route('/v')\ndef v():\n    return 'two'\n")
    assert client.get("/x//y").text == "kept"
    assert client.get("/l/p,q").text == "p|q"
    assert client.get("/old", follow_redirects=True).text == "a|b"
    assert client.get("/v").text == client.get("/v2").text == "two"
    assert client.options("/v").allow


def test_redefinition_in_a_real_module_is_an_error(
    app: Microframe, tmp_path: t.Any
) -> None:
    script = tmp_path / "script.py"
    script.write_text("@app.route('/hello')\ndef hello():\n    return 'one'\n")
    code = compile(script.read_text(), str(script), "exec")
    exec(code, {"__name__": "__main__", "app": app})
    assert not hasattr(sys, "ps1")  # not an interactive interpreter
    with pytest.raises(AssertionError, match="'hello'"):
        exec(code, {"__name__": "__main__", "app": app})
    assert app.test_client().get("/hello").text == "one"


def test_redefinition_by_a_module_function_is_an_error(app: Microframe) -> None:
    run_cell(app, "@app.route('/a')\ndef page():\n    return '1'\n")

    def page() -> str:
        return "2"

    with pytest.raises(AssertionError, match="'page'"):
        app.add_url_rule("/b", "page", page)


def test_redefinition_of_a_differently_named_function_is_an_error(
    app: Microframe,
) -> None:
    run_cell(app, "@app.route('/a', endpoint='shared')\ndef one():\n    return '1'\n")
    with pytest.raises(AssertionError, match="'shared'"):
        run_cell(
            app, "@app.route('/b', endpoint='shared')\ndef two():\n    return '2'\n"
        )


def test_malformed_redefinition_keeps_the_old_rule(
    app: Microframe, client: MicroframeClient
) -> None:
    run_cell(app, "@app.route('/ok')\ndef page():\n    return 'ok'\n")
    with pytest.raises(ValueError):
        run_cell(app, "@app.route('/bad/<')\ndef page():\n    return 'bad'\n")
    assert client.get("/ok").text == "ok"


# -- changes while serving --------------------------------------------------------


def test_routes_added_after_requests_are_served(
    app: Microframe, client: MicroframeClient
) -> None:
    @app.route("/things/<name>")
    def thing(name: str) -> str:
        return f"thing {name}"

    assert client.get("/things/new").text == "thing new"
    assert client.get("/later").status_code == 404
    app.add_url_rule("/later", "later", lambda: "later")
    app.add_url_rule("/things/new", "new_thing", lambda: "the new-thing form")
    assert client.get("/later").text == "later"
    assert client.get("/things/new").text == "the new-thing form"
    assert client.get("/things/other").text == "thing other"
    bp = Blueprint("late", __name__, url_prefix="/late")
    bp.add_url_rule("/", "index", lambda: "late blueprint")
    app.register_blueprint(bp)
    assert client.get("/late/").text == "late blueprint"

    @app.before_request
    def hook() -> None:
        g.hooked = True

    @app.after_request
    def tag(response: t.Any) -> t.Any:
        response.headers["X-Late"] = str(g.hooked)
        return response

    assert client.get("/later").headers["X-Late"] == "True"


def test_converter_registered_later_is_used_by_new_rules(
    app: Microframe, client: MicroframeClient
) -> None:
    app.add_url_rule("/", "index", lambda: "index")
    assert client.get("/").text == "index"
    app.url_map.converters["list"] = ListConverter
    app.add_url_rule("/l/<list:v>", "listed", lambda v: repr(v))
    assert client.get("/l/a,b").text == "['a', 'b']"


def test_requests_during_rule_changes_see_a_whole_map(app: Microframe) -> None:
    # Readers keep matching routes that exist before and after every change
    # while another thread adds rules next to them and redefines a view.
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/items/<int:n>", "item", lambda n: f"item {n}")
    app.add_url_rule("/dir/", "dir", lambda: "dir")
    run_cell(app, "@app.route('/version')\ndef version():\n    return 'v0'\n")
    stop = threading.Event()
    bad: list[str] = []

    def reader() -> None:
        client = app.test_client()
        while not stop.is_set():
            for path in ("/", "/items/7", "/version", "/dir"):
                try:
                    response = client.get(path)
                except Exception as e:  # pragma: no cover -- reported below
                    bad.append(f"{path}: {e!r}")
                    continue
                expected = 308 if path == "/dir" else 200
                if response.status_code != expected:  # pragma: no cover
                    bad.append(f"{path}: {response.status_code}")

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for i in range(25):
            app.add_url_rule(f"/added/{i}", f"added_{i}", lambda i=i: f"a{i}")
            app.add_url_rule(f"/items/<int:n>-{i}", f"item_{i}", lambda n: "x")
            app.add_url_rule(f"/items/<int:n>/x{i}/", f"item_x{i}", lambda n: "x")
            run_cell(
                app, f"@app.route('/version')\ndef version():\n    return 'v{i}'\n"
            )
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert bad == []
    assert app.test_client().get("/added/24").text == "a24"


def test_index_built_by_the_first_question_asked() -> None:
    from microframe.routing import Map as IndexedMap

    for ask in ("certainly_missing", "match_path", "match_dynamic"):
        url_map = IndexedMap(
            [Rule("/a", endpoint="a"), Rule("/b/<int:n>", endpoint="b")]
        )
        getattr(url_map, ask)("/c", "GET") if ask != "certainly_missing" else (
            url_map.certainly_missing("/c")
        )
        assert url_map.certainly_missing("/c")
        assert not url_map.certainly_missing("/b/x")
        assert url_map.match_path("/a", "GET") is not None
        assert url_map.match_path("/b/3", "GET") is not None
        rule, args = url_map.match_dynamic("/b/2", "GET")  # type: ignore[misc]
        assert (rule.endpoint, args) == ("b", {"n": 2})
        assert url_map.match_dynamic("b/2", "GET") is None  # not a request path


def test_walk_with_subdomain_rules_in_the_map() -> None:
    from microframe.routing import Map as IndexedMap

    # A dynamic subdomain branches off the root state; the walk starts there.
    url_map = IndexedMap(
        [Rule("/a/<int:n>", endpoint="a"), Rule("/b", endpoint="b", subdomain="<s>")]
    )
    rule, args = url_map.match_dynamic("/a/3", "GET")  # type: ignore[misc]
    assert (rule.endpoint, args) == ("a", {"n": 3})
    # No rule for the default subdomain at all.
    only_api = IndexedMap([Rule("/a/<int:n>", endpoint="a", subdomain="api")])
    assert only_api.match_dynamic("/a/3", "GET") is None
    assert not only_api.certainly_missing("/a/3")


def test_many_hosts_still_match(app: Microframe) -> None:
    # Bound adapters are cached per host; many hosts must not change answers.
    app.add_url_rule("/dir/", "dir", lambda: request.host)
    client = app.test_client()
    for i in range(80):
        host = f"h{i}.test"
        response = client.get("/dir", base_url=f"http://{host}")
        assert response.location == f"http://{host}/dir/"
        assert client.get("/dir/", base_url=f"http://{host}").text == host


# -- the shortcuts answer like werkzeug and Flask ----------------------------------

RuleSpec = tuple[str, dict[str, t.Any]]


class EvenConverter(BaseConverter):
    regex = r"\d+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            from werkzeug.routing import ValidationError

            raise ValidationError()
        return number


# Each set: (rules registered first, rules added after the first requests).
RULE_SETS: dict[str, tuple[list[RuleSpec], list[RuleSpec]]] = {
    "static-vs-dynamic-same-path": (
        [
            ("/items/new", {}),
            ("/items/<name>", {}),
            ("/items/<int:n>", {"methods": ["GET", "DELETE"]}),
            ("/<section>/new", {"methods": ["POST"]}),
        ],
        [("/items/special", {}), ("/items/<int:n>/", {})],
    ),
    "method-restricted-static-and-catch-all": (
        [
            ("/api/thing", {"methods": ["POST"]}),
            ("/api/other", {"methods": ["PUT", "DELETE"]}),
            ("/<path:anything>", {"methods": ["GET", "POST"]}),
            ("/", {}),
        ],
        [("/api/thing", {"methods": ["GET"], "endpoint": "thing_get"})],
    ),
    "defaults-redirects": (
        [
            ("/blog/", {"endpoint": "blog", "defaults": {"page": 1}}),
            ("/blog/<int:page>", {"endpoint": "blog"}),
            ("/blog/", {"endpoint": "blog_post", "methods": ["POST"]}),
            ("/docs", {"endpoint": "docs", "defaults": {"v": "latest"}}),
            ("/docs/<v>", {"endpoint": "docs"}),
        ],
        [("/blog/", {"endpoint": "blog_put", "methods": ["PUT"]})],
    ),
    "alias": (
        [
            ("/users", {"endpoint": "users", "alias": True}),
            ("/people", {"endpoint": "users"}),
            ("/u/<int:n>", {"endpoint": "user", "alias": True}),
            ("/user/<int:n>", {"endpoint": "user"}),
        ],
        [("/users", {"endpoint": "users_post", "methods": ["POST"]})],
    ),
    "redirect-to": (
        [
            ("/old", {"redirect_to": "/new"}),
            ("/new", {}),
            ("/old", {"endpoint": "shadowed"}),
            ("/o/<int:n>", {"redirect_to": "/n/<n>"}),
            ("/n/<int:n>", {}),
            ("/f/<int:n>", {"redirect_to": lambda adapter, n: f"/n/{n * 2}"}),
        ],
        [("/new", {"endpoint": "new_post", "methods": ["POST"]})],
    ),
    "slashes-and-converters": (
        [
            ("/dir/", {}),
            ("/file", {}),
            ("/loose/", {"strict_slashes": False}),
            ("/<name>/", {}),
            ("/a//b", {}),
            ("/c//d", {"merge_slashes": False}),
            ("/even/<even:n>", {}),
            ("/even/<word>", {}),
            ("/f/<float:x>", {}),
            ("/p/<path:rest>/end", {}),
            ("/s/<path:rest>/", {}),
            ("/u/<uuid:u>", {}),
            ("/any/<any(red, blue):c>", {}),
            ("/m/" + "-".join(f"<int:a{i}>" for i in range(12)), {}),
            ("/build-only", {"build_only": True}),
        ],
        [("/file/", {"endpoint": "file_dir"}), ("/dir", {"endpoint": "dir_file"})],
    ),
}

HOST_RULE_SETS: dict[str, tuple[list[RuleSpec], list[RuleSpec]]] = {
    "hosts": (
        [
            ("/", {"host": "a.test"}),
            ("/", {"host": "b.test", "endpoint": "b_root"}),
            ("/x", {"host": "<sub>.c.test"}),
            ("/dir/", {"host": "a.test"}),
            ("/<int:n>", {"host": "b.test"}),
        ],
        [("/late", {"host": "a.test"})],
    ),
}

SUBDOMAIN_RULE_SETS: dict[str, tuple[list[RuleSpec], list[RuleSpec]]] = {
    "subdomains": (
        [
            ("/", {}),
            ("/", {"subdomain": "api", "endpoint": "api_root"}),
            ("/me", {"subdomain": "<user>"}),
            ("/dir/", {"subdomain": "api"}),
            ("/items/<int:n>", {}),
        ],
        [("/late", {"subdomain": "api"})],
    ),
}

HOSTS = {
    "plain": ["localhost"],
    "hosts": ["a.test", "b.test", "x.c.test", "c.test"],
    "subdomains": ["example.test", "api.example.test", "ada.example.test"],
}

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]

SEGMENTS = [
    "",
    "items",
    "new",
    "special",
    "7",
    "0",
    "-2",
    "2.5",
    "api",
    "thing",
    "other",
    "blog",
    "1",
    "2",
    "docs",
    "latest",
    "users",
    "people",
    "u",
    "user",
    "old",
    "o",
    "n",
    "f",
    "dir",
    "file",
    "loose",
    "a",
    "b",
    "c",
    "d",
    "even",
    "word",
    "p",
    "s",
    "end",
    "any",
    "red",
    "x",
    "me",
    "late",
    "build-only",
    str(uuid.UUID(int=5)),
    "caf\u00e9",
]


def _endpoint(index: int, rule: str, options: dict[str, t.Any]) -> str:
    return str(options.get("endpoint", f"e{index}"))


def _view(endpoint: str) -> t.Callable[..., str]:
    def view(**kwargs: t.Any) -> str:
        return f"{endpoint} {sorted(kwargs.items())!r}"

    view.__name__ = endpoint
    return view


def _add_rules(
    apps: list[t.Any], url_map: Map, specs: list[RuleSpec], start: int
) -> None:
    for offset, (rule, spec) in enumerate(specs):
        options = dict(spec)
        endpoint = _endpoint(start + offset, rule, options)
        options.pop("endpoint", None)
        for app in apps:
            view = app.view_functions.get(endpoint) or _view(endpoint)
            app.add_url_rule(rule, endpoint, view, **options)
        methods = set(options.pop("methods", None) or ["GET"])
        if "OPTIONS" not in methods:
            methods.add("OPTIONS")
        url_map.add(Rule(rule, endpoint=endpoint, methods=methods, **options))


def _paths(specs: list[RuleSpec], seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = {"/", "//items/7", "/items//7", "/items/7/", "/a//b", "/c//d", "/c/d"}
    out.update(("/m/" + "-".join(str(i) for i in range(12)), "/even/3", "/even/x"))
    for rule, _ in specs:
        concrete = rule
        for name, value in (
            ("<int:n>", "3"),
            ("<int:page>", "1"),
            ("<float:x>", "1.5"),
            ("<even:n>", "4"),
            ("<path:rest>", "q/r"),
            ("<uuid:u>", str(uuid.UUID(int=5))),
            ("<any(red, blue):c>", "red"),
        ):
            concrete = concrete.replace(name, value)
        while "<" in concrete:
            start = concrete.index("<")
            concrete = concrete[:start] + "w" + concrete[concrete.index(">") + 1 :]
        out.update({concrete, concrete.rstrip("/"), concrete + "/"})
    for _ in range(count):
        depth = rng.randint(1, 4)
        out.add("/" + "/".join(rng.choice(SEGMENTS) for _ in range(depth)))
    return sorted(out)


def _probe(app: t.Any, rq: t.Any) -> None:
    # Answer every request with what routing decided, before the view runs.
    @app.before_request
    def report() -> tuple[str, dict[str, str]]:
        exc = rq.routing_exception
        if isinstance(exc, RequestRedirect):
            answer = repr(("redirect", exc.new_url))
        elif isinstance(exc, MethodNotAllowed):
            answer = repr(("error", 405, sorted(exc.valid_methods or ())))
        elif exc is not None:
            answer = repr(("error", exc.code, []))
        else:
            rule = rq.url_rule
            args = sorted(rq.view_args.items())
            answer = repr(("match", rule.rule, rule.endpoint, args))
        return "", {"X-Route": answer.encode("unicode-escape").decode()}


def _werkzeug_answer(url_map: Map, environ: dict[str, t.Any], **bind: t.Any) -> str:
    adapter = url_map.bind_to_environ(environ, **bind)
    try:
        rule, args = adapter.match(return_rule=True)
    except RequestRedirect as e:
        return repr(("redirect", e.new_url))
    except MethodNotAllowed as e:
        return repr(("error", 405, sorted(e.valid_methods or ())))
    except HTTPException as e:
        return repr(("error", e.code, []))
    answer = repr(("match", rule.rule, rule.endpoint, sorted(args.items())))
    return answer


def _answer(response: t.Any) -> tuple[t.Any, ...]:
    headers = [
        (name, ", ".join(sorted(value.split(", "))) if name == "Allow" else value)
        for name, value in response.headers.to_wsgi_list()
    ]
    data = response.get_data()
    response.close()
    return response.status, headers, data


ALL_SETS = [
    *((name, "plain") for name in RULE_SETS),
    *((name, "hosts") for name in HOST_RULE_SETS),
    *((name, "subdomains") for name in SUBDOMAIN_RULE_SETS),
]


@pytest.mark.parametrize(("name", "kind"), ALL_SETS, ids=[name for name, _ in ALL_SETS])
def test_shortcuts_answer_like_werkzeug_and_flask(name: str, kind: str) -> None:
    sets = {
        "plain": RULE_SETS,
        "hosts": HOST_RULE_SETS,
        "subdomains": SUBDOMAIN_RULE_SETS,
    }
    first, later = sets[kind][name]
    app_kwargs: dict[str, t.Any] = {"static_folder": None}
    bind: dict[str, t.Any] = {}
    config: dict[str, t.Any] = {}
    url_map = Map(host_matching=kind == "hosts")
    url_map.converters["even"] = EvenConverter
    if kind == "hosts":
        app_kwargs["host_matching"] = True
    elif kind == "subdomains":
        app_kwargs["subdomain_matching"] = True
        config["SERVER_NAME"] = "example.test"
        bind["server_name"] = "example.test"
    else:
        bind["subdomain"] = ""
    apps: dict[str, t.Any] = {}
    probes: dict[str, t.Any] = {}
    for fw_name, cls, rq in (
        ("microframe", Microframe, microframe.request),
        ("flask", flask.Flask, flask.request),
    ):
        for role, target in (("app", apps), ("probe", probes)):
            app = cls(f"{role}_{fw_name}", **app_kwargs)
            app.url_map.converters["even"] = EvenConverter
            app.config.update(config)
            if role == "probe":
                _probe(app, rq)
            target[fw_name] = app
    everything = [*apps.values(), *probes.values()]
    _add_rules(everything, url_map, first, 0)
    checked = 0
    for stage in (0, 1):
        if stage:
            for app in (apps["flask"], probes["flask"]):
                app._got_first_request = False  # Flask refuses late rules
            _add_rules(everything, url_map, later, len(first))
        count = 120 // len(HOSTS[kind])
        paths = _paths(first + later, seed=len(name) + stage, count=count)
        clients = {key: app.test_client() for key, app in apps.items()}
        probe_clients = {key: app.test_client() for key, app in probes.items()}
        for path, method, host in itertools.product(paths, METHODS, HOSTS[kind]):
            base_url = f"http://{host}"
            environ = EnvironBuilder(
                path=path, method=method, base_url=base_url
            ).get_environ()
            expected = _werkzeug_answer(url_map, environ, **bind)
            expected = expected.encode("unicode-escape").decode()
            for key, client in probe_clients.items():
                got = client.open(path, method=method, base_url=base_url)
                assert got.headers["X-Route"] == expected, (key, path, method, host)
            answers = {
                key: _answer(client.open(path, method=method, base_url=base_url))
                for key, client in clients.items()
            }
            assert answers["microframe"] == answers["flask"], (path, method, host)
            checked += 1
    assert checked > 500
