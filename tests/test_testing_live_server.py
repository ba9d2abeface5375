"""Tests for microframe_testing's live server and what it records."""

from __future__ import annotations

import logging
import sys
import typing as t

import blinker
import pytest
import requests

from microframe import (
    Microframe,
    flash,
    render_template,
    request,
    stream_with_context,
    template_rendered,
)
from microframe_testing import LiveServer, assert_sends, assert_template_used
from microframe_testing.live_server import SharedServer

shipped = blinker.Namespace().signal("shipped")


@pytest.fixture
def site(app: Microframe) -> Microframe:
    """An app with a page, a JSON echo, a stream, a signal and an error."""

    @app.route("/hello/<name>")
    def hello(name: str) -> str:
        flash("Hi", "info")
        app.logger.warning("greeting %s", name)
        return render_template("hello.txt", name=name)

    @app.route("/echo", methods=["POST"])
    def echo() -> t.Any:
        return {"got": request.get_json(), "length": request.content_length}

    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield "a"
            yield request.args.get("q", "b")

        return app.response_class(stream_with_context(generate()))

    @app.route("/ship")
    def ship() -> str:
        shipped.send(app, order=3)
        return "shipped"

    @app.route("/boom")
    def boom() -> str:
        raise KeyError("lost")

    return app


@pytest.fixture
def server(site: Microframe) -> t.Iterator[LiveServer]:
    """The site served in the background."""
    with LiveServer(site) as live:
        yield live


def test_serves_and_records(server: LiveServer, site: Microframe) -> None:
    response = server.session.get("/hello/ada")
    assert response.text == "Hello ada!"
    exchange = server.last
    assert exchange.endpoint == "hello"
    assert exchange.view_args == {"name": "ada"}
    assert exchange.request.url == f"{server.url}/hello/ada"
    assert exchange.request.headers["User-Agent"].startswith("python-requests/")
    assert exchange.response is not None
    assert exchange.response.status_code == 200
    assert exchange.response.text == "Hello ada!"
    assert exchange.flashes == [("info", "Hi")]
    assert [record.getMessage() for record in exchange.logs] == ["greeting ada"]
    assert exchange.duration > 0
    assert_template_used(exchange, "hello.txt", {"name": "ada"})
    assert server.app is site
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.server.running
    assert repr(server) == f"<LiveServer 'test_app' at {server.url}>"


def test_url_for(server: LiveServer) -> None:
    assert server.url_for("hello", name="bob", x=1) == f"{server.url}/hello/bob?x=1"
    assert requests.get(server.url_for("hello", name="bob"), timeout=5).ok


def test_request_bodies_are_recorded(server: LiveServer) -> None:
    response = server.session.post("/echo", json={"a": 1})
    assert response.json() == {"got": {"a": 1}, "length": 8}
    assert server.last.request.json == {"a": 1}

    def chunks() -> t.Iterator[bytes]:
        yield b'{"b":'
        yield b" 2}"

    response = server.session.post(
        "/echo", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.json()["got"] == {"b": 2}
    assert server.last.request.body == b'{"b": 2}'
    assert server.last.request.headers["Transfer-Encoding"] == "chunked"


def test_streamed_responses_are_recorded_whole(server: LiveServer) -> None:
    assert server.session.get("/stream?q=z").text == "az"
    assert server.last.response is not None
    assert server.last.response.body == b"az"


def test_signals_from_the_server_thread(server: LiveServer, site: Microframe) -> None:
    with assert_sends(template_rendered, sender=site):
        server.session.get("/hello/x")
    with assert_sends(shipped, order=3):
        server.session.get("/ship")
    assert [call.name for call in server.last.signals] == []
    server.watch(shipped)
    server.session.get("/ship")
    assert [call.name for call in server.last.signals] == ["shipped"]


def test_exception_in_the_server_thread(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.CRITICAL):
        response = server.session.get("/boom")
    assert response.status_code == 500
    exchange = server.last
    assert isinstance(exchange.exception, KeyError)
    assert exchange.response is None
    assert exchange.endpoint == "boom"


def test_pausing(server: LiveServer) -> None:
    server.recording = False
    server.session.get("/hello/a")
    assert not server.recording
    server.recording = True
    server.session.get("/hello/b")
    assert [ex.view_args["name"] for ex in server.history] == ["b"]


def test_requests_after_stop_fail(site: Microframe) -> None:
    live = LiveServer(site)
    url = live.url
    live.session.get("/hello/a")
    live.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
    assert len(live.history) == 1


def test_shared_server_runs_one_live_server_at_a_time(site: Microframe) -> None:
    shared = SharedServer()
    try:
        first = LiveServer(site, shared=shared)
        first.session.get("/hello/one")
        first.stop()
        assert shared.server.running
        idle = requests.get(f"{shared.server.url}/hello/x", timeout=5)
        assert idle.status_code == 503
        assert "No test is using this live server" in idle.text
        other = Microframe("other")
        other.add_url_rule("/", "index", lambda: "other")
        second = LiveServer(other, shared=shared)
        assert second.port == first.port
        assert second.session.get("/").text == "other"
        second.stop()
        assert [ex.endpoint for ex in first.history] == ["hello"]
        assert [ex.endpoint for ex in second.history] == ["index"]
    finally:
        shared.stop()


def test_session_needs_requests(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "requests", None)
    with pytest.raises(
        RuntimeError, match=r"pip install 'microframe-wsgi-testing\[live\]'"
    ):
        server.session  # noqa: B018


def test_a_body_closes_once_and_records_errors_of_close(server: LiveServer) -> None:
    from microframe_testing.live_server import _RecordedBody

    class Failing:
        """A response iterable whose close() fails."""

        def __iter__(self) -> t.Iterator[bytes]:
            yield b"x"

        def close(self) -> None:
            raise OSError("cannot close")

    server.session.get("/hello/a")
    exchange = server.last
    middleware = server._middleware
    with middleware._settled:
        middleware._in_flight += 2
    body = _RecordedBody(Failing(), exchange, middleware)
    assert list(body) == [b"x"]
    with pytest.raises(OSError, match="cannot close"):
        body.close()
    body.close()
    assert isinstance(exchange.exception, OSError)
    plain = _RecordedBody([b"y"], exchange, middleware)
    plain.close()
    assert middleware.wait_settled(1)


def test_stopping_a_live_server_that_was_replaced(site: Microframe) -> None:
    shared = SharedServer()
    try:
        first = LiveServer(site, shared=shared)
        second = LiveServer(site, shared=shared)
        first.stop()
        assert second.session.get("/hello/x").ok
        second.stop()
        assert len(second.history) == 1
        assert len(first.history) == 0
    finally:
        shared.stop()


def test_live_server_can_pause_recording() -> None:
    import requests

    from microframe import Microframe
    from microframe_testing import LiveServer

    app = Microframe("paused_live")

    @app.route("/")
    def index() -> str:
        return "ok"

    with LiveServer(app) as server:
        with server.paused():
            assert requests.get(server.url + "/", timeout=5).text == "ok"
        assert server.recording
        assert requests.get(server.url + "/", timeout=5).text == "ok"
        assert len(server.history) == 1
