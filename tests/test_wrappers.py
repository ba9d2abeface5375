"""Tests for microframe.wrappers: the Request and Response classes."""

from __future__ import annotations

import io
import typing as t
from http import HTTPStatus

import flask
import pytest
from werkzeug.exceptions import BadRequest, BadRequestKeyError, UnsupportedMediaType
from werkzeug.test import EnvironBuilder

from microframe import Blueprint, Microframe, Request, Response, request
from microframe.ctx import AppContext, RequestContext
from microframe.debughelpers import DebugFilesKeyError
from microframe.testing import MicroframeClient

# --- the fields read from the environ -------------------------------------------


def _environ(**overrides: t.Any) -> dict[str, t.Any]:
    builder = EnvironBuilder(
        "/a/b",
        base_url="http://example.com:8080/root/",
        query_string="x=1&y=%C3%A9",
        method="post",
        headers={"X-Forwarded-For": "1.2.3.4", "X-Custom": "yes"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    environ = builder.get_environ()
    builder.close()
    for key, value in overrides.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return environ


ENVIRONS = {
    "plain": {},
    "latin1 encoded utf8 path": {
        "PATH_INFO": "/caf\xc3\xa9",
        "SCRIPT_NAME": "/r\xc3\xa9/",
    },
    "missing values": {
        "PATH_INFO": "",
        "SERVER_PORT": None,
        "REQUEST_METHOD": None,
        "QUERY_STRING": None,
        "REMOTE_ADDR": None,
    },
    "odd values": {
        "PATH_INFO": "//double//",
        "SERVER_PORT": "not a port",
        "SERVER_NAME": None,
        "HTTP_HOST": None,
    },
    "https lower-case method": {"wsgi.url_scheme": "https", "REQUEST_METHOD": "patch"},
}

FIELDS = [
    "method",
    "scheme",
    "server",
    "root_path",
    "path",
    "query_string",
    "remote_addr",
    "full_path",
    "script_root",
    "url",
    "base_url",
    "url_root",
    "host_url",
    "host",
    "args",
    "access_route",
    "is_secure",
]


@pytest.mark.parametrize("overrides", ENVIRONS.values(), ids=list(ENVIRONS))
def test_environ_fields_match_flask(overrides: dict[str, t.Any]) -> None:
    ours = Request(_environ(**overrides))
    theirs = flask.Request(_environ(**overrides))
    for name in FIELDS:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert list(ours.headers) == list(theirs.headers)


def test_cookies_and_stream_are_cached_set_and_reset_as_in_werkzeug() -> None:
    from werkzeug.wrappers import Request as WerkzeugRequest

    def environ() -> dict[str, t.Any]:
        return _environ(
            HTTP_COOKIE="a=1; b=2",
            CONTENT_LENGTH="5",
            **{"wsgi.input": io.BytesIO(b"hello")},
        )

    for req in (Request(environ()), WerkzeugRequest(environ())):
        assert req.cookies is req.cookies
        assert dict(req.cookies) == {"a": "1", "b": "2"}
        req.cookies = {"mine": "x"}  # type: ignore[assignment]
        assert req.cookies == {"mine": "x"}
        del req.cookies
        assert dict(req.cookies) == {"a": "1", "b": "2"}
        stream = req.stream
        assert stream is req.stream
        assert stream.read() == b"hello"


def test_fields_can_be_assigned() -> None:
    assert "URL scheme" in (Request.scheme.__doc__ or "")
    req = Request(_environ())
    assert req.method == "POST"
    req.method = "PUT"
    req.path = "/elsewhere"
    assert (req.method, req.path) == ("PUT", "/elsewhere")


def test_request_registers_itself_in_the_environ() -> None:
    environ = _environ()
    req = Request(environ)
    assert environ["werkzeug.request"] is req
    shallow_environ = _environ()
    Request(shallow_environ, shallow=True)
    assert "werkzeug.request" not in shallow_environ


# --- JSON bodies ------------------------------------------------------------------


@pytest.fixture
def json_app(app: Microframe) -> Microframe:
    @app.post("/json")
    def json_view() -> t.Any:
        return {"value": request.json}

    @app.post("/get_json")
    def get_json_view() -> t.Any:
        return {
            "silent": request.get_json(silent=True),
            "force": request.get_json(force=True, silent=True),
        }

    return app


def test_json_body(json_app: Microframe) -> None:
    response = json_app.test_client().post("/json", json={"a": [1, 2]})
    assert response.status_code == 200
    assert response.json == {"value": {"a": [1, 2]}}


@pytest.mark.parametrize("debug", [False, True])
def test_malformed_json_is_a_400_saying_why(json_app: Microframe, debug: bool) -> None:
    json_app.debug = debug
    response = json_app.test_client().post(
        "/json", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The request body is not valid JSON: Expecting property name" in body
    assert "Content-Type: application/json" in body


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [("text/plain", "&#39;text/plain&#39;"), (None, "&#39;missing&#39;")],
)
def test_wrong_content_type_is_a_415(
    json_app: Microframe, content_type: str | None, shown: str
) -> None:
    response = json_app.test_client().post(
        "/json", data="[1]", content_type=content_type
    )
    assert response.status_code == 415
    body = response.get_data(as_text=True)
    assert f"its Content-Type is {shown}" in body
    assert "Content-Type: application/json" in body


def test_json_errors_are_werkzeug_exceptions(app: Microframe) -> None:
    with (
        app.test_request_context(data="{", content_type="application/json"),
        pytest.raises(BadRequest) as info,
    ):
        request.get_json()
    assert info.value.code == 400
    assert (info.value.description or "").startswith(
        "The request body is not valid JSON"
    )
    with (
        app.test_request_context(data="{}", content_type="text/plain"),
        pytest.raises(UnsupportedMediaType),
    ):
        request.get_json()


def test_get_json_silent_and_force(json_app: Microframe) -> None:
    client = json_app.test_client()
    plain = client.post("/get_json", data="[1]", content_type="text/plain")
    assert plain.json == {"silent": None, "force": [1]}
    broken = client.post("/get_json", data="{", content_type="application/json")
    assert broken.json == {"silent": None, "force": None}


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/vnd.api+json",
        "application/jsonx",
        "text/json",
        "text/plain",
        "",
        None,
    ],
)
def test_is_json_matches_werkzeug(content_type: str | None) -> None:
    environ = _environ(CONTENT_TYPE=content_type)
    assert Request(environ).is_json is flask.Request(environ).is_json


