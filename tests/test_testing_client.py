"""Tests for microframe_testing's recording client, exchanges and history."""

from __future__ import annotations

import gc
import io
import logging
import typing as t

import blinker
import pytest
from werkzeug.test import TestResponse

import microframe
from microframe import (
    Microframe,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_template,
)
from microframe.signals import signals_namespace, template_rendered
from microframe.testing import MicroframeClient
from microframe_testing import (
    Exchange,
    History,
    RecordedTestResponse,
    RecordingClient,
)


@pytest.fixture
def site(app: Microframe) -> Microframe:
    """A small site: pages, a JSON API, flashes, redirects and an error."""

    @app.route("/")
    def index() -> str:
        return "home"

    @app.route("/hello/<name>")
    def hello(name: str) -> str:
        app.logger.warning("greeting %s", name)
        return render_template("hello.txt", name=name)

    @app.route("/users/<int:uid>", methods=["GET", "POST"])
    def user(uid: int) -> t.Any:
        if request.method == "POST":
            return {"uid": uid, "got": request.get_json()}
        return {"uid": uid}

    @app.route("/save", methods=["POST"])
    def save() -> t.Any:
        flash("Saved", "info")
        return redirect("/hello/again")

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("no way")

    @app.route("/login")
    def login() -> str:
        session["user"] = "ada"
        return "in"

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user"))

    return app


@pytest.fixture
def rec(site: Microframe) -> t.Iterator[RecordingClient]:
    """A recording client of the site."""
    recording = RecordingClient(site, site.response_class)
    yield recording
    recording.close()


# --- what an exchange holds --------------------------------------------------------


def test_response_carries_its_exchange(rec: RecordingClient) -> None:
    response = rec.get("/users/42?x=1", headers={"X-Test": "yes"})
    exchange = response.exchange
    assert isinstance(response, RecordedTestResponse)
    assert isinstance(exchange, Exchange)
    assert exchange is rec.last
    assert exchange.endpoint == "user"
    assert exchange.view_args == {"uid": 42}
    assert exchange.url_rule is not None
    assert exchange.url_rule.rule == "/users/<int:uid>"
    assert exchange.method == "GET"
    assert exchange.path == "/users/42"
    assert exchange.request.url == "http://localhost/users/42?x=1"
    assert exchange.request.full_path == "/users/42?x=1"
    assert exchange.request.query_string == "x=1"
    assert exchange.request.headers["X-Test"] == "yes"
    assert exchange.request.body == b""
    assert exchange.status_code == 200
    assert exchange.response is not None
    assert exchange.response.json == {"uid": 42}
    assert exchange.response.mimetype == "application/json"
    assert exchange.exception is None
    assert exchange.duration > 0
    assert exchange.app is rec.application
    assert repr(exchange) == "<Exchange GET /users/42?x=1 200 OK endpoint='user'>"


def test_request_body_and_json(rec: RecordingClient) -> None:
    response = rec.post("/users/7", json={"name": "Ada"})
    request_ = response.exchange.request
    assert request_.method == "POST"
    assert request_.json == {"name": "Ada"}
    assert request_.text == '{"name": "Ada"}'
    assert request_.mimetype == "application/json"
    assert response.json == {"uid": 7, "got": {"name": "Ada"}}
    assert repr(request_) == "<RecordedRequest POST /users/7>"


def test_request_json_of_a_form_body_is_an_error(rec: RecordingClient) -> None:
    exchange = rec.post("/users/7", data={"a": "1"}).exchange
    assert exchange.request.text == "a=1"
    with pytest.raises(ValueError, match="'application/x-www-form-urlencoded', not"):
        exchange.request.json  # noqa: B018


def test_body_of_a_file_upload(rec: RecordingClient) -> None:
    upload = rec.post(
        "/users/1", data={"file": (io.BytesIO(b"file data"), "a.txt")}
    ).exchange
    assert b"file data" in upload.request.body
    assert upload.request.mimetype == "multipart/form-data"


