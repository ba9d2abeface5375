"""The request pipeline: one way through for every request, planned once."""

from __future__ import annotations

import io
import typing as t

import flask
import pytest
from werkzeug.test import EnvironBuilder

import microframe
from microframe import Microframe, jsonify, request
from microframe.sessions import SecureCookieSessionInterface
from microframe.wrappers import Response


def call(
    app: Microframe, environ: dict[str, t.Any]
) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, t.Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc: t.Any = None
    ) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def environ(path: str = "/", **kwargs: t.Any) -> dict[str, t.Any]:
    builder = EnvironBuilder(path, **kwargs)
    try:
        return builder.get_environ()
    finally:
        builder.close()


@pytest.fixture
def app() -> Microframe:
    app = Microframe(__name__)

    @app.route("/")
    def index() -> str:
        return "hello"

    @app.route("/data")
    def data() -> dict[str, int]:
        return {"a": 1}

    return app


def test_process_response_patched_on_the_class_is_called(
    app: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app.test_client()
    assert "X-Patched" not in client.get("/").headers
    original = Microframe.process_response

    def patched(self: Microframe, response: Response) -> Response:
        response = original(self, response)
        response.headers["X-Patched"] = "yes"
        return response

    monkeypatch.setattr(Microframe, "process_response", patched)
    assert client.get("/").headers["X-Patched"] == "yes"
    assert client.get("/data").headers["X-Patched"] == "yes"
    assert client.get("/missing").headers["X-Patched"] == "yes"


def test_response_default_mimetype_changed_at_run_time_is_sent(
    app: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert call(app, environ())[1]["Content-Type"] == "text/html; charset=utf-8"
    monkeypatch.setattr(Response, "default_mimetype", "text/plain")
    status, headers, body = call(app, environ())
    assert (status, headers["Content-Type"], body) == (
        "200 OK",
        "text/plain; charset=utf-8",
        b"hello",
    )


def test_hooks_written_straight_into_the_registries_are_seen(app: Microframe) -> None:
    client = app.test_client()
    client.get("/")  # the first plan is built

    def stamp(response: Response) -> Response:
        response.headers["X-Stamp"] = "1"
        return response

    # What extensions do: no decorator, straight into the dict and its list.
    app.after_request_funcs.setdefault(None, []).append(stamp)
    assert client.get("/").headers["X-Stamp"] == "1"
    app.after_request_funcs[None].remove(stamp)
    assert "X-Stamp" not in client.get("/").headers

    app.before_request_funcs = {None: [lambda: "early"]}
    assert client.get("/").text == "early"
    app.before_request_funcs[None].clear()
    assert client.get("/").text == "hello"


def test_teardown_appcontext_added_while_serving_runs(app: Microframe) -> None:
    client = app.test_client()
    client.get("/")
    seen: list[t.Any] = []
    app.teardown_appcontext(seen.append)
    client.get("/")
    assert seen == [None]


def test_an_ensure_sync_override_is_asked_for_every_hook_call(app: Microframe) -> None:
    asked: list[str] = []

    class Tracing(Microframe):
        def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
            asked.append(getattr(func, "__name__", "?"))
            return super().ensure_sync(func)

    traced = Tracing(__name__)

    @traced.before_request
    def before() -> None:
        return None

    @traced.route("/")
    def index() -> str:
        return "hi"

    client = traced.test_client()
    client.get("/")
    client.get("/")
    assert asked.count("before") == 2
    assert asked.count("index") == 2


def test_a_view_replaced_in_view_functions_answers_the_next_request(
    app: Microframe,
) -> None:
    @app.route("/swap")
    def swap() -> str:
        return "first"

    client = app.test_client()
    assert client.get("/swap").text == "first"
    app.view_functions["swap"] = lambda: "second"
    assert client.get("/swap").text == "second"

    async def third() -> str:
        return "third, awaited"

    app.view_functions["swap"] = third
    assert client.get("/swap").text == "third, awaited"


def test_ensure_sync_set_on_the_app_while_serving_is_asked_for_views(
    app: Microframe,
) -> None:
    @app.route("/swap")
    def swap() -> str:
        return "hi"

    client = app.test_client()
    assert client.get("/swap").text == "hi"
    asked: list[str] = []
    stock = app.ensure_sync

    def tracing(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        asked.append(getattr(func, "__name__", "?"))
        return stock(func)

    app.ensure_sync = tracing  # type: ignore[method-assign]
    client.get("/swap")
    client.get("/swap")
    assert asked.count("swap") == 2


def test_a_new_session_interface_is_used_from_the_next_request(app: Microframe) -> None:
    opened: list[str] = []

    class Counting(SecureCookieSessionInterface):
        def open_session(self, app: t.Any, request: t.Any) -> t.Any:
            opened.append(request.path)
            return super().open_session(app, request)

    app.secret_key = "k"
    client = app.test_client()
    client.get("/")
    assert opened == []
    app.session_interface = Counting()
    client.get("/")
    # A custom interface is opened when the context is pushed, as in Flask.
    assert opened == ["/"]


def test_a_host_that_is_not_text_is_a_bad_request(app: Microframe) -> None:
    status, _, body = call(app, environ(headers={"Host": "exa\x8ample.com"}))
    assert status == "400 BAD REQUEST"
    assert b"The Host header" in body
    assert call(app, environ(headers={"Host": "example.com:8080"}))[0] == "200 OK"


def _chunked(path: str, body: bytes) -> dict[str, t.Any]:
    env = environ(path, method="POST")
    env.pop("CONTENT_LENGTH", None)
    env.update(
        {
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked",
        }
    )
    return env


def test_a_chunked_body_over_the_limit_is_refused(app: Microframe) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/size")
    def size() -> str:
        return str(len(request.get_data()))

    status, _, body = call(app, _chunked("/size", b"x" * 11))
    assert status == "413 REQUEST ENTITY TOO LARGE"
    assert b"MAX_CONTENT_LENGTH" in body
    assert call(app, _chunked("/size", b"x" * 10))[2] == b"10"
    assert call(app, _chunked("/size", b""))[2] == b"0"
    assert call(app, environ())[2] == b"hello"


def test_json_nested_too_deeply_is_a_bad_request(app: Microframe) -> None:
    @app.post("/echo")
    def echo() -> t.Any:
        return jsonify(request.get_json())

    deep = "[" * 100_000 + "]" * 100_000
    status, _, body = call(
        app, environ("/echo", method="POST", data=deep, content_type="application/json")
    )
    assert status == "400 BAD REQUEST"
    assert b"nested too deeply" in body
    ok = call(app, environ("/echo", method="POST", json=[[1]]))
    assert ok[:1] == ("200 OK",)
    assert ok[2] == b"[[1]]\n"


def test_a_lazy_response_becomes_full_headers_when_read() -> None:
    response = Response("héllo")
    headers = response.headers
    assert list(headers) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", "6"),
    ]
    headers["X-Extra"] = "1"
    seen: dict[str, t.Any] = {}
    body = b"".join(
        response(environ(), lambda s, h, e=None: seen.update(status=s, headers=h))
    )
    status, sent = seen["status"], seen["headers"]
    assert status == "200 OK"
    assert ("X-Extra", "1") in sent
    assert body == "héllo".encode()


def test_head_requests_get_headers_without_a_body(app: Microframe) -> None:
    status, headers, body = call(app, environ(method="HEAD"))
    assert (status, headers["Content-Length"], body) == ("200 OK", "5", b"")


def test_small_and_large_bodies_read_alike(app: Microframe) -> None:
    @app.post("/size")
    def size() -> str:
        return f"{len(request.get_data())} {request.stream.read()!r}"

    small = environ("/size", method="POST", data=b"x" * 100)
    assert call(app, small)[2] == b"100 b''"
    large = environ("/size", method="POST", data=b"y" * 200_000)
    assert call(app, large)[2] == b"200000 b''"


def test_a_body_shorter_than_its_content_length_is_a_bad_request(
    app: Microframe,
) -> None:
    @app.post("/size")
    def size() -> str:
        return str(len(request.get_data()))

    env = environ("/size", method="POST", data=b"x" * 10)
    env["wsgi.input"] = io.BytesIO(b"x" * 5)  # the client went away
    status, _, _ = call(app, env)
    assert status == "400 BAD REQUEST"


@pytest.mark.parametrize("module", [flask, microframe], ids=["flask", "microframe"])
def test_hooks_follow_a_request_class_that_names_its_own_blueprint(
    module: t.Any,
) -> None:
    base = module.Request

    class Request(base):  # type: ignore[misc,valid-type]
        @property
        def blueprint(self) -> str | None:
            return "admin" if self.path.startswith("/admin") else super().blueprint

    app = module.Flask(__name__) if module is flask else module.Microframe(__name__)
    app.request_class = Request
    admin = module.Blueprint("admin", __name__)
    seen: list[str] = []

    @admin.before_request
    def only_admins() -> None:
        seen.append(module.request.path)

    @app.route("/admin/panel")
    def panel() -> str:
        return "panel"

    @app.route("/public")
    def public() -> str:
        return "public"

    app.register_blueprint(admin)
    client = app.test_client()
    assert client.get("/admin/panel").text == "panel"
    assert client.get("/public").text == "public"
    assert client.get("/admin/panel").text == "panel"
    assert seen == ["/admin/panel", "/admin/panel"]