def test_is_json_asks_an_overridden_mimetype() -> None:
    class Plain(Request):
        @property
        def mimetype(self) -> str:
            return "text/plain"

    assert not Plain(_environ(CONTENT_TYPE="application/json")).is_json


def test_json_uses_the_app_json_provider(app: Microframe) -> None:
    calls: list[t.Any] = []

    class Provider(type(app.json)):  # type: ignore[misc]
        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            calls.append(s)
            return super().loads(s, **kwargs)

    app.json = Provider(app)
    with app.test_request_context(json={"a": 1}):
        assert request.json == {"a": 1}
    assert calls == [b'{"a": 1}']


# --- forms, files and query arguments ---------------------------------------------


@pytest.fixture
def form_app(app: Microframe) -> Microframe:
    @app.route("/form", methods=["POST"])
    def form() -> t.Any:
        return {
            "form": request.form.to_dict(flat=False),
            "files": {k: v.read().decode() for k, v in request.files.items()},
            "args": request.args.to_dict(flat=False),
        }

    @app.before_request
    def limit() -> None:
        limit = request.args.get("limit")
        if limit is not None:
            request.max_content_length = int(limit)

    return app


def test_form_files_and_args(form_app: Microframe) -> None:
    response = form_app.test_client().post(
        "/form?a=1&a=2",
        data={"f": ["x", "y"], "up": (io.BytesIO(b"file body"), "u.txt")},
    )
    assert response.json == {
        "form": {"f": ["x", "y"]},
        "files": {"up": "file body"},
        "args": {"a": ["1", "2"]},
    }


def test_missing_form_key_is_a_400(form_app: Microframe) -> None:
    @form_app.post("/key")
    def key() -> str:
        return request.form["missing"]

    response = form_app.test_client().post("/key", data={"other": "1"})
    assert response.status_code == 400
    assert b"could not understand" in response.data


def _assert_413(response: t.Any) -> None:
    assert response.status_code == 413
    assert b"Request Entity Too Large" in response.data


def test_max_content_length(form_app: Microframe) -> None:
    form_app.config["MAX_CONTENT_LENGTH"] = 10
    client = form_app.test_client()
    _assert_413(client.post("/form", data={"f": "v" * 20}))
    assert client.post("/form", data={"f": "v"}).status_code == 200