class _Unseekable(io.RawIOBase):
    """A readable stream that cannot seek, like a server's socket."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        return self.data.readinto(buffer)


@pytest.mark.parametrize(
    ("environ", "body", "left"),
    [
        ({}, b"", None),
        ({"wsgi.input": io.BytesIO(b"abc")}, b"abc", b"abc"),
        ({"wsgi.input": _Unseekable(b"abc")}, b"", b"abc"),
        ({"wsgi.input": _Unseekable(b"abcd"), "CONTENT_LENGTH": "3"}, b"abc", b"abc"),
        (
            {"wsgi.input": _Unseekable(b"abcd"), "wsgi.input_terminated": True},
            b"abcd",
            b"abcd",
        ),
    ],
)
def test_read_body_leaves_the_body_readable(
    environ: dict[str, t.Any], body: bytes, left: bytes | None
) -> None:
    from microframe_testing.recording import read_body

    assert read_body(environ) == body
    if left is not None:
        assert environ["wsgi.input"].read() == left


def test_read_body_of_a_seekable_file(tmp_path: t.Any) -> None:
    from microframe_testing.recording import read_body

    path = tmp_path / "body"
    path.write_bytes(b"xyz")
    with path.open("rb") as f:
        f.read(1)
        environ = {"wsgi.input": f, "CONTENT_LENGTH": "2"}
        assert read_body(environ) == b"yz"
        assert f.read() == b"yz"


def test_templates_flashes_and_logs(rec: RecordingClient) -> None:
    exchange = rec.get("/hello/ada").exchange
    assert [tpl.name for tpl in exchange.templates] == ["hello.txt"]
    assert exchange.templates[0].context["name"] == "ada"
    assert exchange.templates[0].template.name == "hello.txt"
    assert [record.getMessage() for record in exchange.logs] == ["greeting ada"]
    assert exchange.logs[0].levelno == logging.WARNING
    names = [call.name for call in exchange.signals]
    assert names == ["before-render-template", "template-rendered"]

    saved = rec.post("/save").exchange
    assert saved.flashes == [("info", "Saved")]
    assert saved.response is not None
    assert saved.response.location == "/hello/again"


def test_logs_of_a_logger_that_does_not_propagate(rec: RecordingClient) -> None:
    app = rec.application
    app.logger.propagate = False
    try:
        lonely = RecordingClient(app)
        exchange = lonely.get("/hello/bob").exchange
        lonely.close()
    finally:
        app.logger.propagate = True
    assert [record.getMessage() for record in exchange.logs] == ["greeting bob"]


def test_log_handler_is_only_attached_during_a_request(rec: RecordingClient) -> None:
    handlers = list(logging.getLogger().handlers)
    rec.get("/hello/ada")
    assert logging.getLogger().handlers == handlers


def test_other_threads_logs_are_not_recorded(rec: RecordingClient) -> None:
    logging.getLogger("elsewhere").warning("not during a request")
    exchange = rec.get("/").exchange
    assert exchange.logs == []


def test_propagated_exception(rec: RecordingClient) -> None:
    with pytest.raises(ZeroDivisionError):
        rec.get("/boom")
    exchange = rec.last
    assert isinstance(exchange.exception, ZeroDivisionError)
    assert exchange.response is None
    assert exchange.status_code is None
    assert exchange.endpoint == "boom"
    assert exchange.traceback is not None
    assert "raise ZeroDivisionError" in exchange.traceback
    assert "ZeroDivisionError: no way" in exchange.summary()
    assert "(no response)" in repr(exchange)


def test_handled_exception_becomes_a_500(rec: RecordingClient) -> None:
    app = rec.application
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True
    try:
        response = rec.get("/boom")
    finally:
        app.logger.disabled = False
    assert response.status_code == 500
    exchange = response.exchange
    assert isinstance(exchange.exception, ZeroDivisionError)
    assert "exception=ZeroDivisionError('no way')" in exchange.summary()
    assert [call.name for call in exchange.signals] == ["got-request-exception"]


def test_no_exception_means_no_traceback(rec: RecordingClient) -> None:
    assert rec.get("/").exchange.traceback is None


def test_unmatched_request_has_no_endpoint(rec: RecordingClient) -> None:
    exchange = rec.get("/nowhere").exchange
    assert exchange.status_code == 404
    assert exchange.endpoint is None
    assert exchange.url_rule is None
    assert exchange.view_args == {}


def test_exchange_without_response_yet() -> None:
    app = Microframe("lonely")
    exchange = RecordingClient(app).get("/").exchange
    exchange.response = None
    assert exchange.summary().startswith("GET / -> no response yet")


# --- redirects, contexts, cookies ----------------------------------------------------


def test_followed_redirects_record_every_hop(rec: RecordingClient) -> None:
    response = rec.post("/save", follow_redirects=True)
    assert response.exchange.endpoint == "hello"
    assert response.history[0].exchange.endpoint == "save"
    assert [ex.endpoint for ex in rec.history] == ["save", "hello"]
    assert [ex.method for ex in rec.history] == ["POST", "GET"]


def test_with_client_keeps_the_context(rec: RecordingClient) -> None:
    with rec:
        rec.get("/users/3")
        assert request.path == "/users/3"
        assert rec.last.endpoint == "user"
    assert rec.last.view_args == {"uid": 3}


def test_cookies_round_trip(rec: RecordingClient) -> None:
    rec.get("/login")
    assert rec.get("/whoami").text == "ada"
    assert rec.last.request.headers["Cookie"].startswith("session=")
    with rec.session_transaction() as sess:
        sess["user"] = "bob"
    assert rec.get("/whoami").text == "bob"


def test_a_cookie_header_without_stored_cookies_is_dropped(
    rec: RecordingClient, site: Microframe
) -> None:
    plain = MicroframeClient(site, site.response_class)
    assert plain.get("/whoami", headers={"Cookie": "a=b"}).request.cookies == {}
    assert rec.get("/whoami", headers={"Cookie": "a=b"}).request.cookies == {}


def test_cookies_match_the_plain_client(site: Microframe) -> None:
    @site.route("/set/<name>/<path:where>")
    def set_cookie(name: str, where: str) -> t.Any:
        response = site.make_response("set")
        response.set_cookie(name, "1", path=f"/{where}")
        return response

    @site.route("/seen/<path:where>")
    def seen(where: str) -> t.Any:
        return dict(request.cookies)

    plain = MicroframeClient(site, site.response_class)
    recording = RecordingClient(site, site.response_class)
    urls = ["/set/a/seen", "/seen/x", "/set/b/other", "/seen/y", "/other", "/seen/z"]
    for url in urls:
        assert plain.get(url).get_data() == recording.get(url).get_data(), url
    no_cookies = RecordingClient(site, use_cookies=False)
    assert no_cookies.get("/set/a/seen").status_code == 200
    assert no_cookies.get("/seen/x").json == {}


def test_custom_response_class(site: Microframe) -> None:
    class Custom(microframe.Response):
        """A response class of the user's."""

    recording = RecordingClient(site, Custom)
    response = recording.get("/")
    assert isinstance(response, Custom)
    assert isinstance(response, RecordedTestResponse)
    assert response.exchange.endpoint == "index"


