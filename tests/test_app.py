"""Tests for microframe.app: view return values, hooks, errors, config and overrides.

Tests taking the ``fw`` fixture run the same code on microframe and on Flask
and expect the same outcome.
"""

from __future__ import annotations

import gc
import logging
import os
import types
import typing as t

import flask
import pytest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    Forbidden,
    HTTPException,
    InternalServerError,
    NotFound,
)
from werkzeug.routing import MapAdapter
from werkzeug.wrappers import Response as WerkzeugResponse

import microframe
from microframe import Blueprint, Microframe, Request, Response, request
from microframe.testing import MicroframeClient

TESTS = os.path.dirname(__file__)


@pytest.fixture(params=[microframe, flask], ids=["microframe", "flask"])
def fw(request: pytest.FixtureRequest) -> types.ModuleType:
    """The microframe package, then the flask package."""
    return t.cast(types.ModuleType, request.param)


def new_app(fw: types.ModuleType, cls: type[t.Any] | None = None, **kw: t.Any) -> t.Any:
    """A testing app rooted in the tests folder, on the framework ``fw``."""
    if cls is None:
        cls = fw.Microframe if fw is microframe else fw.Flask
    kw.setdefault("root_path", TESTS)
    app = cls("app_tests", **kw)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


# -- what a view may return -------------------------------------------------------


def wsgi_app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    start_response("203 NON-AUTHORITATIVE INFORMATION", [("X-Wsgi", "yes")])
    return [b"from wsgi"]


RETURN_VALUES: dict[str, tuple[t.Callable[[], t.Any], int, bytes, dict[str, str]]] = {
    "str": (lambda: "text \u00e9", 200, "text \u00e9".encode(), {}),
    "bytes": (lambda: b"\x00raw", 200, b"\x00raw", {}),
    "bytearray": (lambda: bytearray(b"ba"), 200, b"ba", {}),
    "dict": (lambda: {"a": 1}, 200, b'{"a":1}\n', {}),
    "list": (lambda: [1, "x"], 200, b'[1,"x"]\n', {}),
    "generator": (lambda: (part for part in ("a", "b")), 200, b"ab", {}),
    "iterator": (lambda: iter([b"i", b"t"]), 200, b"it", {}),
    "response": (lambda: Response("resp", 201), 201, b"resp", {}),
    "werkzeug-response": (
        lambda: WerkzeugResponse("wz", 202, {"X-Wz": "1"}),
        202,
        b"wz",
        {"X-Wz": "1"},
    ),
    "wsgi-callable": (lambda: wsgi_app, 203, b"from wsgi", {"X-Wsgi": "yes"}),
    "http-exception": (lambda: Forbidden(), 403, b"Forbidden", {}),
    "body-status": (lambda: ("made", 201), 201, b"made", {}),
    "body-status-string": (lambda: ("tea", "418 I'M A TEAPOT"), 418, b"tea", {}),
    "body-status-custom-reason": (lambda: ("ok", "299 FINE"), 299, b"ok", {}),
    "body-headers-dict": (lambda: ("h", {"X-A": "1"}), 200, b"h", {"X-A": "1"}),
    "body-headers-list": (lambda: ("h", [("X-A", "2")]), 200, b"h", {"X-A": "2"}),
    "body-headers-tuple": (lambda: ("h", (("X-A", "3"),)), 200, b"h", {"X-A": "3"}),
    "body-headers-object": (
        lambda: ("h", Headers({"X-A": "4"})),
        200,
        b"h",
        {"X-A": "4"},
    ),
    "body-status-headers": (
        lambda: ("all", 202, {"X-A": "5"}),
        202,
        b"all",
        {"X-A": "5"},
    ),
    "dict-status-headers": (
        lambda: ({"j": True}, 400, [("X-A", "6")]),
        400,
        b'{"j":true}\n',
        {"X-A": "6", "Content-Type": "application/json"},
    ),
    "response-status-headers": (
        lambda: (Response("r"), 404, {"X-A": "7"}),
        404,
        b"r",
        {"X-A": "7"},
    ),
    "wsgi-status": (lambda: (wsgi_app, 200), 200, b"from wsgi", {"X-Wsgi": "yes"}),
    "response-status-string": (
        lambda: (Response("r"), "201 MADE"),
        201,
        b"r",
        {},
    ),
    "empty-str": (lambda: "", 200, b"", {}),
}


@pytest.mark.parametrize("kind", sorted(RETURN_VALUES))
def test_view_return_values(fw: types.ModuleType, kind: str) -> None:
    app = new_app(fw)
    view, status, body, headers = RETURN_VALUES[kind]
    app.add_url_rule("/", "index", view)
    response = app.test_client().get("/")
    assert response.status_code == status
    if kind == "http-exception":
        assert body in response.data  # werkzeug's error page
    else:
        assert response.data == body
    for name, value in headers.items():
        assert response.headers[name] == value
    response.close()


def test_status_string_sets_the_whole_status_line(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: ("ok", "299 FINE"))
    assert app.test_client().get("/").status == "299 FINE"


def test_head_of_every_return_form_has_no_body(fw: types.ModuleType) -> None:
    app = new_app(fw)
    for i, kind in enumerate(sorted(RETURN_VALUES)):
        app.add_url_rule(f"/{i}", kind, RETURN_VALUES[kind][0])
    client = app.test_client()
    for i in range(len(RETURN_VALUES)):
        assert client.head(f"/{i}").data == b""


def test_view_returning_none(app: Microframe, client: MicroframeClient) -> None:
    @app.route("/", endpoint="home")
    def forgot() -> None:
        pass

    with pytest.raises(TypeError) as info:
        client.get("/")
    message = str(info.value)
    assert "returned None" in message
    assert f"{__name__}.{forgot.__qualname__}" in message
    assert "'home'" in message