def test_max_content_length_per_request_override(form_app: Microframe) -> None:
    client = form_app.test_client()
    _assert_413(client.post("/form?limit=5", data={"f": "123456"}))
    assert client.post("/form", data={"f": "123456"}).status_code == 200
    # The override also lifts the config value for that request.
    form_app.config["MAX_CONTENT_LENGTH"] = 5
    response = client.post("/form?limit=100", data={"f": "123456"})
    assert response.json["form"] == {"f": ["123456"]}  # type: ignore[index]


def test_max_form_memory_size(form_app: Microframe) -> None:
    form_app.config["MAX_FORM_MEMORY_SIZE"] = 10
    client = form_app.test_client()
    _assert_413(
        client.post("/form", data={"f": "v" * 20, "up": (io.BytesIO(b"x"), "u.txt")})
    )
    response = client.post("/form", data={"f": "v" * 5, "g": "w" * 5})
    assert response.status_code == 200


def test_max_form_parts(form_app: Microframe) -> None:
    form_app.config["MAX_FORM_PARTS"] = 2
    client = form_app.test_client()
    data = {"a": "1", "b": "2", "c": "3", "up": (io.BytesIO(b"x"), "u.txt")}
    _assert_413(client.post("/form", data=data))


def test_limits_read_the_config_of_the_current_app(app: Microframe) -> None:
    app.config.update(MAX_CONTENT_LENGTH=1, MAX_FORM_MEMORY_SIZE=2, MAX_FORM_PARTS=3)
    with app.test_request_context():
        assert request.max_content_length == 1
        assert request.max_form_memory_size == 2
        assert request.max_form_parts == 3
        request.max_form_memory_size = 20
        request.max_form_parts = 30
        assert request.max_form_memory_size == 20
        assert request.max_form_parts == 30


def test_limits_outside_an_app_are_werkzeugs() -> None:
    req = Request(_environ())
    assert req.max_content_length is None
    assert req.max_form_memory_size == 500_000
    assert req.max_form_parts == 1_000


# --- what routing decided ---------------------------------------------------------


def test_routing_attributes(app: Microframe) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @child.route("/item/<int:n>")
    def item(n: int) -> t.Any:
        assert request.url_rule is not None
        return {
            "endpoint": request.endpoint,
            "blueprint": request.blueprint,
            "blueprints": request.blueprints,
            "rule": request.url_rule.rule,
            "view_args": request.view_args,
        }

    @app.route("/plain")
    def plain() -> t.Any:
        return {"blueprint": request.blueprint, "blueprints": request.blueprints}

    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent, url_prefix="/p")
    client = app.test_client()
    assert client.get("/p/c/item/3").json == {
        "endpoint": "parent.child.item",
        "blueprint": "parent.child",
        "blueprints": ["parent.child", "parent"],
        "rule": "/p/c/item/<int:n>",
        "view_args": {"n": 3},
    }
    assert client.get("/plain").json == {"blueprint": None, "blueprints": []}


def test_routing_attributes_on_a_miss(app: Microframe) -> None:
    with app.test_request_context("/nowhere"):
        assert request.url_rule is None
        assert request.view_args is None
        assert request.endpoint is None
        assert request.blueprint is None
        assert request.blueprints == []
        assert request.routing_exception is not None
        assert request.routing_exception.code == 404


def test_routing_attributes_before_matching() -> None:
    req = Request(_environ())
    assert (req.url_rule, req.view_args, req.routing_exception) == (None, None, None)


# --- the debug-mode files error -----------------------------------------------


@pytest.fixture
def files_app(app: Microframe) -> Microframe:
    @app.post("/upload")
    def upload() -> bytes:
        return request.files["up"].read()

    return app


def test_files_key_error_explains_the_enctype_in_debug(files_app: Microframe) -> None:
    files_app.debug = True
    client = files_app.test_client()
    with pytest.raises(DebugFilesKeyError) as info:
        client.post("/upload", data={"up": "name.txt"})
    message = str(info.value)
    assert "request.files has no file 'up'" in message
    assert "'application/x-www-form-urlencoded'" in message
    assert 'enctype="multipart/form-data"' in message
    assert "The browser sent only the file name(s): 'name.txt'" in message
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, AssertionError)


