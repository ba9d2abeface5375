"""microframe and Flask answer the same app with the same bytes.

One app definition is built twice, once with ``flask.Flask`` and once with
``microframe.Microframe`` (each with its own module's helpers), and the same
requests are sent to both through their test clients. Status lines, headers
(without Date and Server) and bodies must be equal. Headers are compared in
order; the only values normalised are those whose order Flask leaves to a set
(``Allow``) and signed cookie values, which embed a timestamp.
"""

from __future__ import annotations

import os
import types
import typing as t

import flask
import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter
from werkzeug.test import TestResponse

import microframe

HERE = os.path.dirname(__file__)

FRAMEWORKS: dict[str, tuple[type[t.Any], types.ModuleType]] = {
    "flask": (flask.Flask, flask),
    "microframe": (microframe.Microframe, microframe),
}


class Teapot(HTTPException):
    code = 418
    description = "Short and stout."


class AppError(Exception):
    pass


class ChildError(AppError):
    pass


class ListConverter(BaseConverter):
    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: t.Any) -> str:
        return ",".join(str(item) for item in value)


def make_plain_app(cls: type[t.Any], m: types.ModuleType) -> t.Any:
    """An app without hooks or sessions: the shape microframe answers leanly."""
    app = cls(f"plain_{m.__name__}", root_path=HERE, static_folder="static")

    @app.route("/")
    def index() -> str:
        return "Hello, World!"

    @app.route("/unicode")
    def unicode() -> str:
        return "h\u00e9llo \u2603"

    @app.route("/empty")
    def empty() -> str:
        return ""

    @app.route("/json")
    def json_dict() -> dict[str, t.Any]:
        return {"b": [1, 2.5, None, True], "a": "\u00e9", "nested": {"z": 1}}

    @app.route("/list")
    def json_list() -> list[t.Any]:
        return [1, "two", {"three": 3}]

    @app.route("/user/<int:uid>")
    def user(uid: int) -> str:
        return f"user {uid}"

    @app.route("/files/<path:name>")
    def files(name: str) -> str:
        return f"file {name}"

    @app.route("/dir/")
    def directory() -> str:
        return "directory"

    @app.route("/submit", methods=["POST", "PUT"])
    def submit() -> str:
        return m.request.method

    @app.route("/gone")
    def gone() -> t.NoReturn:
        m.abort(410)

    @app.route("/teapot")
    def teapot() -> t.NoReturn:
        raise Teapot()

    @app.route("/forbidden")
    def forbidden() -> t.NoReturn:
        m.abort(403, "You shall not pass.")

    @app.route("/old", redirect_to="/dir/")
    def old() -> str:  # pragma: no cover -- redirected before the view
        return "never"

    app.add_url_rule("/page/", "page", defaults={"n": 1})
    app.add_url_rule("/page/<int:n>", "page")

    @app.endpoint("page")
    def page(n: int) -> str:
        return f"page {n}"

    # werkzeug answers a path with the first rule registered for it.
    app.add_url_rule("/shadowed", "shadowed_redirect", redirect_to="/dir/")
    app.add_url_rule("/shadowed", "shadowed", lambda: "shadowed")

    app.add_url_rule("/caf\u00e9/men\u00fc", "menu", lambda: "menu")
    app.add_url_rule("/na\u00efve/<word>", "naive", lambda word: word)

    # More than ten converters in one path segment.
    many = "-".join(f"<int:a{i}>" for i in range(12))

    @app.route(f"/many/{many}")
    def many_numbers(**values: int) -> str:
        return ",".join(f"{key}={values[key]}" for key in sorted(values))

    return app