@pytest.mark.parametrize("value", [(), ("a",), ("a", 200, {}, "extra")])
def test_view_returning_a_bad_tuple(
    app: Microframe, client: MicroframeClient, value: tuple[t.Any, ...]
) -> None:
    app.add_url_rule("/", "tupled", lambda: value)
    with pytest.raises(TypeError) as info:
        client.get("/")
    message = str(info.value)
    assert f"tuple of {len(value)} items" in message
    assert "'tupled'" in message
    assert "(body, status, headers)" in message


@pytest.mark.parametrize("value", [42, 1.5, object(), None])
def test_view_returning_an_unsupported_type(fw: types.ModuleType, value: t.Any) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: value)
    with pytest.raises(TypeError):
        app.test_client().get("/")


def test_unsupported_type_message(app: Microframe, client: MicroframeClient) -> None:
    @app.route("/number")
    def number() -> int:
        return 42

    with pytest.raises(TypeError) as info:
        client.get("/number")
    message = str(info.value)
    assert "'int'" in message
    assert f"{__name__}.{number.__qualname__}" in message
    assert "(endpoint 'number')" in message


def test_make_response_outside_a_request_names_no_view(app_ctx: t.Any) -> None:
    with pytest.raises(TypeError, match="The view for endpoint None returned None"):
        app_ctx.app.make_response(None)


def test_callable_that_is_not_wsgi(app: Microframe, client: MicroframeClient) -> None:
    @app.route("/")
    def index() -> t.Any:
        return lambda: "not a WSGI app"

    with pytest.raises(TypeError) as info:
        client.get("/")
    message = str(info.value)
    assert "not a valid response" in message
    assert "'index'" in message


def test_tuple_status_overrides_response_status(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: (fw.Response("x", 500), 202, {"X-B": "b"}))
    response = app.test_client().get("/")
    assert response.status_code == 202
    assert response.headers["X-B"] == "b"