def test_files_key_error_for_a_key_not_in_the_form_either(
    files_app: Microframe,
) -> None:
    files_app.debug = True
    with pytest.raises(BadRequestKeyError) as info:
        files_app.test_client().post("/upload", data={"other": "1"})
    assert not isinstance(info.value, DebugFilesKeyError)


def test_files_key_error_without_debug_is_a_plain_400(files_app: Microframe) -> None:
    response = files_app.test_client().post("/upload", data={"up": "name.txt"})
    assert response.status_code == 400


def test_multipart_in_debug_works(files_app: Microframe) -> None:
    files_app.debug = True
    response = files_app.test_client().post(
        "/upload", data={"up": (io.BytesIO(b"content"), "a.txt")}
    )
    assert response.data == b"content"


# --- Response -------------------------------------------------------------------


def test_response_defaults_to_html() -> None:
    response = Response("hello")
    assert response.mimetype == "text/html"
    assert response.content_type == "text/html; charset=utf-8"
    assert response.status_code == 200
    assert Response("x", mimetype="text/plain").content_type == (
        "text/plain; charset=utf-8"
    )


def test_views_return_html_by_default(
    client: MicroframeClient, app: Microframe
) -> None:
    app.add_url_rule("/", "index", lambda: "<p>hi</p>")
    assert client.get("/").content_type == "text/html; charset=utf-8"


def test_response_does_not_make_location_absolute(req_ctx: RequestContext) -> None:
    response = Response(status=302, headers={"Location": "/relative"})
    environ = request.environ
    headers = response.get_wsgi_headers(environ)
    assert headers["Location"] == "/relative"


def test_response_json_uses_the_app_provider(app: Microframe) -> None:
    response = Response('{"a": 1}', mimetype="application/json")
    assert response.json == {"a": 1}
    with app.app_context():
        assert response.json == {"a": 1}


def test_max_cookie_size_comes_from_config(app_ctx: AppContext) -> None:
    app_ctx.app.config["MAX_COOKIE_SIZE"] = 80
    response = Response()
    assert response.max_cookie_size == 80
    with pytest.warns(UserWarning, match="cookie is too large"):
        response.set_cookie("big", "x" * 100)
    app_ctx.app.config["MAX_COOKIE_SIZE"] = 0
    Response().set_cookie("big", "x" * 10_000)  # 0 turns the check off


def test_max_cookie_size_without_an_app_is_werkzeugs() -> None:
    assert Response().max_cookie_size == 4093


@pytest.mark.parametrize(
    "status", [None, 200, 201, 302, 404, 418, 599, "299 CUSTOM", HTTPStatus.CREATED]
)
def test_text_responses_carry_the_status_werkzeug_would(status: t.Any) -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    ours = Response("x", status)
    theirs = WerkzeugResponse("x", status)
    assert (ours.status, ours.status_code) == (theirs.status, theirs.status_code)


# --- cookies, forms and header updates, against werkzeug's own classes ----------


def _request_pair(body: bytes, content_type: str, **extra: t.Any) -> t.Any:
    # The same environ for a microframe Request and a plain werkzeug one.
    from werkzeug.wrappers import Request as WerkzeugRequest

    def environ() -> dict[str, t.Any]:
        builder = EnvironBuilder(
            "/", method="POST", data=body, content_type=content_type, **extra
        )
        built = builder.get_environ()
        builder.close()
        return built

    return Request(environ()), WerkzeugRequest(environ())


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"user=ada&empty=&a=1&a=2&sp=x+y%20z", "application/x-www-form-urlencoded"),
        (b"bad=%FF%FE&ok=%C3%A9", "application/x-www-form-urlencoded"),
        (b"\xff\xfe=not-utf-8", "application/x-www-form-urlencoded"),
        (b"user=ada", "application/x-www-form-urlencoded; charset=utf-8"),
        (b"user=ada", "text/plain"),
        (b"", "application/x-www-form-urlencoded"),
    ],
)
def test_forms_parse_as_werkzeug_parses_them(body: bytes, content_type: str) -> None:
    ours, theirs = _request_pair(body, content_type)
    assert list(ours.form.items(multi=True)) == list(theirs.form.items(multi=True))
    assert type(ours.form) is type(theirs.form)
    assert not ours.files
    assert ours.stream.read() == theirs.stream.read()