def make_full_app(cls: type[t.Any], m: types.ModuleType) -> t.Any:
    """An app using hooks, sessions, blueprints, error handlers and url_for."""
    app = cls(f"full_{m.__name__}", root_path=HERE, static_folder="static")
    app.config.update(SECRET_KEY="differential", MAX_CONTENT_LENGTH=64)
    app.url_map.converters["list"] = ListConverter
    log: list[str] = []
    app.config["LOG"] = log

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        if values and "lang" in values:
            m.g.lang = values.pop("lang")

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        if "lang" in values or not m.g.get("lang"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = m.g.lang

    @app.before_request
    def before() -> str | None:
        log.append(f"before {m.request.endpoint}")
        if m.request.args.get("short"):
            return "short-circuited"
        return None

    @app.after_request
    def after(response: t.Any) -> t.Any:
        response.headers["X-After"] = "app"
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        log.append(f"teardown {type(exc).__name__ if exc else None}")

    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        return f"nothing at {m.request.path}", 404

    @app.errorhandler(AppError)
    def app_error(e: AppError) -> tuple[dict[str, str], int]:
        return {"error": type(e).__name__, "message": str(e)}, 409

    @app.errorhandler(500)
    def server_error(e: t.Any) -> tuple[str, int]:
        original = type(e.original_exception).__name__
        return f"server error: {original}", 500

    @app.route("/")
    def index() -> str:
        return "home"

    @app.route("/<lang>/hello")
    def hello(lang: str | None = None) -> str:
        return f"hello in {m.g.lang} -> {m.url_for('hello')}"

    @app.route("/forms")
    def forms() -> tuple[str, int, dict[str, str]]:
        return "created", 201, {"X-Form": "3-tuple"}

    @app.route("/status-str")
    def status_str() -> tuple[str, str]:
        return "teapot", "418 I'M A TEAPOT"

    @app.route("/headers-list")
    def headers_list() -> tuple[str, list[tuple[str, str]]]:
        return "listed", [("X-One", "1"), ("X-Two", "2")]

    @app.route("/bytes")
    def raw_bytes() -> bytes:
        return b"\x00\x01bytes"

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "one,"
            yield "two"

        return generate()

    @app.route("/jsonify")
    def jsonify_view() -> t.Any:
        return m.jsonify(1, 2, 3)

    @app.route("/jsonify-kw")
    def jsonify_kw() -> t.Any:
        return m.jsonify(b=2, a=1)

    @app.route("/made")
    def made() -> t.Any:
        response = m.make_response("made", 202)
        response.headers["X-Made"] = "yes"
        response.set_cookie("flavour", "oat", max_age=60, httponly=True)
        return response

    @app.route("/this-request")
    def this_request() -> str:
        @m.after_this_request
        def tag(response: t.Any) -> t.Any:
            response.headers["X-This"] = "only-this"
            return response

        return "tagged"

    @app.route("/redirect")
    def go_home() -> t.Any:
        return m.redirect(m.url_for("index", next="/a b"))

    @app.route("/redirect-307")
    def redirect_307() -> t.Any:
        return m.redirect("/", code=307)

    @app.route("/urls")
    def urls() -> dict[str, str]:
        return {
            "plain": m.url_for("index"),
            "external": m.url_for("index", _external=True),
            "query": m.url_for("index", q="x y", many=[1, 2]),
            "anchor": m.url_for("index", _anchor="sec 1/it's"),
            "scheme": m.url_for("index", _scheme="https", _external=True),
            "converter": m.url_for("listed", items=["a", "b"]),
            "lang": m.url_for("hello", lang="fr"),
            "static": m.url_for("static", filename="hello.txt"),
            "blueprint": m.url_for("bp.index"),
            "bp_item": m.url_for("bp.item", item_id=5),
            "post_method": m.url_for("method_rule", _method="POST"),
            "get_method": m.url_for("method_rule", _method="GET"),
        }

    app.add_url_rule("/only-get", "method_rule", methods=["GET"])
    app.add_url_rule("/only-post", "method_rule", methods=["POST"])

    @app.endpoint("method_rule")
    def method_rule() -> str:
        return m.request.method

    @app.route("/list/<list:items>")
    def listed(items: list[str]) -> str:
        return "|".join(items)

    @app.route("/fail")
    def fail() -> str:
        raise ChildError("child failed")

    @app.route("/crash")
    def crash() -> str:
        raise KeyError("crash")

    @app.route("/missing")
    def missing() -> t.NoReturn:
        m.abort(404)

    @app.route("/session/set/<value>")
    def session_set(value: str) -> str:
        m.session["value"] = value
        return "stored"

    @app.route("/session/get")
    def session_get() -> str:
        return repr(m.session.get("value"))

    @app.route("/session/permanent")
    def session_permanent() -> str:
        m.session.permanent = True
        m.session["p"] = 1
        return "permanent"

    @app.route("/session/clear")
    def session_clear() -> str:
        m.session.clear()
        return "cleared"

    @app.route("/flash")
    def flash_message() -> str:
        m.flash("saved")
        m.flash("careful", "warning")
        return "flashed"

    @app.route("/flashes")
    def flashes() -> t.Any:
        return m.get_flashed_messages(with_categories=True)

    @app.route("/echo", methods=["POST"])
    def echo() -> t.Any:
        return {"json": m.request.get_json(silent=True), "form": m.request.form}

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        return str(len(m.request.get_data()))

    @app.route("/g")
    def use_g() -> str:
        m.g.value = "in g"
        return m.g.value  # type: ignore[no-any-return]

    bp = m.Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/")
    def bp_index() -> str:
        return f"bp index -> {m.url_for('.item', item_id=1)}"

    bp.add_url_rule("/", "index", bp_index)

    @bp.route("/item/<int:item_id>")
    def item(item_id: int) -> str:
        return f"item {item_id} in {m.request.blueprint}"

    @bp.route("/fail")
    def bp_fail() -> str:
        raise AppError("in blueprint")

    @bp.errorhandler(AppError)
    def bp_app_error(e: AppError) -> tuple[str, int]:
        return f"bp handled {e}", 400

    @bp.after_request
    def bp_after(response: t.Any) -> t.Any:
        response.headers["X-After"] = "bp"
        return response

    app.register_blueprint(bp)
    return app


def _normalise(response: TestResponse) -> tuple[str, list[tuple[str, str]], bytes]:
    headers = []
    for name, value in response.headers.to_wsgi_list():
        if name in {"Date", "Server"}:
            continue
        if name == "Allow":
            value = ", ".join(sorted(value.split(", ")))
        elif name == "Set-Cookie" and value.startswith("session="):
            # The signature embeds the time; the cookie attributes must match.
            cookie_value, _, attributes = value.partition(";")
            value = f"session=<{bool(cookie_value[8:])}>;{attributes}"
        headers.append((name, value))
    body = response.get_data()
    response.close()
    return response.status, headers, body


def _both(
    factory: t.Callable[[type[t.Any], types.ModuleType], t.Any],
    **config: t.Any,
) -> dict[str, t.Any]:
    apps = {}
    for name, (cls, module) in FRAMEWORKS.items():
        app = factory(cls, module)
        app.config.update(config)
        apps[name] = app
    return apps


PLAIN_REQUESTS: list[tuple[str, str, dict[str, t.Any]]] = [
    ("GET", "/", {}),
    ("HEAD", "/", {}),
    ("OPTIONS", "/", {}),
    ("POST", "/", {}),
    ("GET", "/unicode", {}),
    ("GET", "/empty", {}),
    ("GET", "/json", {}),
    ("HEAD", "/json", {}),
    ("GET", "/list", {}),
    ("GET", "/user/42", {}),
    ("GET", "/user/x", {}),
    ("GET", "/user/042", {}),
    ("GET", "/files/a/b/c.txt", {}),
    ("GET", "/dir", {}),
    ("GET", "/dir", {"query_string": "a=1&b=%C3%A9"}),
    ("GET", "/dir", {"query_string": "q=\u00e9t\u00e9"}),
    ("GET", "/dir/", {}),
    ("GET", "//dir/", {}),
    ("GET", "/submit", {}),
    ("POST", "/submit", {}),
    ("PUT", "/submit", {}),
    ("OPTIONS", "/submit", {}),
    ("DELETE", "/submit", {}),
    ("HEAD", "/submit", {}),
    ("GET", "/nowhere", {}),
    ("HEAD", "/nowhere", {}),
    ("POST", "/nowhere/deeper", {}),
    ("GET", "/gone", {}),
    ("GET", "/teapot", {}),
    ("GET", "/forbidden", {}),
    ("GET", "/old", {}),
    ("GET", "/page/", {}),
    ("GET", "/page/1", {}),
    ("GET", "/page/2", {}),
    ("GET", "/page", {}),
    ("GET", "/static/hello.txt", {}),
    ("HEAD", "/static/hello.txt", {}),
    ("GET", "/static/missing.txt", {}),
    ("GET", "/static/../conftest.py", {}),
    ("GET", "/caf\u00e9", {}),
    ("GET", "/shadowed", {}),
    ("GET", "/caf\u00e9/men\u00fc", {}),
    ("GET", "/caf%C3%A9/men%C3%BC", {}),
    ("GET", "/caf\u00e9/men\u00fc/", {}),
    ("GET", "/na\u00efve/\u00e9t\u00e9", {}),
    ("GET", "/many/" + "-".join(str(i) for i in range(12)), {}),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    PLAIN_REQUESTS,
    ids=[f"{method} {path} {kwargs or ''}" for method, path, kwargs in PLAIN_REQUESTS],
)
def test_plain_app_answers_like_flask(
    method: str, path: str, kwargs: dict[str, t.Any]
) -> None:
    apps = _both(make_plain_app)
    answers = {
        name: app.test_client().open(path, method=method, **kwargs)
        for name, app in apps.items()
    }
    flask_answer = _normalise(answers["flask"])
    assert _normalise(answers["microframe"]) == flask_answer


def test_plain_string_headers_are_identical_in_order() -> None:
    # No normalisation at all: the lean string path must send Flask's headers.
    apps = _both(make_plain_app)
    for path in ("/", "/unicode", "/empty", "/user/7", "/json"):
        lists = {
            name: [
                (key, value)
                for key, value in app.test_client().get(path).headers.to_wsgi_list()
            ]
            for name, app in apps.items()
        }
        assert lists["microframe"] == lists["flask"], path
        assert lists["flask"][0] == ("Content-Type", lists["flask"][0][1])


FULL_REQUESTS: list[tuple[str, str, dict[str, t.Any]]] = [
    ("GET", "/", {}),
    ("HEAD", "/", {}),
    ("OPTIONS", "/", {}),
    ("GET", "/?short=1", {}),
    ("GET", "/en/hello", {}),
    ("GET", "/forms", {}),
    ("GET", "/status-str", {}),
    ("GET", "/headers-list", {}),
    ("GET", "/bytes", {}),
    ("GET", "/stream", {}),
    ("GET", "/jsonify", {}),
    ("GET", "/jsonify-kw", {}),
    ("GET", "/made", {}),
    ("GET", "/this-request", {}),
    ("GET", "/redirect", {}),
    ("GET", "/redirect-307", {}),
    ("GET", "/urls", {}),
    ("GET", "/only-get", {}),
    ("POST", "/only-get", {}),
    ("POST", "/only-post", {}),
    ("GET", "/list/a,b,c", {}),
    ("GET", "/fail", {}),
    ("GET", "/crash", {}),
    ("GET", "/missing", {}),
    ("GET", "/does/not/exist", {}),
    ("POST", "/", {}),
    ("GET", "/bp/", {}),
    ("GET", "/bp", {}),
    ("GET", "/bp/item/3", {}),
    ("GET", "/bp/fail", {}),
    ("GET", "/bp/nothing", {}),
    ("POST", "/echo", {"json": {"a": [1, 2]}}),
    ("POST", "/echo", {"data": {"field": "value"}}),
    ("POST", "/upload", {"data": b"x" * 10}),
    ("POST", "/upload", {"data": b"x" * 100}),
    ("GET", "/g", {}),
    ("GET", "/static/hello.txt", {}),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    FULL_REQUESTS,
    ids=[f"{method} {path} {sorted(kwargs)}" for method, path, kwargs in FULL_REQUESTS],
)
def test_full_app_answers_like_flask(
    method: str, path: str, kwargs: dict[str, t.Any]
) -> None:
    apps = _both(make_full_app, PROPAGATE_EXCEPTIONS=False)
    answers = {}
    logs = {}
    for name, app in apps.items():
        answers[name] = _normalise(
            app.test_client().open(path, method=method, **kwargs)
        )
        logs[name] = app.config["LOG"]
    assert answers["microframe"] == answers["flask"]
    assert logs["microframe"] == logs["flask"]


SESSION_FLOWS: dict[str, list[tuple[str, str]]] = {
    "set-get-clear": [
        ("GET", "/session/get"),
        ("GET", "/session/set/one"),
        ("GET", "/session/get"),
        ("GET", "/"),
        ("GET", "/session/set/two"),
        ("GET", "/session/get"),
        ("GET", "/session/clear"),
        ("GET", "/session/get"),
    ],
    "permanent": [
        ("GET", "/session/permanent"),
        ("GET", "/"),
        ("GET", "/session/get"),
    ],
    "flash": [
        ("GET", "/flash"),
        ("GET", "/flashes"),
        ("GET", "/flashes"),
    ],
    "cookies": [
        ("GET", "/made"),
        ("GET", "/"),
    ],
}


@pytest.mark.parametrize("flow", sorted(SESSION_FLOWS))
def test_session_flows_answer_like_flask(flow: str) -> None:
    apps = _both(make_full_app)
    clients = {name: app.test_client() for name, app in apps.items()}
    for method, path in SESSION_FLOWS[flow]:
        answers = {
            name: _normalise(client.open(path, method=method))
            for name, client in clients.items()
        }
        assert answers["microframe"] == answers["flask"], (method, path)


def test_session_cookies_are_interchangeable() -> None:
    # The same secret key and signing scheme: a cookie one framework signed is
    # read by the other, so an app can move between them without logging
    # everyone out.
    apps = _both(make_full_app)
    for writer, reader in (("flask", "microframe"), ("microframe", "flask")):
        writer_client = apps[writer].test_client()
        writer_client.get(f"/session/set/from-{writer}")
        cookie = writer_client.get_cookie("session")
        assert cookie is not None
        reader_client = apps[reader].test_client()
        reader_client.set_cookie("session", cookie.value)
        assert reader_client.get("/session/get").text == f"'from-{writer}'"


def test_url_for_outside_requests_like_flask() -> None:
    apps = _both(
        make_full_app,
        SERVER_NAME="example.test:8080",
        APPLICATION_ROOT="/root",
        PREFERRED_URL_SCHEME="https",
    )
    built = {}
    for name, app in apps.items():
        module = FRAMEWORKS[name][1]
        with app.app_context():
            built[name] = [
                module.url_for("index"),
                module.url_for("listed", items=[1, 2], page=3),
                module.url_for("bp.item", item_id=9, _external=False),
                module.url_for("index", _scheme="http"),
                module.url_for("hello", lang="de", _anchor="top"),
            ]
    assert built["microframe"] == built["flask"]
    assert built["flask"][0] == "https://example.test:8080/root/"


def test_errors_in_debug_and_trapping_like_flask() -> None:
    for config in (
        {"TRAP_HTTP_EXCEPTIONS": True, "PROPAGATE_EXCEPTIONS": False},
        {"TRAP_BAD_REQUEST_ERRORS": True, "PROPAGATE_EXCEPTIONS": False},
    ):
        apps = _both(make_full_app, **config)
        for path in ("/missing", "/does/not/exist", "/fail", "/bp/fail"):
            answers = {
                name: _normalise(app.test_client().get(path))
                for name, app in apps.items()
            }
            assert answers["microframe"] == answers["flask"], (config, path)


def test_unhandled_errors_propagate_like_flask() -> None:
    apps = _both(make_full_app, TESTING=True)
    for app in apps.values():
        with pytest.raises(KeyError, match="crash"):
            app.test_client().get("/crash")