def test_headers_extend_not_replace(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule(
        "/",
        "index",
        lambda: (fw.Response("x", headers={"X-Many": "1"}), {"X-Many": "2"}),
    )
    response = app.test_client().get("/")
    # Headers.update replaces the values of keys given.
    assert response.headers.getlist("X-Many") == ["2"]


def test_make_response_helper(fw: types.ModuleType) -> None:
    app = new_app(fw)
    with app.test_request_context():
        empty = fw.make_response()
        assert isinstance(empty, app.response_class)
        assert empty.data == b""
        response = fw.make_response("body", 404, {"X-H": "1"})
        assert (response.status_code, response.headers["X-H"]) == (404, "1")
        assert fw.make_response(("x", 201)).status_code == 201
        assert app.make_response({"a": 1}).json == {"a": 1}


# -- hooks ----------------------------------------------------------------------------


def test_hook_order(fw: types.ModuleType) -> None:
    app = new_app(fw)
    order: list[str] = []
    bp = fw.Blueprint("bp", __name__)

    @app.url_value_preprocessor
    def app_uvp(endpoint: str | None, values: t.Any) -> None:
        order.append("app url_value_preprocessor")

    @bp.url_value_preprocessor
    def bp_uvp(endpoint: str | None, values: t.Any) -> None:
        order.append("bp url_value_preprocessor")

    for scope, owner in (("app", app), ("bp", bp)):
        for n in (1, 2):

            def before(scope: str = scope, n: int = n) -> None:
                order.append(f"{scope} before {n}")

            def after(response: t.Any, scope: str = scope, n: int = n) -> t.Any:
                order.append(f"{scope} after {n}")
                return response

            def teardown(exc: t.Any, scope: str = scope, n: int = n) -> None:
                order.append(f"{scope} teardown {n}")

            owner.before_request(before)
            owner.after_request(after)
            owner.teardown_request(teardown)

    @app.teardown_appcontext
    def app_teardown(exc: t.Any) -> None:
        order.append("appcontext teardown")

    @bp.route("/")
    def index() -> str:
        order.append("view")

        @fw.after_this_request
        def this(response: t.Any) -> t.Any:
            order.append("after_this_request")
            return response

        return "x"

    app.register_blueprint(bp)
    app.test_client().get("/")
    assert order == [
        "app url_value_preprocessor",
        "bp url_value_preprocessor",
        "app before 1",
        "app before 2",
        "bp before 1",
        "bp before 2",
        "view",
        "after_this_request",
        "bp after 2",
        "bp after 1",
        "app after 2",
        "app after 1",
        "bp teardown 2",
        "bp teardown 1",
        "app teardown 2",
        "app teardown 1",
        "appcontext teardown",
    ]


def test_before_request_short_circuits(fw: types.ModuleType) -> None:
    app = new_app(fw)
    calls: list[str] = []

    @app.before_request
    def first() -> t.Any:
        calls.append("first")
        if fw.request.args.get("stop"):
            return "stopped", 401
        return None

    @app.before_request
    def second() -> None:
        calls.append("second")

    @app.after_request
    def after(response: t.Any) -> t.Any:
        calls.append(f"after {response.status_code}")
        return response

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return "view"

    client = app.test_client()
    response = client.get("/?stop=1")
    assert (response.status_code, response.text) == (401, "stopped")
    assert calls == ["first", "after 401"]
    calls.clear()
    assert client.get("/").text == "view"
    assert calls == ["first", "second", "view", "after 200"]


def test_before_request_runs_for_routing_errors(fw: types.ModuleType) -> None:
    app = new_app(fw)
    seen: list[t.Any] = []

    @app.before_request
    def before() -> None:
        seen.append(type(fw.request.routing_exception).__name__)

    client = app.test_client()
    client.get("/nowhere")
    assert seen == ["NotFound"]


def test_after_request_may_replace_the_response(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.after_request
    def replace(response: t.Any) -> t.Any:
        return fw.Response(f"replaced {response.status_code}", 299)

    app.add_url_rule("/", "index", lambda: "original")
    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (299, "replaced 200")
    assert app.test_client().get("/missing").text == "replaced 404"


def test_after_this_request_outside_a_request(fw: types.ModuleType) -> None:
    with pytest.raises(RuntimeError):
        fw.after_this_request(lambda response: response)


def test_teardown_receives_the_exception(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list[tuple[str, t.Any]] = []

    @app.teardown_request
    def teardown_request(exc: BaseException | None) -> None:
        seen.append(("request", exc))

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        seen.append(("app", exc))

    error = ZeroDivisionError("boom")

    @app.route("/fail")
    def fail() -> str:
        raise error

    app.add_url_rule("/ok", "ok", lambda: "ok")
    client = app.test_client()
    assert client.get("/fail").status_code == 500
    assert seen == [("request", error), ("app", error)]
    seen.clear()
    client.get("/ok")
    assert seen == [("request", None), ("app", None)]


def test_teardown_sees_handled_exceptions_as_none(fw: types.ModuleType) -> None:
    app = new_app(fw)
    seen: list[t.Any] = []
    app.teardown_request(seen.append)
    app.register_error_handler(KeyError, lambda e: ("handled", 400))

    @app.route("/")
    def index() -> str:
        raise KeyError("k")

    assert app.test_client().get("/").status_code == 400
    assert seen == [None]


def test_teardown_runs_when_testing_reraises(fw: types.ModuleType) -> None:
    app = new_app(fw)
    seen: list[t.Any] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)

    @app.route("/")
    def index() -> str:
        raise LookupError("propagated")

    with pytest.raises(LookupError, match="propagated"):
        app.test_client().get("/")
    assert [type(exc) for exc in seen] == [LookupError, LookupError]


def test_after_request_not_run_for_unhandled_errors_but_teardown_is(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    calls: list[str] = []

    @app.after_request
    def after(response: t.Any) -> t.Any:
        calls.append(f"after {response.status_code}")
        return response

    @app.route("/")
    def index() -> str:
        raise RuntimeError()

    assert app.test_client().get("/").status_code == 500
    # The 500 response goes through after_request (Flask finalizes it).
    assert calls == ["after 500"]


def test_failing_after_request_is_an_unhandled_error(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    calls: list[str] = []

    @app.after_request
    def broken(response: t.Any) -> t.Any:
        calls.append(str(response.status_code))
        if response.status_code == 200:
            raise ValueError("after failed")
        return response

    app.add_url_rule("/", "index", lambda: "fine")
    assert app.test_client().get("/").status_code == 500
    assert calls == ["200", "500"]


def test_failing_after_request_on_error_response_is_logged(
    fw: types.ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    app = new_app(fw)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.after_request
    def broken(response: t.Any) -> t.Any:
        raise ValueError("after failed")

    @app.route("/")
    def index() -> str:
        raise RuntimeError("view failed")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/")
    assert response.status_code == 500
    messages = [record.getMessage() for record in caplog.records]
    assert "Exception on / [GET]" in messages
    assert any("while handling an error" in message for message in messages)


# -- error handlers ----------------------------------------------------------------


class ParentError(Exception):
    pass


class ChildError(ParentError):
    pass


class GrandchildError(ChildError):
    pass


def test_error_handler_by_code_and_class(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        return f"404 handler: {type(e).__name__}", 404

    @app.errorhandler(Forbidden)
    def forbidden(e: HTTPException) -> tuple[str, int]:
        return f"403 handler: {e.description}", 403

    @app.route("/forbid")
    def forbid() -> t.NoReturn:
        fw.abort(403, "go away")

    client = app.test_client()
    assert client.get("/missing").text == "404 handler: NotFound"
    assert client.get("/forbid").text == "403 handler: go away"


def test_nearest_class_in_the_mro_wins(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.register_error_handler(ParentError, lambda e: "parent")
    app.register_error_handler(ChildError, lambda e: "child")
    app.register_error_handler(Exception, lambda e: "exception")

    def raiser(exc: type[Exception]) -> t.Callable[[], str]:
        def view() -> str:
            raise exc()

        return view

    for exc in (ParentError, ChildError, GrandchildError, ValueError):
        app.add_url_rule(f"/{exc.__name__}", exc.__name__, raiser(exc))
    client = app.test_client()
    assert client.get("/ParentError").text == "parent"
    assert client.get("/ChildError").text == "child"
    assert client.get("/GrandchildError").text == "child"
    assert client.get("/ValueError").text == "exception"


def test_http_exception_handler_for_a_base_class(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.register_error_handler(HTTPException, lambda e: (f"http {e.code}", e.code))
    app.add_url_rule("/dir/", "dir", lambda: "dir")

    @app.route("/forbid")
    def forbid() -> t.NoReturn:
        fw.abort(403)

    client = app.test_client()
    assert client.get("/missing").text == "http 404"
    assert client.get("/forbid").text == "http 403"
    # Routing redirects are not errors for handlers.
    assert client.get("/dir").status_code == 308


def test_blueprint_error_handlers_are_scoped(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")
    bp.register_error_handler(ParentError, lambda e: ("bp parent", 400))
    app.register_error_handler(ParentError, lambda e: ("app parent", 400))
    app.register_error_handler(ChildError, lambda e: ("app child", 400))

    @bp.route("/child")
    def bp_child() -> str:
        raise ChildError()

    @bp.route("/value")
    def bp_value() -> str:
        raise ValueError()

    @app.route("/child")
    def app_child() -> str:
        raise ChildError()

    app.register_error_handler(ValueError, lambda e: ("app value", 400))
    app.register_blueprint(bp)
    client = app.test_client()
    # A blueprint handler for the parent class beats the app's for the child.
    assert client.get("/bp/child").text == "bp parent"
    assert client.get("/bp/value").text == "app value"
    assert client.get("/child").text == "app child"


def test_error_handler_registration_errors(fw: types.ModuleType) -> None:
    app = new_app(fw)
    with pytest.raises(ValueError):
        app.register_error_handler(999, lambda e: "x")
    with pytest.raises(TypeError):
        app.register_error_handler(NotFound(), lambda e: "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        app.register_error_handler(str, lambda e: "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        app.errorhandler(BaseException)  # decorator form checks when applied
        app.register_error_handler(BaseException, lambda e: "x")  # type: ignore[arg-type]


def test_error_handler_registration_messages(app: Microframe) -> None:
    with pytest.raises(ValueError) as info:
        app.register_error_handler(999, lambda e: "x")
    assert "999" in str(info.value)
    assert "HTTPException" in str(info.value)
    with pytest.raises(TypeError) as type_info:
        app.register_error_handler(NotFound(), lambda e: "x")  # type: ignore[arg-type]
    assert "instance" in str(type_info.value)
    assert "NotFound" in str(type_info.value)


def test_handler_for_custom_http_exception(fw: types.ModuleType) -> None:
    class PaymentRequired(HTTPException):
        code = 402
        description = "Pay up."

    app = new_app(fw)
    app.register_error_handler(PaymentRequired, lambda e: (e.description, 402))

    @app.route("/")
    def index() -> t.NoReturn:
        raise PaymentRequired()

    assert app.test_client().get("/").text == "Pay up."


def test_error_handler_returning_the_exception(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.register_error_handler(404, lambda e: e)
    response = app.test_client().get("/missing")
    assert response.status_code == 404
    assert b"Not Found" in response.data


def test_abort(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.route("/<int:code>")
    def aborting(code: int) -> t.NoReturn:
        fw.abort(code, "described")

    @app.route("/response")
    def abort_response() -> t.NoReturn:
        fw.abort(fw.Response("given", 418))

    client = app.test_client()
    response = client.get("/409")
    assert response.status_code == 409
    assert b"described" in response.data
    assert client.get("/response").text == "given"
    with pytest.raises(LookupError):
        fw.abort(799)


def test_abort_uses_the_app_aborter_class(fw: types.ModuleType) -> None:
    class Custom(HTTPException):
        code = 499
        description = "Client closed request."

    class CustomAborter(Aborter):
        def __init__(self) -> None:
            super().__init__(extra={499: Custom})

    base = fw.Microframe if fw is microframe else fw.Flask
    cls = type("CustomApp", (base,), {"aborter_class": CustomAborter})
    app = new_app(fw, cls)
    assert isinstance(app.aborter, CustomAborter)

    @app.route("/")
    def index() -> t.NoReturn:
        fw.abort(499)

    response = app.test_client().get("/")
    assert response.status_code == 499
    assert b"Client closed request." in response.data


# -- unhandled exceptions ------------------------------------------------------------


def test_unhandled_exception_is_a_500(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list[t.Any] = []

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        seen.append(e)
        return f"500: {type(e.original_exception).__name__}", 500

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (500, "500: KeyError")
    assert isinstance(seen[0], InternalServerError)
    assert isinstance(seen[0].original_exception, KeyError)


def test_500_handler_by_class(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.register_error_handler(InternalServerError, lambda e: ("by class", 500))
    app.add_url_rule("/", "index", lambda: 1 / 0)
    assert app.test_client().get("/").text == "by class"


def test_unhandled_exception_without_handler(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.testing = False
    app.add_url_rule("/", "index", lambda: 1 / 0)
    response = app.test_client().get("/")
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data


def test_server_keeps_serving_after_a_500(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.testing = False
    state = {"fail": True}

    @app.route("/")
    def index() -> str:
        if state["fail"]:
            raise RuntimeError("once")
        return "fine"

    client = app.test_client()
    assert client.get("/").status_code == 500
    assert client.get("/").status_code == 500
    state["fail"] = False
    assert client.get("/").text == "fine"
    assert client.get("/missing").status_code == 404


@pytest.mark.parametrize(
    ("testing", "debug", "propagate", "raises"),
    [
        (True, False, None, True),
        (False, True, None, True),
        (False, False, None, False),
        (False, False, True, True),
        (True, False, False, False),
    ],
)
def test_propagate_exceptions(
    fw: types.ModuleType,
    testing: bool,
    debug: bool,
    propagate: bool | None,
    raises: bool,
) -> None:
    app = new_app(fw)
    app.config.update(TESTING=testing, DEBUG=debug, PROPAGATE_EXCEPTIONS=propagate)

    @app.route("/")
    def index() -> str:
        raise ArithmeticError("the original")

    client = app.test_client()
    if raises:
        with pytest.raises(ArithmeticError, match="the original"):
            client.get("/")
    else:
        assert client.get("/").status_code == 500


def test_http_exceptions_do_not_propagate(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: fw.abort(403))
    assert app.test_client().get("/").status_code == 403


def test_trap_http_exceptions(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.add_url_rule("/", "index", lambda: fw.abort(403))
    app.add_url_rule("/gone", "gone", lambda: fw.abort(410))
    # A handler registered for the class still applies to a trapped error.
    app.register_error_handler(410, lambda e: ("handled", 410))
    client = app.test_client()
    with pytest.raises(Forbidden):
        client.get("/")
    with pytest.raises(NotFound):
        client.get("/missing")
    assert client.get("/gone").text == "handled"
    # Not testing: the trapped error becomes a 500.
    app.testing = False
    assert client.get("/missing").status_code == 500
    assert client.get("/").status_code == 500


def test_trap_bad_request_errors(fw: types.ModuleType) -> None:
    app = new_app(fw)

    @app.route("/key")
    def key() -> str:
        return fw.request.form["missing"]  # type: ignore[no-any-return]

    @app.route("/bad")
    def bad() -> t.NoReturn:
        raise BadRequest("plain")

    client = app.test_client()
    assert client.get("/key").status_code == 400
    assert client.get("/bad").status_code == 400
    app.config["DEBUG"] = True  # None + debug: only key errors are trapped
    with pytest.raises(BadRequestKeyError):
        client.get("/key")
    assert client.get("/bad").status_code == 400
    app.config.update(DEBUG=False, TRAP_BAD_REQUEST_ERRORS=True)
    with pytest.raises(BadRequestKeyError):
        client.get("/key")
    with pytest.raises(BadRequest):
        client.get("/bad")
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    app.config["DEBUG"] = True
    assert client.get("/key").status_code == 400


def test_bad_request_key_error_shows_the_key_in_debug(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config.update(DEBUG=True, TRAP_BAD_REQUEST_ERRORS=False)
    app.add_url_rule("/", "index", lambda: fw.request.args["needle"])
    response = app.test_client().get("/")
    assert response.status_code == 400
    assert b"needle" in response.data
    app.config["DEBUG"] = False
    assert b"needle" not in app.test_client().get("/").data


def test_routing_redirect_in_debug_with_a_form_body(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["DEBUG"] = True
    app.add_url_rule("/dir/", "dir", lambda: "dir", methods=["GET", "POST"])
    client = app.test_client()
    # 308 keeps the body, so there is nothing to warn about.
    assert client.post("/dir", data={"a": "1"}).status_code == 308


def test_got_request_exception_signal(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.testing = False
    seen: list[t.Any] = []

    def receiver(sender: t.Any, exception: Exception, **extra: t.Any) -> None:
        seen.append((sender, exception))

    app.add_url_rule("/", "index", lambda: 1 / 0)
    with fw.got_request_exception.connected_to(receiver, app):
        app.test_client().get("/")
    assert seen[0][0] is app
    assert isinstance(seen[0][1], ZeroDivisionError)


def test_handle_exception_outside_an_except_block(fw: types.ModuleType) -> None:
    app = new_app(fw)
    error = ValueError("given")
    with app.test_request_context(), pytest.raises(ValueError) as info:
        app.handle_exception(error)
    assert info.value is error


def test_teardown_functions_default_to_the_current_exception(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw)
    seen: list[t.Any] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)
    with app.test_request_context():
        app.do_teardown_request()
        app.do_teardown_appcontext()
        try:
            raise KeyError("current")
        except KeyError:
            app.do_teardown_request()
            app.do_teardown_appcontext()
    assert seen[:2] == [None, None]
    assert [type(exc) for exc in seen[2:4]] == [KeyError, KeyError]


class Interrupt(BaseException):
    pass


def test_base_exceptions_pass_through_with_teardown(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list[t.Any] = []
    app.teardown_request(seen.append)

    @app.route("/")
    def index() -> str:
        raise Interrupt()

    with pytest.raises(Interrupt):
        app.test_client().get("/")
    assert [type(exc) for exc in seen] == [Interrupt]


def test_debugger_can_preserve_the_contexts(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "x")
    preserved: list[t.Any] = []
    response = app.test_client().get(
        "/", environ_overrides={"werkzeug.debug.preserve_context": preserved.append}
    )
    assert response.text == "x"
    assert [type(ctx).__name__ for ctx in preserved] == [
        "AppContext",
        "RequestContext",
    ]


# -- logging ---------------------------------------------------------------------------


def test_logger_is_named_after_the_app(fw: types.ModuleType) -> None:
    app = new_app(fw)
    assert app.logger.name == "app_tests"
    assert app.logger is logging.getLogger("app_tests")


def test_unhandled_exception_is_logged(
    app: Microframe, client: MicroframeClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False

    @app.route("/explode", methods=["POST"])
    def explode() -> str:
        raise RuntimeError("kaboom")

    with caplog.at_level(logging.ERROR, logger="test_app"):
        assert client.post("/explode").status_code == 500
    (record,) = [r for r in caplog.records if r.name == "test_app"]
    assert record.getMessage() == "Exception on /explode [POST]"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


def test_log_exception_can_be_overridden(app: Microframe) -> None:
    logged: list[t.Any] = []

    class Quiet(Microframe):
        def log_exception(self, exc_info: t.Any) -> None:
            logged.append(exc_info[1])

    quiet = Quiet("quiet", root_path=TESTS)
    quiet.add_url_rule("/", "index", lambda: 1 / 0)
    assert quiet.test_client().get("/").status_code == 500
    assert isinstance(logged[0], ZeroDivisionError)


# -- configuration, instance path, resources --------------------------------------


def test_default_config_is_flasks() -> None:
    assert dict(Microframe.default_config) == dict(flask.Flask.default_config)
    assert list(Microframe.default_config) == list(flask.Flask.default_config)


def test_config_starts_from_the_defaults(fw: types.ModuleType) -> None:
    cls = fw.Microframe if fw is microframe else fw.Flask
    app = cls("fresh", root_path=TESTS)
    expected = dict(cls.default_config)
    expected["DEBUG"] = False
    assert dict(app.config) == expected
    assert app.testing is False
    assert app.debug is False
    assert app.secret_key is None


def test_config_attributes(fw: types.ModuleType) -> None:
    from datetime import timedelta

    app = new_app(fw)
    app.permanent_session_lifetime = 60  # type: ignore[assignment]
    assert app.permanent_session_lifetime == timedelta(seconds=60)
    app.secret_key = "other"
    assert app.config["SECRET_KEY"] == "other"
    app.debug = True
    assert app.config["DEBUG"] is True


def test_instance_path(fw: types.ModuleType, tmp_path: t.Any) -> None:
    cls = fw.Microframe if fw is microframe else fw.Flask
    with pytest.raises(ValueError):
        cls("x", instance_path="relative/instance")
    app = cls("x", instance_path=str(tmp_path))
    assert app.instance_path == str(tmp_path)
    here = cls(__name__)
    assert here.instance_path == os.path.join(TESTS, "instance")


def test_instance_path_message() -> None:
    with pytest.raises(ValueError) as info:
        Microframe("x", instance_path="rel")
    assert "'rel'" in str(info.value)
    assert "absolute" in str(info.value)


def test_instance_relative_config(fw: types.ModuleType, tmp_path: t.Any) -> None:
    cls = fw.Microframe if fw is microframe else fw.Flask
    (tmp_path / "settings.py").write_text("FROM_INSTANCE = 1\n")
    app = cls("x", instance_path=str(tmp_path), instance_relative_config=True)
    app.config.from_pyfile("settings.py")
    assert app.config["FROM_INSTANCE"] == 1


def test_open_instance_resource(fw: types.ModuleType, tmp_path: t.Any) -> None:
    cls = fw.Microframe if fw is microframe else fw.Flask
    app = cls("x", instance_path=str(tmp_path))
    with app.open_instance_resource("data.txt", "w") as f:
        f.write("caf\u00e9")
    with app.open_instance_resource("data.txt") as f:
        assert f.read() == "caf\u00e9".encode()
    with app.open_instance_resource("data.txt", "r") as f:
        assert f.read() == "caf\u00e9"


def test_open_resource(fw: types.ModuleType) -> None:
    app = new_app(fw)
    with app.open_resource("static/hello.txt") as f:
        binary = f.read()
    assert isinstance(binary, bytes)
    for mode in ("r", "rt"):
        with app.open_resource("static/hello.txt", mode) as f:
            assert f.read() == binary.decode()
    with app.open_resource("static/hello.txt", "r", encoding="latin-1") as f:
        assert f.read() == binary.decode("latin-1")
    for mode in ("w", "wb", "a", "r+"):
        with pytest.raises(ValueError):
            app.open_resource("static/hello.txt", mode)


def test_open_resource_message(app: Microframe) -> None:
    with pytest.raises(ValueError, match="'w'"):
        app.open_resource("static/hello.txt", "w")


def test_name_of_a_main_app_without_a_file(
    fw: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.delattr(sys.modules["__main__"], "__file__", raising=False)
    cls = fw.Microframe if fw is microframe else fw.Flask
    assert cls("__main__", root_path=TESTS).name == "__main__"


@pytest.mark.parametrize(
    "layout",
    [
        "plain-module",
        "package",
        "namespace",
        "namespace-module",
        "lib-python-site-packages",
        "lib-site-packages",
        "other-site-packages",
        "not-importable",
        "installed",
        "stdlib",
    ],
)
def test_default_instance_path_like_flask(
    layout: str, tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    folder = {
        "lib-python-site-packages": tmp_path / "lib" / "python3" / "site-packages",
        "lib-site-packages": tmp_path / "lib" / "site-packages",
        "other-site-packages": tmp_path / "env" / "site-packages",
    }.get(layout, tmp_path / "src")
    folder.mkdir(parents=True)
    name = {
        "plain-module": "mf_plain_module",
        "namespace": "mf_namespace.inner",
        "namespace-module": "mf_namespace_two.module",
        "not-importable": "mf_not_there",
        "installed": "werkzeug.routing",
        "stdlib": "json",
    }.get(layout, "mf_package")
    if layout == "plain-module":
        (folder / "mf_plain_module.py").write_text("")
    elif layout == "namespace":
        (folder / "mf_namespace" / "inner").mkdir(parents=True)
        (folder / "mf_namespace" / "inner" / "__init__.py").write_text("")
    elif layout == "namespace-module":
        (folder / "mf_namespace_two").mkdir()
        (folder / "mf_namespace_two" / "module.py").write_text("")
    elif layout not in {"not-importable", "installed", "stdlib"}:
        (folder / "mf_package").mkdir()
        (folder / "mf_package" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(folder))
    importlib.invalidate_caches()
    ours = Microframe(name, root_path=TESTS).instance_path
    flasks = flask.Flask(name, root_path=TESTS).instance_path
    assert ours == flasks
    if layout in {"package", "plain-module", "namespace", "namespace-module"}:
        assert ours == str(folder / "instance")
    elif layout == "lib-python-site-packages":
        assert ours == str(tmp_path / "var" / "mf_package-instance")


def test_name_of_a_main_app(fw: types.ModuleType) -> None:
    cls = fw.Microframe if fw is microframe else fw.Flask
    app = cls("__main__", root_path=TESTS)
    main_file = getattr(__import__("__main__"), "__file__", None)
    if main_file is None:  # pragma: no cover -- depends on how pytest runs
        assert app.name == "__main__"
    else:
        assert app.name == os.path.splitext(os.path.basename(main_file))[0]


def test_max_content_length(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.route("/", methods=["POST"])
    def index() -> str:
        return str(len(fw.request.get_data()))

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return str(dict(fw.request.form))

    @app.route("/ignore", methods=["POST"])
    def ignore() -> str:
        return "not read"

    @app.before_request
    def allow_more() -> None:
        if fw.request.args.get("more"):
            fw.request.max_content_length = 1000

    client = app.test_client()
    assert client.post("/", data=b"x" * 10).text == "10"
    assert client.post("/", data=b"x" * 11).status_code == 413
    assert client.post("/form", data={"a": "b" * 20}).status_code == 413
    assert client.post("/ignore", data=b"x" * 100).text == "not read"
    assert client.post("/?more=1", data=b"x" * 100).text == "100"


# -- overriding the app's methods --------------------------------------------------


class Spy:
    """Records which overridden methods were called."""

    calls: t.ClassVar[list[str]] = []


def _spy_subclass(name: str) -> type[Microframe]:
    original = getattr(Microframe, name)

    def override(self: Microframe, *args: t.Any, **kwargs: t.Any) -> t.Any:
        Spy.calls.append(name)
        return original(self, *args, **kwargs)

    return type(f"Spy_{name}", (Microframe,), {name: override})


OVERRIDABLE = [
    "full_dispatch_request",
    "finalize_request",
    "make_response",
    "process_response",
    "preprocess_request",
    "dispatch_request",
    "create_url_adapter",
    "ensure_sync",
    "inject_url_defaults",
]


@pytest.mark.parametrize("name", OVERRIDABLE)
@pytest.mark.parametrize("path", ["/", "/json", "/item/3", "/missing"])
def test_overrides_are_honoured_on_the_fast_path(name: str, path: str) -> None:
    cls = _spy_subclass(name)
    app = cls("spy", root_path=TESTS)

    @app.route("/")
    def index() -> str:
        return "plain"

    @app.route("/json")
    def as_json() -> dict[str, int]:
        return {"a": 1}

    @app.route("/item/<int:n>")
    def item(n: int) -> str:
        return microframe.url_for("item", n=n)

    Spy.calls.clear()
    response = app.test_client().get(path)
    expected = {"/": 200, "/json": 200, "/item/3": 200, "/missing": 404}[path]
    assert response.status_code == expected
    must_run = {
        "full_dispatch_request": True,
        "finalize_request": True,
        "make_response": True,
        "process_response": True,
        "preprocess_request": True,
        "dispatch_request": True,
        "create_url_adapter": True,
        "ensure_sync": path != "/missing",
        "inject_url_defaults": path == "/item/3",
    }[name]
    assert (name in Spy.calls) == must_run, Spy.calls


@pytest.mark.parametrize(
    "name",
    [
        "full_dispatch_request",
        "finalize_request",
        "make_response",
        "process_response",
        "create_url_adapter",
    ],
)
def test_overrides_set_on_the_app_itself_are_honoured(
    fw: types.ModuleType, name: str
) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "plain")
    calls: list[str] = []
    original = getattr(app, name)

    def override(*args: t.Any, **kwargs: t.Any) -> t.Any:
        calls.append(name)
        return original(*args, **kwargs)

    setattr(app, name, override)
    client = app.test_client()
    assert client.get("/").text == "plain"
    # Flask also calls create_url_adapter(None) for the app context.
    assert set(calls) == {name}
    delattr(app, name)
    calls.clear()
    assert client.get("/").text == "plain"
    assert calls == []


def test_custom_json_response_is_used_for_dicts() -> None:
    from microframe.json.provider import DefaultJSONProvider

    class Wrapped(DefaultJSONProvider):
        def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
            response = super().response({"data": args[0]})
            response.headers["X-Json"] = "custom"
            return response

    class App(Microframe):
        json_provider_class = Wrapped

    app = App("json", root_path=TESTS)
    app.add_url_rule("/", "index", lambda: {"a": 1})
    response = app.test_client().get("/")
    assert response.json == {"data": {"a": 1}}
    assert response.headers["X-Json"] == "custom"


def test_session_without_secret_key(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.secret_key = None
    app.add_url_rule("/", "index", lambda: repr(fw.session.get("x")))
    client = app.test_client()
    client.set_cookie("session", "whatever")
    assert client.get("/").text == "None"


def test_custom_request_and_response_classes() -> None:
    class MyRequest(Request):
        @property
        def shout(self) -> str:
            return self.path.upper()

    class MyResponse(Response):
        default_mimetype = "text/plain"

    class App(Microframe):
        request_class = MyRequest
        response_class = MyResponse

    app = App("custom", root_path=TESTS)

    @app.route("/hello")
    def hello() -> str:
        assert isinstance(request._get_current_object(), MyRequest)  # type: ignore[attr-defined]
        return request.shout  # type: ignore[attr-defined,no-any-return]

    response = app.test_client().get("/hello")
    assert response.text == "/HELLO"
    assert response.mimetype == "text/plain"
    with app.test_request_context():
        assert isinstance(app.make_response("x"), MyResponse)
        assert isinstance(app.make_response(NotFound()), MyResponse)


def test_response_class_set_on_the_instance(app: Microframe) -> None:
    class Plain(Response):
        default_mimetype = "text/plain"

    app.response_class = Plain
    app.add_url_rule("/", "index", lambda: "x")
    assert app.test_client().get("/").mimetype == "text/plain"


def test_custom_make_response_sees_plain_strings() -> None:
    class Upper(Microframe):
        def make_response(self, rv: t.Any) -> Response:
            if isinstance(rv, str):
                rv = rv.upper()
            return super().make_response(rv)

    app = Upper("upper", root_path=TESTS)
    app.add_url_rule("/", "index", lambda: "quiet")
    assert app.test_client().get("/").text == "QUIET"


def test_custom_full_dispatch_request() -> None:
    class Wrapped(Microframe):
        def full_dispatch_request(self) -> Response:
            response = super().full_dispatch_request()
            response.headers["X-Wrapped"] = "1"
            return response

    app = Wrapped("wrapped", root_path=TESTS)
    app.add_url_rule("/", "index", lambda: "x")
    response = app.test_client().get("/")
    assert response.headers["X-Wrapped"] == "1"
    assert app.test_client().get("/missing").headers["X-Wrapped"] == "1"


def test_custom_create_url_adapter() -> None:
    class Prefixed(Microframe):
        def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
            adapter = super().create_url_adapter(request)
            if adapter is not None and request is not None:
                adapter.path_info = "/forced"
            return adapter

    app = Prefixed("prefixed", root_path=TESTS)
    app.add_url_rule("/forced", "forced", lambda: "forced")
    app.add_url_rule("/", "index", lambda: "index")
    assert app.test_client().get("/").text == "forced"


def test_create_url_adapter_returning_none() -> None:
    class NoAdapter(Microframe):
        def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
            return None

    app = NoAdapter("none", root_path=TESTS)
    app.add_url_rule("/", "index", lambda: "index")

    @app.before_request
    def answer() -> str:
        return f"rule={request.url_rule}"

    assert app.test_client().get("/").text == "rule=None"


def test_custom_handle_exception() -> None:
    class Handled(Microframe):
        def handle_exception(self, e: Exception) -> Response:
            return self.response_class(f"custom {type(e).__name__}", 503)

    app = Handled("handled", root_path=TESTS)
    app.testing = True  # would propagate with the default handle_exception
    app.add_url_rule("/", "index", lambda: 1 / 0)
    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (503, "custom ZeroDivisionError")


def test_custom_handle_http_exception_sees_routing_errors() -> None:
    seen: list[int | None] = []

    class Http(Microframe):
        def handle_http_exception(self, e: HTTPException) -> t.Any:
            seen.append(e.code)
            return super().handle_http_exception(e)

    app = Http("http", root_path=TESTS)
    app.add_url_rule("/", "index", lambda: "x", methods=["POST"])
    client = app.test_client()
    assert client.get("/missing").status_code == 404
    assert client.get("/").status_code == 405
    assert seen == [404, 405]


def test_custom_make_default_options_response() -> None:
    class Options(Microframe):
        def make_default_options_response(self) -> Response:
            response = super().make_default_options_response()
            response.headers["X-Options"] = "custom"
            return response

    app = Options("options", root_path=TESTS)
    app.add_url_rule("/", "index", lambda: "x")
    response = app.test_client().options("/")
    assert response.headers["X-Options"] == "custom"
    assert sorted(response.allow) == ["GET", "HEAD", "OPTIONS"]


def test_should_ignore_error() -> None:
    seen: list[t.Any] = []

    class Ignoring(Microframe):
        def should_ignore_error(self, error: BaseException | None) -> bool:
            return True

    app = Ignoring("ignoring", root_path=TESTS)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.teardown_request(seen.append)
    app.add_url_rule("/", "index", lambda: 1 / 0)
    assert app.test_client().get("/").status_code == 500
    assert seen == [None]


def test_wsgi_middleware_wraps_wsgi_app(app: Microframe) -> None:
    inner = app.wsgi_app
    seen: list[str] = []

    def middleware(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    app.add_url_rule("/", "index", lambda: "x")
    assert app.test_client().get("/").text == "x"
    assert seen == ["/"]


# -- async views ---------------------------------------------------------------------


def test_async_views_and_hooks(fw: types.ModuleType) -> None:
    import asgiref  # noqa: F401 -- part of the test dependencies; fail if missing

    app = new_app(fw)
    order: list[str] = []

    @app.before_request
    async def before() -> None:
        order.append("before")

    @app.after_request
    async def after(response: t.Any) -> t.Any:
        order.append("after")
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        order.append("teardown")

    @app.errorhandler(ParentError)
    async def handler(e: ParentError) -> tuple[str, int]:
        return "async handler", 418

    @app.route("/")
    async def index() -> str:
        order.append("view")
        return f"async {fw.request.path}"

    @app.route("/fail")
    async def fail() -> str:
        raise ParentError()

    client = app.test_client()
    assert client.get("/").text == "async /"
    assert order == ["before", "view", "after", "teardown"]
    response = client.get("/fail")
    assert (response.status_code, response.text) == (418, "async handler")
    # asgiref's event loop thread is kept alive by the handled exception's
    # traceback until the cycle is collected.
    gc.collect()


def test_async_view_class_method() -> None:
    import asgiref  # noqa: F401 -- part of the test dependencies; fail if missing

    from microframe.views import MethodView

    app = Microframe("async_cbv", root_path=TESTS)

    class Items(MethodView):
        async def get(self) -> str:
            return "async get"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert app.test_client().get("/items").text == "async get"


def test_async_without_asgiref(
    app: Microframe, client: MicroframeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_asgiref(name: str, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if name.startswith("asgiref"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_asgiref)

    @app.route("/")
    async def index() -> str:
        return "never"  # pragma: no cover

    with pytest.raises(RuntimeError) as info:
        client.get("/")
    assert "pip install 'microframe-wsgi[async]'" in str(info.value)


# -- odds and ends -----------------------------------------------------------------


def test_redirect_helper_uses_the_response_class(fw: types.ModuleType) -> None:
    app = new_app(fw)
    response = app.redirect("/there", 303)
    assert isinstance(response, app.response_class)
    assert (response.status_code, response.location) == (303, "/there")


def test_blueprints_registry(app: Microframe) -> None:
    bp = Blueprint("first", __name__)
    app.register_blueprint(bp)
    assert app.blueprints == {"first": bp}
    assert list(app.iter_blueprints()) == [bp]


def test_got_first_request(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "x")
    assert not app._got_first_request
    app.test_client().get("/")
    assert app._got_first_request


def test_app_is_a_wsgi_callable(app: Microframe) -> None:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    app.add_url_rule("/", "index", lambda: "wsgi")
    environ = EnvironBuilder("/").get_environ()
    body, status, headers = run_wsgi_app(app, environ)
    assert status == "200 OK"
    assert b"".join(body) == b"wsgi"
    assert headers["Content-Length"] == "4"


def test_empty_path_info(app: Microframe) -> None:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    # As in Flask: werkzeug redirects an empty path to the root URL.
    app.add_url_rule("/", "index", lambda: "root")
    environ = EnvironBuilder("/").get_environ()
    environ["PATH_INFO"] = ""
    body, status, headers = run_wsgi_app(app, environ)
    assert (status, headers["Location"]) == (
        "308 PERMANENT REDIRECT",
        "http://localhost/",
    )
    getattr(body, "close", lambda: None)()  # WSGI: close it if it can be closed