def test_a_form_read_after_get_data_parses_the_cached_body() -> None:
    ours, theirs = _request_pair(b"user=ada", "application/x-www-form-urlencoded")
    assert ours.get_data() == theirs.get_data() == b"user=ada"
    assert ours.form["user"] == theirs.form["user"] == "ada"


def test_a_request_class_with_its_own_form_parser_is_honoured() -> None:
    from werkzeug.formparser import FormDataParser

    class Upper(FormDataParser):
        def parse(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
            stream, form, files = super().parse(*args, **kwargs)
            return stream, self.cls({k: v.upper() for k, v in form.items()}), files

    class CustomRequest(Request):
        form_data_parser_class = Upper

    builder = EnvironBuilder(
        "/", method="POST", data=b"user=ada", content_type=_URLENCODED
    )
    assert CustomRequest(builder.get_environ()).form["user"] == "ADA"
    builder.close()


_URLENCODED = "application/x-www-form-urlencoded"


def test_a_body_over_max_content_length_is_refused_before_parsing() -> None:
    app = Microframe(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 4

    @app.post("/")
    def post() -> str:
        return repr(dict(request.form))

    response = app.test_client().post("/", data={"user": "ada lovelace"})
    assert response.status_code == 413


def _cookie_request(header: str, storage: type | None = None) -> Request:
    class Custom(Request):
        pass

    if storage is not None:
        Custom.dict_storage_class = storage  # type: ignore[assignment]
    return Custom(_environ(HTTP_COOKIE=header))


def test_cookies_parse_as_werkzeug_parses_them() -> None:
    from werkzeug.wrappers import Request as WerkzeugRequest

    header = 'a=1; b="quoted \\"x\\""; a=2; empty=; c=%C3%A9'
    ours = _cookie_request(header).cookies
    theirs = WerkzeugRequest(_environ(HTTP_COOKIE=header)).cookies
    assert list(ours.items(multi=True)) == list(theirs.items(multi=True))


def test_the_same_cookie_header_is_parsed_once_and_shared_immutably() -> None:
    header = "session=abc; theme=dark"
    first, second = _cookie_request(header), _cookie_request(header)
    assert first.cookies is second.cookies
    with pytest.raises(TypeError):
        first.cookies["theme"] = "light"  # type: ignore[index]
    assert _cookie_request("theme=light").cookies["theme"] == "light"


def test_cookies_in_a_mutable_dict_class_are_not_shared() -> None:
    from werkzeug.datastructures import MultiDict

    first = _cookie_request("theme=dark", MultiDict)
    second = _cookie_request("theme=dark", MultiDict)
    first.cookies["theme"] = "light"
    assert second.cookies["theme"] == "dark"
    assert first.cookies is not second.cookies


def test_the_table_of_parsed_cookie_headers_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from microframe import wrappers

    monkeypatch.setattr(wrappers, "_parsed_cookies", {})
    monkeypatch.setattr(wrappers, "_PARSED_COOKIES_MAX", 3)
    for number in range(10):
        assert _cookie_request(f"n={number}").cookies["n"] == str(number)
        assert len(wrappers._parsed_cookies) <= 3


def _header_pair() -> tuple[t.Any, t.Any]:
    from werkzeug.wrappers import Response as WerkzeugResponse

    return Response("hello"), WerkzeugResponse("hello", mimetype="text/html")


@pytest.mark.parametrize(
    "update",
    [
        {"X-One": "1", "X-Two": "2"},
        {"content-type": "text/plain", "X-New": "n"},
        {"X-A": "1", "x-a": "2"},
        {"X-Int": 5, "X-List": ["a", "b"]},
        {"X-Tuple": ("a", "b")},
    ],
)
def test_header_updates_behave_as_werkzeug_s(update: dict[str, t.Any]) -> None:
    ours, theirs = _header_pair()
    ours.headers.update(update)
    theirs.headers.update(update)
    assert list(ours.headers) == list(theirs.headers)


def test_a_header_update_with_a_newline_changes_nothing() -> None:
    ours, theirs = _header_pair()
    bad = {"X-Fine": "ok", "X-Evil": "a\r\nSet-Cookie: x=1"}
    with pytest.raises(ValueError, match="newline"):
        theirs.headers.update(bad)
    with pytest.raises(ValueError, match="newline"):
        ours.headers.update(bad)
    assert "X-Evil" not in ours.headers


def test_header_updates_by_keyword_and_pairs_work() -> None:
    ours, theirs = _header_pair()
    for headers in (ours.headers, theirs.headers):
        headers.update([("X-Pair", "p")], X_Keyword="k")
    assert list(ours.headers) == list(theirs.headers)


def test_copied_or_replaced_lazy_headers_are_written_as_they_are() -> None:
    def written(response: Response) -> list[tuple[str, str]]:
        sent: list[list[tuple[str, str]]] = []
        environ = {"REQUEST_METHOD": "GET"}
        body = b"".join(response(environ, lambda s, h, e=None: sent.append(h)))
        assert body == b"hello"
        return sent[0]

    copied = Response("hello")
    copied.headers = copied.headers.copy()
    copied.headers["X-Copy"] = "yes"
    assert written(copied) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", "5"),
        ("X-Copy", "yes"),
    ]

    emptied = Response("hello")
    emptied.headers.clear()
    emptied.headers["X-Only"] = "this"
    assert written(emptied) == [("X-Only", "this"), ("Content-Length", "5")]

    untouched = Response("hello")
    assert written(untouched) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", "5"),
    ]