def test_plain_client_constructor(site: Microframe) -> None:
    response = RecordingClient(site).get("/")
    assert type(response) is RecordedTestResponse
    assert isinstance(response, TestResponse)


@pytest.mark.parametrize(
    "method", ["post", "put", "patch", "delete", "head", "options", "trace"]
)
def test_every_method_records(site: Microframe, method: str) -> None:
    @site.route("/any", methods=["POST", "PUT", "PATCH", "DELETE", "TRACE"])
    def anything() -> str:
        return request.method

    recording = RecordingClient(site)
    path = "/" if method == "head" else "/any"
    response = getattr(recording, method)(path)
    assert response.exchange.method == method.upper()


def test_open_with_a_builder_and_an_environ(rec: RecordingClient) -> None:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder("/users/5")
    assert rec.open(builder).exchange.view_args == {"uid": 5}
    assert rec.open(builder.get_environ()).exchange.view_args == {"uid": 5}


def test_streamed_template_is_recorded_when_read(site: Microframe) -> None:
    @site.route("/stream")
    def streamed() -> t.Any:
        return site.response_class(stream_template("stream.html", items=[1, 2]))

    recording = RecordingClient(site)
    response = recording.get("/stream?q=x")
    assert response.exchange.templates == []
    assert response.get_data(as_text=True) == "1:x;2:x;"
    assert [tpl.name for tpl in response.exchange.templates] == ["stream.html"]
    response.close()
    buffered = recording.get("/stream?q=y", buffered=True)
    assert [tpl.name for tpl in buffered.exchange.templates] == ["stream.html"]


def test_response_body_is_read_lazily(rec: RecordingClient) -> None:
    response = rec.get("/users/1")
    exchange = response.exchange
    assert exchange.response is not None
    assert exchange.response.body == b'{"uid":1}\n'
    assert exchange.response.text == '{"uid":1}\n'
    assert repr(exchange.response) == "<RecordedResponse 200 OK>"
    html = rec.get("/").exchange.response
    assert html is not None
    with pytest.raises(ValueError, match="'text/html', not JSON"):
        html.json  # noqa: B018


# --- history, pausing and signals -----------------------------------------------------


