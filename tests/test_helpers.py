"""Tests for microframe.helpers: url_for, redirect, abort, flash, files, streams."""

from __future__ import annotations

import io
import os
import sys
import types
import typing as t
from datetime import datetime, timezone

import flask
import pytest
from werkzeug.exceptions import Aborter, HTTPException, NotFound
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response as WerkzeugResponse

import microframe
from microframe import (
    Blueprint,
    Microframe,
    Response,
    abort,
    flash,
    g,
    get_flashed_messages,
    get_template_attribute,
    make_response,
    message_flashed,
    redirect,
    request,
    send_file,
    send_from_directory,
    session,
    stream_with_context,
    url_for,
)
from microframe.ctx import AppContext, RequestContext
from microframe.testing import MicroframeClient

TESTS = os.path.dirname(__file__)
HELLO = os.path.join(TESTS, "static", "hello.txt")
HELLO_BODY = b"hello static\n"


@pytest.fixture(params=[microframe, flask], ids=["microframe", "flask"])
def fw(request: pytest.FixtureRequest) -> types.ModuleType:
    """The microframe package, then the flask package."""
    return t.cast(types.ModuleType, request.param)


def fetch(client: t.Any, url: str, **kwargs: t.Any) -> t.Any:
    """GET ``url`` and read and close the response (file responses hold a file)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def new_app(fw: types.ModuleType, **kwargs: t.Any) -> t.Any:
    """A testing app rooted in the tests folder, on the framework ``fw``."""
    app_class = fw.Microframe if fw is microframe else fw.Flask
    app = app_class("helpers_app", root_path=TESTS, **kwargs)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


# --- url_for ----------------------------------------------------------------------


@pytest.fixture
def url_app(app: Microframe) -> Microframe:
    app.add_url_rule("/", "index", lambda: "")
    app.add_url_rule("/user/<name>", "user", lambda name: name)
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("/page", "page", lambda: "")
    app.register_blueprint(bp)
    return app


def test_url_for_in_a_request(url_app: Microframe) -> None:
    with url_app.test_request_context():
        assert url_for("index") == "/"
        assert url_for("user", name="ada") == "/user/ada"
        assert url_for("user", name="ada", page=2) == "/user/ada?page=2"
        assert url_for("index", _anchor="top part") == "/#top%20part"
        assert url_for("index", _external=True) == "http://localhost/"
        assert url_for("index", _scheme="https") == "https://localhost/"
        assert url_for("bp.page") == "/bp/page"
        assert url_for(".index") == "/"


def test_url_for_relative_to_the_current_blueprint(url_app: Microframe) -> None:
    with url_app.test_request_context("/bp/page"):
        assert url_for(".page") == "/bp/page"


def test_url_for_scheme_needs_external(url_app: Microframe) -> None:
    with url_app.test_request_context(), pytest.raises(ValueError) as info:
        url_for("index", _scheme="https", _external=False)
    assert "_external=True" in str(info.value)


def test_url_for_unknown_endpoint(url_app: Microframe) -> None:
    with url_app.test_request_context(), pytest.raises(BuildError):
        url_for("missing")


def test_url_for_build_error_handler(url_app: Microframe) -> None:
    seen: list[t.Any] = []

    def handler(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str:
        seen.append((endpoint, values["_anchor"]))
        return f"/fallback/{endpoint}"

    url_app.url_build_error_handlers.append(handler)
    with url_app.test_request_context():
        assert url_for("missing", _anchor="a") == "/fallback/missing"
    assert seen == [("missing", "a")]


def test_url_for_outside_a_request_needs_server_name(url_app: Microframe) -> None:
    with url_app.app_context(), pytest.raises(RuntimeError) as info:
        url_for("index")
    message = str(info.value)
    assert "'index'" in message
    assert "app.config['SERVER_NAME']" in message
    url_app.config.update(SERVER_NAME="example.com", PREFERRED_URL_SCHEME="https")
    with url_app.app_context():
        assert url_for("user", name="ada") == "https://example.com/user/ada"
        assert url_for("index", _external=False) == "/"


def test_url_for_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        url_for("index")


# --- redirect ---------------------------------------------------------------------


def test_redirect_in_an_app_uses_its_response_class(app: Microframe) -> None:
    class MyResponse(Response):
        pass

    app.response_class = MyResponse
    with app.app_context():
        response = redirect("/target")
        assert isinstance(response, MyResponse)
        assert response.status_code == 302
        assert response.headers["Location"] == "/target"
        assert b"/target" in response.get_data()
        assert redirect("/moved", 301).status_code == 301
        # The Response argument is for use without an app.
        assert isinstance(redirect("/x", Response=WerkzeugResponse), MyResponse)


def test_redirect_without_an_app() -> None:
    response = redirect("https://example.com/a", code=307)
    assert type(response) is WerkzeugResponse
    assert response.status_code == 307
    assert response.headers["Location"] == "https://example.com/a"
    assert type(redirect("/x", Response=Response)) is Response


def test_redirect_from_a_view(client: MicroframeClient, app: Microframe) -> None:
    app.add_url_rule("/old", "old", lambda: redirect("/new", 308))
    app.add_url_rule("/new", "new", lambda: "new place")
    response = client.get("/old")
    assert response.status_code == 308
    assert response.location == "/new"
    followed = client.get("/old", follow_redirects=True)
    assert followed.data == b"new place"
    assert [r.status_code for r in followed.history] == [308]


# --- abort ------------------------------------------------------------------------


@pytest.mark.parametrize("code", [400, 401, 403, 404, 405, 409, 418, 500, 503])
def test_abort_codes(app: Microframe, code: int) -> None:
    def view() -> str:
        abort(code)

    app.add_url_rule("/", "index", view)
    assert app.test_client().get("/").status_code == code


def test_abort_with_description(app: Microframe) -> None:
    def view() -> str:
        abort(403, "You shall not pass.")

    app.add_url_rule("/", "index", view)
    response = app.test_client().get("/")
    assert response.status_code == 403
    assert b"You shall not pass." in response.data


def test_abort_with_a_response(app: Microframe) -> None:
    def view() -> str:
        abort(Response("custom body", status=402, headers={"X-Why": "pay"}))

    app.add_url_rule("/", "index", view)
    response = app.test_client().get("/")
    assert response.status_code == 402
    assert response.data == b"custom body"
    assert response.headers["X-Why"] == "pay"


def test_abort_unknown_code(app_ctx: AppContext) -> None:
    with pytest.raises(LookupError, match="no exception for 799"):
        abort(799)


def test_abort_uses_the_app_aborter(app: Microframe) -> None:
    class Conflictish(HTTPException):
        code = 499
        description = "Client closed the request."

    app.aborter = Aborter(extra={499: Conflictish})

    def view() -> str:
        abort(499)

    app.add_url_rule("/", "index", view)
    response = app.test_client().get("/")
    assert response.status_code == 499
    assert b"Client closed the request." in response.data


def test_abort_uses_the_aborter_class() -> None:
    class MyAborter(Aborter):
        def __call__(self, code: t.Any, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
            raise NotFound(f"custom aborter got {code}")

    class MyApp(Microframe):
        aborter_class = MyAborter

    with MyApp("x").app_context(), pytest.raises(NotFound, match="got 500"):
        abort(500)


def test_abort_without_an_app() -> None:
    with pytest.raises(NotFound):
        abort(404)


# --- flashing ---------------------------------------------------------------------


@pytest.fixture
def flash_app(app: Microframe) -> Microframe:
    @app.route("/flash")
    def add() -> str:
        flash("plain")
        flash("careful", "warning")
        flash("broken", "error")
        return "flashed"

    @app.route("/read")
    def read() -> t.Any:
        first = get_flashed_messages()
        return {
            "plain": first,
            "again": get_flashed_messages(),
            "categories": get_flashed_messages(with_categories=True),
            "filtered": get_flashed_messages(category_filter=["error", "warning"]),
            "filtered_with": get_flashed_messages(
                with_categories=True, category_filter=("error",)
            ),
        }

    return app


def test_flashed_messages_are_read_on_the_next_request(flash_app: Microframe) -> None:
    client = flash_app.test_client()
    client.get("/flash")
    assert client.get("/read").json == {
        "plain": ["plain", "careful", "broken"],
        "again": ["plain", "careful", "broken"],
        "categories": [
            ["message", "plain"],
            ["warning", "careful"],
            ["error", "broken"],
        ],
        "filtered": ["careful", "broken"],
        "filtered_with": [["error", "broken"]],
    }
    # Consumed: the following request has none.
    assert client.get("/read").json["plain"] == []  # type: ignore[index]


def test_flashes_accumulate_across_requests(flash_app: Microframe) -> None:
    client = flash_app.test_client()
    client.get("/flash")
    client.get("/flash")
    assert len(client.get("/read").json["plain"]) == 6  # type: ignore[index]


def test_flashed_messages_in_templates(flash_app: Microframe) -> None:
    @flash_app.route("/page")
    def page() -> str:
        return microframe.render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}"
            "[{{ c }}:{{ m }}]{% endfor %}"
        )

    client = flash_app.test_client()
    client.get("/flash")
    assert client.get("/page").data == (
        b"[message:plain][warning:careful][error:broken]"
    )


def test_flash_in_the_same_request(req_ctx: RequestContext) -> None:
    flash("now", "info")
    assert session["_flashes"] == [("info", "now")]
    assert get_flashed_messages(with_categories=True) == [("info", "now")]
    assert "_flashes" not in session


def test_message_flashed_signal(flash_app: Microframe) -> None:
    received: list[tuple[t.Any, dict[str, t.Any]]] = []

    def receive(sender: t.Any, **kwargs: t.Any) -> None:
        received.append((sender, kwargs))

    with message_flashed.connected_to(receive, flash_app):
        flash_app.test_client().get("/flash")
    assert received == [
        (flash_app, {"message": "plain", "category": "message"}),
        (flash_app, {"message": "careful", "category": "warning"}),
        (flash_app, {"message": "broken", "category": "error"}),
    ]


def test_flash_without_a_secret_key(app: Microframe) -> None:
    app.secret_key = None
    with app.test_request_context(), pytest.raises(RuntimeError, match="SECRET_KEY"):
        flash("nowhere to keep it")


# --- send_file ------------------------------------------------------------------


@pytest.fixture
def file_app(app: Microframe) -> Microframe:
    @app.route("/file")
    def file() -> Response:
        return send_file(HELLO)

    @app.route("/relative")
    def relative() -> Response:
        return send_file("static/hello.txt")

    return app


def test_send_file_path(file_app: Microframe) -> None:
    client = file_app.test_client()
    for path in ("/file", "/relative"):
        response = fetch(client, path)
        assert response.status_code == 200
        assert response.data == HELLO_BODY
        assert response.content_type == "text/plain; charset=utf-8"
        assert response.headers["Content-Length"] == str(len(HELLO_BODY))
        assert response.headers["Content-Disposition"] == "inline; filename=hello.txt"
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["ETag"]
        assert response.last_modified is not None
        response.close()


def test_send_file_object(req_ctx: RequestContext) -> None:
    response = send_file(io.BytesIO(b"in memory"), mimetype="application/x-thing")
    response.direct_passthrough = False
    assert response.get_data() == b"in memory"
    assert response.mimetype == "application/x-thing"
    assert "Content-Disposition" not in response.headers
    response = send_file(io.BytesIO(b"x"), download_name="report.csv")
    assert response.mimetype == "text/csv"
    response.close()


def test_send_file_object_needs_a_name_or_mimetype(req_ctx: RequestContext) -> None:
    with pytest.raises(TypeError, match="download_name"):
        send_file(io.BytesIO(b"x"))


def test_send_file_attachment(req_ctx: RequestContext) -> None:
    response = send_file(HELLO, as_attachment=True, download_name="résumé.txt")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=resume.txt; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"
    )
    response.close()
    response = send_file(HELLO, as_attachment=True)
    assert response.headers["Content-Disposition"] == "attachment; filename=hello.txt"
    response.close()


def test_send_file_conditional(file_app: Microframe) -> None:
    client = file_app.test_client()
    first = fetch(client, "/file")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    first.close()
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
        response = fetch(client, "/file", headers=headers)
        assert response.status_code == 304
        assert response.data == b""
    stale = fetch(client, "/file", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    stale.close()


def test_send_file_range(file_app: Microframe) -> None:
    client = file_app.test_client()
    response = fetch(client, "/file", headers={"Range": "bytes=0-4"})
    assert response.status_code == 206
    assert response.data == b"hello"
    assert response.headers["Content-Range"] == f"bytes 0-4/{len(HELLO_BODY)}"
    assert response.headers["Content-Length"] == "5"
    response = fetch(client, "/file", headers={"Range": "bytes=100-200"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(HELLO_BODY)}"


def test_send_file_not_conditional(req_ctx: RequestContext) -> None:
    response = send_file(HELLO, conditional=False)
    assert "Accept-Ranges" not in response.headers
    response.close()


def test_send_file_max_age(file_app: Microframe) -> None:
    with file_app.test_request_context():
        response = send_file(HELLO, max_age=10)
        assert response.headers["Cache-Control"] == "public, max-age=10"
        response.close()
        response = send_file(HELLO, max_age=lambda name: 20)
        assert response.cache_control.max_age == 20
        response.close()
    file_app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
    response = fetch(file_app.test_client(), "/file")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    response.close()


def test_send_file_max_age_as_timedelta(app: Microframe) -> None:
    from datetime import timedelta

    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(hours=1)
    with app.test_request_context():
        assert app.get_send_file_max_age("x") == 3600


def test_get_send_file_max_age_can_be_overridden(tmp_path: t.Any) -> None:
    class MyApp(Microframe):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 5 if filename and filename.endswith(".txt") else None

    app = MyApp("x", root_path=TESTS)
    response = fetch(app.test_client(), "/static/hello.txt")
    assert response.headers["Cache-Control"] == "public, max-age=5"
    response.close()


def test_send_file_etag_and_last_modified(req_ctx: RequestContext) -> None:
    response = send_file(HELLO, etag="custom")
    assert response.headers["ETag"] == '"custom"'
    response.close()
    response = send_file(HELLO, etag=False)
    assert "ETag" not in response.headers
    response.close()
    when = datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    response = send_file(HELLO, last_modified=when)
    assert response.last_modified == when
    response.close()


def test_send_file_uses_x_sendfile(app: Microframe) -> None:
    app.config["USE_X_SENDFILE"] = True
    with app.test_request_context():
        response = send_file(HELLO)
        assert response.headers["X-Sendfile"] == HELLO
        assert response.data == b""


def test_send_file_uses_the_response_class(app: Microframe) -> None:
    class MyResponse(Response):
        pass

    app.response_class = MyResponse
    with app.test_request_context():
        response = send_file(HELLO)
        assert isinstance(response, MyResponse)
        response.close()


def test_send_file_matches_flask(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/f", "f", lambda: fw.send_file("static/hello.txt", max_age=3))
    response = fetch(app.test_client(), "/f", headers={"Range": "bytes=6-"})
    skipped = {"Date", "Last-Modified", "ETag"}
    seen = (
        response.status_code,
        response.data,
        [(k, v) for k, v in response.headers if k not in skipped],
    )
    assert seen == (
        206,
        b"static\n",
        [
            ("Content-Disposition", "inline; filename=hello.txt"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", "7"),
            ("Cache-Control", "public, max-age=3"),
            ("Expires", response.headers["Expires"]),
            ("Accept-Ranges", "bytes"),
            ("Content-Range", "bytes 6-12/13"),
        ],
    )


# --- send_from_directory ----------------------------------------------------------


@pytest.fixture
def public_dir(tmp_path: t.Any) -> str:
    """``tmp/public/page.txt`` to serve, next to ``tmp/secret.txt`` which is not."""
    public = tmp_path / "public"
    (public / "nested").mkdir(parents=True)
    (public / "page.txt").write_text("public page")
    (public / "nested" / "deep.txt").write_text("deep page")
    (tmp_path / "secret.txt").write_text("secret")
    return str(public)


def test_send_from_directory(app: Microframe, public_dir: str) -> None:
    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory(public_dir, name, max_age=7)

    client = app.test_client()
    response = fetch(client, "/files/page.txt")
    assert response.data == b"public page"
    assert response.headers["Cache-Control"] == "public, max-age=7"
    assert fetch(client, "/files/nested/deep.txt").data == b"deep page"
    assert fetch(client, "/files/missing.txt").status_code == 404


@pytest.mark.parametrize(
    "name", ["../secret.txt", "nested/../../secret.txt", "/etc/passwd", ""]
)
def test_send_from_directory_refuses_escaping_paths(
    req_ctx: RequestContext, public_dir: str, name: str
) -> None:
    with pytest.raises(NotFound):
        send_from_directory(public_dir, name)


def test_escaping_path_in_a_url_is_a_404(app: Microframe, public_dir: str) -> None:
    app.add_url_rule(
        "/files/<path:name>",
        "files",
        lambda name: send_from_directory(public_dir, name),
    )
    client = app.test_client()
    for url in ("/files/../secret.txt", "/files/..%2fsecret.txt", "/files/%2e%2e/x"):
        response = fetch(client, url)
        assert response.status_code == 404
        assert b"secret" not in response.data


def test_send_from_directory_relative_to_the_root_path(app: Microframe) -> None:
    with app.test_request_context():
        response = send_from_directory("static", "sub/style.css")
        assert response.mimetype == "text/css"
        response.close()


# --- the static route -------------------------------------------------------------


def test_static_route(client: MicroframeClient) -> None:
    response = fetch(client, "/static/hello.txt")
    assert response.status_code == 200
    assert response.data == HELLO_BODY
    assert fetch(client, "/static/sub/style.css").mimetype == "text/css"
    assert fetch(client, "/static/missing.txt").status_code == 404
    assert fetch(client, "/static/../conftest.py").status_code == 404


def test_static_url_for(app: Microframe) -> None:
    with app.test_request_context():
        assert url_for("static", filename="hello.txt") == "/static/hello.txt"


def test_static_folder_and_url_path(fw: types.ModuleType) -> None:
    app = new_app(fw, static_folder="static/sub", static_url_path="/assets/")
    assert app.static_url_path == "/assets"
    assert app.static_folder == os.path.join(TESTS, "static", "sub")
    client = app.test_client()
    assert fetch(client, "/assets/style.css").data == b"body { color: red; }\n"
    assert fetch(client, "/static/hello.txt").status_code == 404
    with app.test_request_context():
        assert fw.url_for("static", filename="style.css") == "/assets/style.css"


def test_default_static_url_path_follows_the_folder(fw: types.ModuleType) -> None:
    app = new_app(fw, static_folder="static/sub")
    assert app.static_url_path == "/sub"
    assert fetch(app.test_client(), "/sub/style.css").status_code == 200


def test_no_static_folder(fw: types.ModuleType) -> None:
    app = new_app(fw, static_folder=None)
    assert not app.has_static_folder
    assert app.static_url_path is None
    assert [r.endpoint for r in app.url_map.iter_rules()] == []
    with pytest.raises(RuntimeError, match="static"):
        app.send_static_file("hello.txt")


def test_static_host(fw: types.ModuleType) -> None:
    app = new_app(fw, static_host="static.example.com", host_matching=True)
    app.add_url_rule("/", "index", lambda: "index", host="www.example.com")
    client = app.test_client()
    response = fetch(client, "/static/hello.txt", base_url="http://static.example.com")
    assert response.data == HELLO_BODY
    response = fetch(client, "/static/hello.txt", base_url="http://www.example.com")
    assert response.status_code == 404
    assert fetch(client, "/", base_url="http://www.example.com").data == b"index"
    with app.test_request_context(base_url="http://www.example.com"):
        assert fw.url_for("static", filename="a.txt") == (
            "http://static.example.com/static/a.txt"
        )


def test_static_host_needs_host_matching() -> None:
    with pytest.raises(ValueError, match="host_matching=True"):
        Microframe("x", static_host="static.example.com")
    with pytest.raises(ValueError, match="static_host"):
        Microframe("x", host_matching=True)
    # Without a static folder neither matters.
    Microframe("x", static_folder=None, host_matching=True)


# --- stream_with_context ----------------------------------------------------------


def _stream_events(fw: types.ModuleType, async_view: bool) -> list[t.Any]:
    app = new_app(fw)
    events: list[t.Any] = []
    app.teardown_request(lambda exc: events.append(("teardown_request", exc)))
    app.teardown_appcontext(lambda exc: events.append(("teardown_app", exc)))

    def body() -> t.Any:
        fw.g.user = "ada"

        @fw.stream_with_context
        def generate() -> t.Iterator[str]:
            events.append(("start", fw.request.args["name"], fw.g.user))
            yield "Hello "
            events.append(("middle", fw.request.path))
            yield fw.request.args["name"]

        events.append("view returns")
        return generate()

    if async_view:

        async def view() -> t.Any:
            return body()

    else:

        def view() -> t.Any:
            return body()

    app.add_url_rule("/stream", "stream", view)
    response = app.test_client().get("/stream?name=Ada")
    events.append(("body", response.data))
    return events


@pytest.mark.parametrize("async_view", [False, True], ids=["sync", "async"])
def test_stream_with_context_keeps_the_request(async_view: bool) -> None:
    events = _stream_events(microframe, async_view)
    assert ("start", "Ada", "ada") in events
    assert ("middle", "/stream") in events
    assert events[-3:] == [
        ("teardown_request", None),
        ("teardown_app", None),
        ("body", b"Hello Ada"),
    ]


@pytest.mark.parametrize("async_view", [False, True], ids=["sync", "async"])
def test_stream_with_context_matches_flask(async_view: bool) -> None:
    assert _stream_events(microframe, async_view) == _stream_events(flask, async_view)


def test_stream_with_context_wraps_an_iterator(app: Microframe) -> None:
    @app.route("/")
    def index() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield request.args.get("x", "none")

        return stream_with_context(generate())

    assert app.test_client().get("/?x=1").data == b"1"


def test_stream_with_context_wraps_an_iterator_without_close(
    app: Microframe,
) -> None:
    app.add_url_rule(
        "/", "index", lambda: Response(stream_with_context(iter(["a", "b"])))
    )
    assert app.test_client().get("/").data == b"ab"


def test_stream_with_context_closes_the_wrapped_iterator(
    app: Microframe,
) -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Body:
            return self

        def __next__(self) -> bytes:
            raise StopIteration

        def close(self) -> None:
            closed.append(has_request())

    def has_request() -> bool:
        return microframe.has_request_context()

    app.add_url_rule("/", "index", lambda: Response(stream_with_context(Body())))
    app.test_client().get("/")
    assert closed == [True]


def test_stream_with_context_outside_a_request() -> None:
    def generate() -> t.Iterator[str]:
        yield ""

    with pytest.raises(RuntimeError) as info:
        stream_with_context(generate())
    assert "needs an active request context" in str(info.value)
    # As a decorator the check happens when the generator is created.
    decorated = stream_with_context(generate)
    with pytest.raises(RuntimeError, match="request context"):
        decorated()


def test_stream_with_context_keeps_the_name(req_ctx: RequestContext) -> None:
    def generate() -> t.Iterator[str]:
        """Docs."""
        yield "x"

    decorated = stream_with_context(generate)
    assert decorated.__name__ == "generate"  # type: ignore[attr-defined]
    assert list(decorated()) == ["x"]  # type: ignore[call-arg]


def test_stream_with_context_sees_g_of_the_request(app: Microframe) -> None:
    @app.route("/")
    def index() -> t.Any:
        g.value = "from view"

        @stream_with_context
        def generate() -> t.Iterator[str]:
            yield g.value

        return generate()

    assert app.test_client().get("/").data == b"from view"


# --- make_response ----------------------------------------------------------------


def test_make_response_forms(req_ctx: RequestContext) -> None:
    empty = make_response()
    assert isinstance(empty, Response)
    assert (empty.status_code, empty.data) == (200, b"")

    plain = make_response("body")
    assert (plain.status_code, plain.data, plain.mimetype) == (
        200,
        b"body",
        "text/html",
    )

    with_status = make_response("body", 201)
    assert with_status.status_code == 201
    assert make_response(("body", 202)).status_code == 202

    full = make_response("body", 203, {"X-A": "1"})
    assert (full.status_code, full.headers["X-A"]) == (203, "1")

    headers_only = make_response("body", [("X-B", "2")])
    assert (headers_only.status_code, headers_only.headers["X-B"]) == (200, "2")

    text_status = make_response("body", "299 CUSTOM")
    assert text_status.status == "299 CUSTOM"

    as_json = make_response({"a": 1})
    assert as_json.mimetype == "application/json"
    assert as_json.json == {"a": 1}

    existing = Response("x")
    assert make_response(existing) is existing


def test_make_response_errors(req_ctx: RequestContext) -> None:
    with pytest.raises(TypeError, match="returned None"):
        make_response(None)
    with pytest.raises(TypeError, match="tuple of 4 items"):
        make_response(("a", 200, {}, "extra"))


def test_make_response_in_a_view_adds_headers(app: Microframe) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("hello", 201)
        response.headers["X-Extra"] = "yes"
        return response

    response = app.test_client().get("/")
    assert (response.status_code, response.headers["X-Extra"]) == (201, "yes")


# --- get_template_attribute -------------------------------------------------------


def test_get_template_attribute(app_ctx: AppContext) -> None:
    hello = get_template_attribute("_macros.html", "hello")
    assert hello("World") == "Hello World!"
    assert get_template_attribute("_macros.html", "answer") == 42


def test_get_template_attribute_missing(app_ctx: AppContext) -> None:
    with pytest.raises(AttributeError):
        get_template_attribute("_macros.html", "missing")


# --- get_root_path ----------------------------------------------------------------


@pytest.fixture
def import_dir(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> t.Any:
    """A folder on ``sys.path`` holding a module, a package and a namespace package."""
    (tmp_path / "rootpath_mod.py").write_text("VALUE = 1\n")
    (tmp_path / "rootpath_pkg").mkdir()
    (tmp_path / "rootpath_pkg" / "__init__.py").write_text("")
    (tmp_path / "rootpath_ns" / "inner").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("rootpath_mod", "rootpath_pkg", "rootpath_ns"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("import_name", "where"),
    [
        ("rootpath_mod", "."),
        ("rootpath_pkg", "rootpath_pkg"),
        ("rootpath_pkg.missing", "cwd"),
        ("no_such_module_for_root_path", "cwd"),
        ("no_such_package_for_root_path.module", "cwd"),
        ("os", os.path.dirname(os.__file__)),
    ],
)
def test_get_root_path_matches_flask(
    import_dir: t.Any, import_name: str, where: str
) -> None:
    from flask.helpers import get_root_path as flask_get_root_path

    from microframe.helpers import get_root_path

    expected = {"cwd": os.getcwd(), ".": str(import_dir)}.get(
        where, os.path.join(import_dir, where)
    )
    assert get_root_path(import_name) == expected
    assert flask_get_root_path(import_name) == expected


def test_get_root_path_of_a_namespace_package(import_dir: t.Any) -> None:
    from flask.helpers import get_root_path as flask_get_root_path

    from microframe.helpers import get_root_path

    # Python loads it without a loader of its own: the working directory.
    assert get_root_path("rootpath_ns") == flask_get_root_path("rootpath_ns")
    assert get_root_path("rootpath_ns") == os.getcwd()


def test_get_root_path_of_a_module_without_a_file() -> None:
    from microframe.helpers import get_root_path

    with pytest.raises(RuntimeError) as info:
        get_root_path("itertools")  # built into the interpreter
    assert "module 'itertools'" in str(info.value)
    assert "Pass root_path=... explicitly" in str(info.value)
    with pytest.raises(RuntimeError):
        flask.helpers.get_root_path("itertools")


def test_get_root_path_of_an_interactive_main(monkeypatch: pytest.MonkeyPatch) -> None:
    from microframe.helpers import get_root_path

    # A REPL's or notebook's __main__: no file and no spec.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    assert get_root_path("__main__") == os.getcwd()
    assert flask.helpers.get_root_path("__main__") == os.getcwd()