def test_location_headers_are_made_uris_as_werkzeug_makes_them() -> None:
    import random

    from werkzeug.urls import iri_to_uri

    from microframe.wrappers import _as_uri

    rng = random.Random(7)
    alphabet = "/?#:@%!$&'()*+,;=-._~ aZ09é\t\"<>[]\\^`{|}"
    samples = ["/", "//evil.example/x", "/a?", "/a?b=1&c=/d?e", "/%zz", "/a#f"]
    samples += [
        "/" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for _ in range(5000)
    ]

    def outcome(convert: t.Callable[[str], str], value: str) -> object:
        try:
            return convert(value)
        except ValueError as error:  # werkzeug refuses some hosts ("//.")
            return type(error)

    for value in samples:
        assert outcome(_as_uri, value) == outcome(iri_to_uri, value), value

    app = Microframe(__name__)

    @app.route("/go")
    def go() -> t.Any:
        return flask_style_redirect()

    def flask_style_redirect() -> t.Any:
        from microframe import redirect

        return redirect("/caf\u00e9 menu?x=\u00e9")

    response = app.test_client().get("/go")
    assert response.headers["Location"] == "/caf%C3%A9%20menu?x=%C3%A9"


@pytest.mark.parametrize(
    ("name", "value", "options"),
    [
        ("Location", "/next", {}),
        ("content-type", "text/plain", {}),
        ("X-Number", 3, {}),
        ("Content-Disposition", "attachment", {"filename": "a b.txt"}),
    ],
)
def test_setting_a_header_behaves_as_werkzeug_s(
    name: str, value: t.Any, options: dict[str, str]
) -> None:
    ours, theirs = _header_pair()
    for headers in (ours.headers, theirs.headers):
        headers.set(name, value, **options)
        headers[f"{name}-Again"] = str(value)
        headers.add(name, value, **options)
    assert list(ours.headers) == list(theirs.headers)
    assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list()


def test_adding_a_header_with_a_newline_is_refused_as_by_werkzeug() -> None:
    ours, theirs = _header_pair()
    for headers in (ours.headers, theirs.headers):
        with pytest.raises(ValueError, match="newline"):
            headers.add("X-Evil", "a\nb")
    assert list(ours.headers) == list(theirs.headers)


def test_a_urlencoded_body_over_max_form_memory_size_goes_to_werkzeug() -> None:
    from werkzeug.wrappers import Request as WerkzeugRequest

    body = b"note=" + b"x" * 100

    def parse(request_class: type) -> t.Any:
        class Limited(request_class):  # type: ignore[misc,valid-type]
            max_form_memory_size = 50

        builder = EnvironBuilder(
            "/", method="POST", data=body, content_type=_URLENCODED
        )
        try:
            return dict(Limited(builder.get_environ()).form)
        except Exception as error:
            return type(error)
        finally:
            builder.close()

    assert parse(Request) == parse(WerkzeugRequest)


def test_a_request_class_that_wants_no_form_parsing_gets_none() -> None:
    class NoForms(Request):
        @property
        def want_form_data_parsed(self) -> bool:
            return False

    builder = EnvironBuilder("/", method="POST", data=b"a=1", content_type=_URLENCODED)
    request = NoForms(builder.get_environ())
    assert not request.form
    assert request.get_data() == b"a=1"
    builder.close()