def test_history_filters_and_clears(rec: RecordingClient) -> None:
    rec.get("/")
    rec.get("/users/1")
    rec.post("/users/2", json={})
    rec.get("/nowhere")
    history = rec.history
    assert isinstance(history, History)
    assert len(history) == 4
    assert [ex.path for ex in history.filter(endpoint="user")] == [
        "/users/1",
        "/users/2",
    ]
    assert [ex.path for ex in history.filter(method="post")] == ["/users/2"]
    assert [ex.path for ex in history.filter(status=404)] == ["/nowhere"]
    assert len(history.filter(status=range(200, 300))) == 3
    assert [ex.path for ex in history.filter(path="/users/*")] == [
        "/users/1",
        "/users/2",
    ]
    assert len(history.filter(path="/", method="GET")) == 1
    assert history[0].path == "/"
    assert isinstance(history[1:], History)
    assert [ex.path for ex in history[1:3]] == ["/users/1", "/users/2"]
    assert "GET /nowhere -> 404 NOT FOUND" in repr(history)
    history.clear()
    assert len(rec.history) == 0
    assert repr(rec.history) == "<History (empty)>"
    with pytest.raises(LookupError, match="No exchange was recorded"):
        rec.last  # noqa: B018


def test_pausing(rec: RecordingClient) -> None:
    with rec.paused():
        assert not rec.recording
        response = rec.get("/")
    assert rec.recording
    assert len(rec.history) == 0
    with pytest.raises(AttributeError, match="recording was paused"):
        response.exchange  # noqa: B018
    assert RecordedTestResponse.exchange is not None  # the descriptor itself
    rec.recording = False
    rec.get("/")
    rec.recording = True
    rec.get("/")
    assert len(rec.history) == 1


def test_lifecycle_signals_are_opt_in(site: Microframe) -> None:
    quiet = RecordingClient(site)
    assert quiet.get("/").exchange.signals == []
    full = RecordingClient(site, signals=[signals_namespace])
    names = [call.name for call in full.get("/").exchange.signals]
    assert names == [
        "appcontext-pushed",
        "request-started",
        "request-finished",
        "request-tearing-down",
        "appcontext-tearing-down",
        "appcontext-popped",
    ]
    assert full.last.signals[1].sender is site


def test_user_signals(site: Microframe) -> None:
    named = blinker.signal("microframe-testing-named")
    mine = blinker.Namespace().signal("mine")

    @site.route("/send")
    def send() -> str:
        named.send("the view", value=1)
        mine.send(site, value=2)
        return "sent"

    recording = RecordingClient(site)
    calls = recording.get("/send").exchange.signals
    assert [(c.name, c.sender, c.kwargs) for c in calls] == [
        ("microframe-testing-named", "the view", {"value": 1})
    ]
    recording.watch(mine)
    recording.watch(mine)  # twice is once
    calls = recording.get("/send").exchange.signals
    assert [c.name for c in calls] == ["microframe-testing-named", "mine"]


def test_two_clients_record_their_own_requests(site: Microframe) -> None:
    first = RecordingClient(site)
    second = RecordingClient(site)
    first.get("/hello/a")
    second.get("/hello/b")
    assert len(first.history) == len(second.history) == 1
    assert len(first.last.templates) == len(second.last.templates) == 1


def test_close_disconnects_and_stops(site: Microframe) -> None:
    recording = RecordingClient(site)
    assert list(template_rendered.receivers_for(site))
    recording.close()
    assert not list(template_rendered.receivers_for(site))
    assert not recording.recording
    recording.get("/")
    assert len(recording.history) == 0


def test_a_dropped_client_disconnects(site: Microframe) -> None:
    recording = RecordingClient(site)
    recording.get("/hello/x")
    del recording
    gc.collect()
    assert not list(template_rendered.receivers_for(site))


def test_log_handler_is_shared_by_overlapping_requests() -> None:
    from microframe_testing.recording import _LogHandler

    logger = logging.getLogger("microframe-testing-overlap")
    handler = _LogHandler(object())
    handler.attach((logger,))
    handler.attach((logger,))
    handler.detach((logger,))
    assert logger.handlers == [handler]
    handler.detach((logger,))
    assert logger.handlers == []


def test_several_of_each_in_one_request(site: Microframe) -> None:
    @site.route("/busy")
    def busy() -> str:
        flash("one")
        flash("two", "error")
        site.logger.warning("first")
        site.logger.warning("second")
        return render_template("hello.txt", name="a") + render_template("shared.html")

    exchange = RecordingClient(site).get("/busy").exchange
    assert exchange.flashes == [("message", "one"), ("error", "two")]
    assert [r.getMessage() for r in exchange.logs] == ["first", "second"]
    assert [tpl.name for tpl in exchange.templates] == ["hello.txt", "shared.html"]
    assert len(exchange.signals) == 6


def test_outside_a_request_nothing_is_recorded(site: Microframe) -> None:
    recording = RecordingClient(site)
    with site.test_request_context("/"):
        render_template("hello.txt", name="x")
    with site.app_context():
        render_template("hello.txt", name="x")
    assert len(recording.history) == 0
