"""app.serve(): the background server, its handle, and both backends.

Every server binds 127.0.0.1 on a port the system picks (or one a test has
just been given that way), and every test stops what it starts.
"""

from __future__ import annotations

import errno
import http.client
import logging
import os
import socket
import sys
import threading
import time
import typing as t

import pytest
import requests

from microframe import Microframe
from microframe.embedding import backends, httpserver
from microframe.embedding import serving as serving_module
from microframe.serving import Server, ServerBindError, serve

BACKENDS = ["werkzeug", "waitress"]


@pytest.fixture
def hello(app: Microframe) -> Microframe:
    """``app`` with ``/`` answering ``hello``."""

    @app.route("/")
    def index() -> str:
        return "hello"

    return app


@pytest.fixture
def free_port() -> int:
    """A port that was free a moment ago (the system picked it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- starting and the handle ---------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_serve_returns_a_listening_server(hello: Microframe, backend: str) -> None:
    with hello.serve(backend=backend) as server:
        assert isinstance(server, Server)
        assert server.running
        assert server.host == "127.0.0.1"
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.backend == backend
        assert server.token is None
        assert requests.get(server.url + "/", timeout=5).text == "hello"
    assert not server.running


def test_first_request_never_races_the_start(hello: Microframe) -> None:
    # The socket listens before serve() returns; nothing waits for the loop.
    for _ in range(20):
        with hello.serve() as server:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("GET", "/")
            assert conn.getresponse().read() == b"hello"
            conn.close()


def test_serve_function_takes_any_wsgi_app() -> None:
    def wsgi(environ: t.Any, start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"plain wsgi"]

    with serve(wsgi) as server:
        assert requests.get(server.url, timeout=5).text == "plain wsgi"
        assert repr(server) == f"<Server 'function' at {server.url} running>"
    assert repr(server) == f"<Server 'function' at {server.url} stopped>"


def test_repr_says_whether_it_runs(hello: Microframe) -> None:
    server = hello.serve()
    assert repr(server) == f"<Server 'test_app' at {server.url} running>"
    server.stop()
    assert repr(server) == f"<Server 'test_app' at {server.url} stopped>"


def test_url_host_for_wildcard_and_ipv6_binds() -> None:
    assert serving_module._url_host("0.0.0.0") == "127.0.0.1"
    assert serving_module._url_host("") == "127.0.0.1"
    assert serving_module._url_host("::") == "[::1]"
    assert serving_module._url_host("::1") == "[::1]"
    assert serving_module._url_host("[::1]") == "[::1]"
    assert serving_module._url_host("localhost") == "localhost"


def test_several_apps_serve_at_once() -> None:
    apps = []
    for name in ("one", "two", "three"):
        app = Microframe(name)
        app.add_url_rule("/", "index", lambda name=name: name)
        apps.append(app)
    servers = [app.serve() for app in apps]
    try:
        assert len({server.port for server in servers}) == 3
        for name, server in zip(("one", "two", "three"), servers, strict=True):
            assert requests.get(server.url, timeout=5).text == name
    finally:
        for server in servers:
            server.stop()


# -- stopping ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_frees_the_port_at_once(hello: Microframe, backend: str) -> None:
    server = hello.serve(backend=backend)
    port = server.port
    requests.get(server.url, timeout=5)
    assert server.stop() is True
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    # Another server takes the same port right away.
    with hello.serve(port=port, backend=backend) as again:
        assert again.port == port
        assert requests.get(again.url, timeout=5).text == "hello"


def test_stop_twice_is_harmless(hello: Microframe) -> None:
    server = hello.serve()
    assert server.stop() is True
    assert server.stop() is True
    assert not server.running


def test_stop_is_fast_after_a_request(hello: Microframe) -> None:
    times = []
    for _ in range(10):
        server = hello.serve()
        assert requests.get(server.url, timeout=5).status_code == 200
        start = time.perf_counter()
        server.stop()
        times.append(time.perf_counter() - start)
    assert sorted(times)[len(times) // 2] < 0.06, times


@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_waits_for_requests_in_flight(app: Microframe, backend: str) -> None:
    started = threading.Event()

    @app.route("/slow")
    def slow() -> str:
        started.set()
        time.sleep(0.3)
        return "finished"

    server = app.serve(backend=backend)
    results: list[str] = []
    client = threading.Thread(
        target=lambda: results.append(
            requests.get(server.url + "/slow", timeout=5).text
        )
    )
    client.start()
    assert started.wait(5)
    assert server.stop(timeout=5) is True
    client.join(5)
    assert results == ["finished"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_returns_within_its_timeout(
    app: Microframe, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    started = threading.Event()
    release = threading.Event()

    @app.route("/stuck")
    def stuck() -> str:
        started.set()
        release.wait(10)
        return "late"

    server = app.serve(backend=backend)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            requests.get(server.url + "/stuck", timeout=10)
        except requests.RequestException as e:
            errors.append(e)

    client = threading.Thread(target=call)
    client.start()
    assert started.wait(5)
    start = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert server.stop(timeout=0.3) is False
    elapsed = time.monotonic() - start
    assert elapsed < 0.3 + 0.2, elapsed
    assert not server.running
    assert "still running" in caplog.text
    assert "stop(timeout=...)" in caplog.text
    release.set()
    client.join(5)
    assert server.stop() is False  # it remembers how the stop went


def test_stop_does_not_wait_for_idle_connections(hello: Microframe) -> None:
    server = hello.serve()
    idle = socket.create_connection(("127.0.0.1", server.port))
    try:
        # The handler thread is waiting for a request line that never comes.
        time.sleep(0.05)
        start = time.monotonic()
        assert server.stop(timeout=3) is True
        assert time.monotonic() - start < 0.5
        assert idle.recv(1) == b""  # closed without a response
    finally:
        idle.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_half_sent_headers_are_not_a_request_in_flight(
    hello: Microframe, backend: str
) -> None:
    server = hello.serve(backend=backend)
    client = socket.create_connection(("127.0.0.1", server.port))
    try:
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        time.sleep(0.05)
        start = time.monotonic()
        assert server.stop(timeout=3) is True
        assert time.monotonic() - start < 1
        client.settimeout(5)
        assert client.recv(4096) == b""  # closed, never handed to the app
    finally:
        client.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_from_a_view(app: Microframe, backend: str) -> None:
    holder: dict[str, Server] = {}
    returned: list[bool] = []

    @app.route("/quit")
    def quit_view() -> str:
        returned.append(holder["server"].stop(timeout=3))
        return "bye"

    holder["server"] = server = app.serve(backend=backend)
    start = time.monotonic()
    assert requests.get(server.url + "/quit", timeout=5).text == "bye"
    # stop() did not wait for the reply it is part of.
    assert time.monotonic() - start < 2
    assert returned == [True]
    assert not server.running
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/quit", timeout=5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_context_manager_stops_on_error(hello: Microframe, backend: str) -> None:
    with pytest.raises(ZeroDivisionError), hello.serve(backend=backend) as server:
        1 / 0  # noqa: B018
    assert not server.running


def test_exit_hook_stops_running_servers(hello: Microframe) -> None:
    other = Microframe("other")
    first, second = hello.serve(), other.serve()
    serving_module._stop_all()
    assert not first.running
    assert not second.running
    assert serving_module.server_for(hello) is None


def test_interpreter_exit_stops_a_forgotten_server(tmp_path: t.Any) -> None:
    # The script exits while a request is in flight; the exit hook stops the
    # server gracefully, so the view finishes before the process ends.
    import subprocess

    script = tmp_path / "forgotten.py"
    script.write_text(
        "import threading, time, requests\n"
        "from microframe import Microframe\n"
        "app = Microframe('forgotten')\n"
        "started = threading.Event()\n"
        "def slow():\n"
        "    started.set()\n"
        "    time.sleep(0.3)\n"
        "    print('view finished', flush=True)\n"
        "    return 'ok'\n"
        "app.add_url_rule('/slow', 'slow', slow)\n"
        "server = app.serve()\n"
        "threading.Thread(target=requests.get, args=(server.url + '/slow',),\n"
        "                 daemon=True).start()\n"
        "started.wait(5)\n"
        "print('exiting', flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "exiting\nview finished\n"
    assert done.stderr == ""


# -- waiting -------------------------------------------------------------------------


def test_wait_returns_when_stopped_elsewhere(hello: Microframe) -> None:
    server = hello.serve()
    assert server.wait(timeout=0.05) is False
    stopper = threading.Timer(0.1, server.stop)
    stopper.start()
    assert server.wait() is True
    stopper.join()


def test_wait_on_ctrl_c_stops_and_returns(
    hello: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = hello.serve()

    def interrupted(timeout: float | None = None) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(server._stopped, "wait", interrupted)
    assert server.wait() is True
    monkeypatch.undo()
    assert not server.running


def test_wait_returns_when_the_loop_dies(hello: Microframe) -> None:
    server = hello.serve()
    backend = t.cast(t.Any, server._backend)
    real = backend._thread
    backend._thread = threading.Thread(target=lambda: None)  # a finished loop
    backend._thread.start()
    backend._thread.join()
    try:
        assert not server.running
        assert server.wait() is True
    finally:
        backend._thread = real
        server.stop()


# -- binding errors and bad arguments ------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_taken_port_raises_an_oserror_naming_it(
    hello: Microframe, free_port: int, backend: str
) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", free_port))
        blocker.listen()
        with pytest.raises(ServerBindError) as info:
            hello.serve(port=free_port, backend=backend)
    error = info.value
    assert isinstance(error, OSError)
    assert error.errno == errno.EADDRINUSE
    assert (error.host, error.port) == ("127.0.0.1", free_port)
    message = str(error)
    assert f"127.0.0.1:{free_port}" in message
    assert "already in use" in message
    assert "port=0" in message
    assert serving_module.server_for(hello) is None


def test_taken_port_of_another_server_in_this_process(hello: Microframe) -> None:
    with hello.serve() as server:
        other = Microframe("other")
        with pytest.raises(ServerBindError, match="port=0"):
            other.serve(port=server.port)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EADDRNOTAVAIL, "not an address of this machine"),
        (errno.EACCES, "Check the host name"),
    ],
)
def test_other_bind_errors_explain_themselves(
    hello: Microframe, monkeypatch: pytest.MonkeyPatch, code: int, expected: str
) -> None:
    class Refusing(socket.socket):
        def bind(self, address: t.Any) -> None:
            raise OSError(code, "refused")

    monkeypatch.setattr(backends.socket, "socket", Refusing)
    with pytest.raises(ServerBindError, match=expected) as info:
        hello.serve(port=8123)
    assert "127.0.0.1:8123" in str(info.value)
    assert info.value.errno == code


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"backend": "gunicorn"}, ValueError, "backend='werkzeug'"),
        ({"use_reloader": True}, ValueError, "app.run"),
        ({"use_debugger": True}, ValueError, "background thread"),
        ({"channel_timeout": 5}, TypeError, "backend='waitress'"),
        ({"threads": 0}, ValueError, "positive int"),
        ({"trust_proxy": -1}, ValueError, "number of proxies"),
        ({"trust_proxy": "yes"}, ValueError, "trust_proxy"),
        ({"allowed_hosts": "example.com"}, TypeError, r"\['example.com'\]"),
        ({"host": "unix:///tmp/app.sock"}, ValueError, "Unix socket"),
        ({"port": 70000}, ValueError, "port=0"),
        ({"port": "80"}, ValueError, "0 to 65535"),
        ({"url_prefix": "/a?b"}, ValueError, "plain path"),
        ({"token": ""}, TypeError, "non-empty string"),
        ({"token": 5}, TypeError, "token must be"),
    ],
)
def test_bad_arguments_are_refused_before_binding(
    hello: Microframe, kwargs: dict[str, t.Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        hello.serve(**kwargs)
    assert serving_module.server_for(hello) is None


def test_falsy_debug_options_are_accepted(hello: Microframe) -> None:
    with hello.serve(use_reloader=False, use_debugger=False) as server:
        assert requests.get(server.url, timeout=5).text == "hello"


def test_not_a_wsgi_app() -> None:
    with pytest.raises(TypeError, match="needs a WSGI application"):
        serve(42)


def test_waitress_missing_names_the_extra(
    hello: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "waitress", None)
    with pytest.raises(
        RuntimeError, match=r"pip install 'microframe-wsgi\[waitress\]'"
    ):
        hello.serve(backend="waitress")


def test_waitress_options_pass_through(hello: Microframe) -> None:
    with hello.serve(backend="waitress", threads=2, channel_timeout=30) as server:
        backend = t.cast(t.Any, server._backend)
        assert backend._server.adj.channel_timeout == 30
        assert backend._server.adj.threads == 2
        assert requests.get(server.url, timeout=5).text == "hello"


def test_waitress_rejects_unknown_options(hello: Microframe) -> None:
    with pytest.raises(TypeError, match="waitress rejected"):
        hello.serve(backend="waitress", no_such_option=1)
    assert serving_module.server_for(hello) is None


# -- serving again -------------------------------------------------------------------


def test_serving_again_with_the_same_options_returns_the_handle(
    hello: Microframe,
) -> None:
    server = hello.serve()
    try:
        assert hello.serve() is server
        assert hello.serve(port=0, host="127.0.0.1") is server
        assert serving_module.server_for(hello) is server
    finally:
        server.stop()


def test_serving_again_with_other_options_stops_the_old_server(
    hello: Microframe, free_port: int
) -> None:
    first = hello.serve(port=free_port)
    second = hello.serve(port=free_port, url_prefix="/admin")
    try:
        assert second is not first
        assert not first.running
        assert second.port == free_port
        assert requests.get(second.url + "/", timeout=5).text == "hello"
    finally:
        second.stop()


def test_serving_again_after_stop_starts_anew(hello: Microframe) -> None:
    first = hello.serve()
    first.stop()
    with hello.serve() as second:
        assert second is not first
        assert second.running


# -- threads, logging, errors --------------------------------------------------------


def test_threads_bounds_concurrent_requests(app: Microframe) -> None:
    active = 0
    most = 0
    lock = threading.Lock()

    @app.route("/work")
    def work() -> str:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return "done"

    with app.serve(threads=2) as server:
        clients = [
            threading.Thread(target=requests.get, args=(server.url + "/work",))
            for _ in range(6)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(10)
    assert most == 2


def test_access_lines_go_to_the_serving_logger(
    hello: Microframe, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="microframe.serving"),
        hello.serve() as server,
    ):
        requests.get(server.url + "/?q=1", timeout=5)
        deadline = time.monotonic() + 5
        while not caplog.records and time.monotonic() < deadline:
            time.sleep(0.01)
    (record,) = [r for r in caplog.records if r.name == "microframe.serving"]
    assert record.levelno == logging.INFO
    assert '"GET /?q=1 HTTP/1.1" 200' in record.getMessage()


def test_werkzeug_global_logger_is_left_alone(
    app: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    # werkzeug's own logging configures the "werkzeug" logger on first use.
    import werkzeug.serving

    calls: list[tuple[t.Any, ...]] = []
    monkeypatch.setattr(werkzeug.serving, "_log", lambda *args: calls.append(args))

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("logged by the app")

    with app.serve() as server:
        requests.get(server.url + "/boom", timeout=5)
        with socket.create_connection(("127.0.0.1", server.port)) as bad:
            bad.sendall(b"NOT HTTP\r\n\r\n")
            bad.recv(100)
    assert calls == []


def test_an_escaping_error_is_a_500_logged_by_the_app(
    app: Microframe, caplog: pytest.LogCaptureFixture
) -> None:
    # In testing mode the app lets the error through to the server.
    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("kaboom")

    with caplog.at_level(logging.ERROR), app.serve() as server:
        assert requests.get(server.url + "/boom", timeout=5).status_code == 500
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == app.logger.name
    assert "kaboom" in record.getMessage()


def test_handler_failures_are_logged(
    hello: Microframe, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: t.Any, *args: t.Any) -> None:
        raise RuntimeError("handler broke")

    monkeypatch.setattr(httpserver._RequestHandler, "handle", broken)
    with (
        caplog.at_level(logging.ERROR),
        hello.serve() as server,
        pytest.raises(requests.ConnectionError),
    ):
        requests.get(server.url, timeout=5)
    assert "Error handling the connection" in caplog.text
    assert "handler broke" in caplog.text


def test_response_close_errors_are_logged_once(
    app: Microframe, caplog: pytest.LogCaptureFixture
) -> None:
    class Body:
        def __iter__(self) -> t.Iterator[bytes]:
            return iter([b"body"])

        def close(self) -> None:
            raise RuntimeError("close broke")

    def wsgi(environ: t.Any, start_response: t.Any) -> Body:
        start_response("200 OK", [("Content-Length", "4")])
        return Body()

    with caplog.at_level(logging.ERROR), serve(wsgi) as server:
        assert requests.get(server.url, timeout=5).text == "body"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "close broke" in caplog.text


def test_loop_errors_are_logged_and_survived(
    hello: Microframe, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = httpserver.ThreadedServer._expire
    failures = []

    def broken_once(self: t.Any, *args: t.Any) -> None:
        if not failures:
            failures.append(1)
            raise RuntimeError("loop broke")
        real(self, *args)

    monkeypatch.setattr(httpserver.ThreadedServer, "_expire", broken_once)
    with caplog.at_level(logging.ERROR), hello.serve() as server:
        for _ in range(3):
            assert requests.get(server.url, timeout=5).text == "hello"
        assert server.running
    assert failures == [1]
    assert "Error in the server loop" in caplog.text
    assert "loop broke" in caplog.text


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_server_thread_that_cannot_start(
    hello: Microframe, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        if self.name.startswith("microframe-server"):
            raise RuntimeError("can't start new thread")
        real_start(self)

    hello.serve(backend=backend).stop()  # imports and one-time setup happen here
    fds_before = len(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(threading.Thread, "start", start)
    with pytest.raises(RuntimeError, match="could not start the server thread") as e:
        hello.serve(backend=backend)
    assert len(os.listdir("/proc/self/fd")) == fds_before  # sockets closed
    assert "can't start new thread" in str(e.value)
    assert "serve() again" in str(e.value)
    assert serving_module.server_for(hello) is None
    monkeypatch.undo()
    with hello.serve(backend=backend) as server:
        assert requests.get(server.url, timeout=5).text == "hello"


# -- session cookies ---------------------------------------------------------------


def _session_app(name: str) -> Microframe:
    from microframe import session

    app = Microframe(name)
    app.secret_key = f"{name} key"

    @app.route("/set/<value>")
    def set_value(value: str) -> str:
        session["value"] = value
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("value"))

    return app


def test_two_served_apps_keep_their_own_sessions() -> None:
    # Cookies are not port-isolated: one client visiting both ports sends
    # both apps every cookie, as a browser does.
    first, second = _session_app("first"), _session_app("second")
    with first.serve() as one, second.serve() as two, requests.Session() as client:
        client.get(one.url + "/set/a", timeout=5)
        client.get(two.url + "/set/b", timeout=5)
        assert client.get(one.url + "/get", timeout=5).text == "a"
        assert client.get(two.url + "/get", timeout=5).text == "b"
        names = sorted(cookie.name for cookie in client.cookies)
    assert names == sorted([f"session-{one.port}", f"session-{two.port}"])
    assert first.config["SESSION_COOKIE_NAME"] == f"session-{one.port}"


def test_a_session_cookie_name_the_app_set_is_kept() -> None:
    app = _session_app("named")
    app.config["SESSION_COOKIE_NAME"] = "session"  # explicitly, even the default
    with app.serve() as server, requests.Session() as client:
        client.get(server.url + "/set/x", timeout=5)
        assert [cookie.name for cookie in client.cookies] == ["session"]
    assert app.config["SESSION_COOKIE_NAME"] == "session"


def test_serving_again_renames_the_default_cookie_again() -> None:
    app = _session_app("again")
    with app.serve() as first:
        assert app.config["SESSION_COOKIE_NAME"] == f"session-{first.port}"
    with app.serve(url_prefix="/again") as second:
        assert app.config["SESSION_COOKIE_NAME"] == f"session-{second.port}"


# -- binding beyond loopback (decided, not done: tests bind 127.0.0.1 only) ----------


def test_non_loopback_without_token_warns(
    hello: Microframe, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Pretend the address is not loopback; the socket still binds 127.0.0.1.
    monkeypatch.setattr(serving_module.access, "is_loopback", lambda host: False)
    with caplog.at_level(logging.WARNING), hello.serve() as server:
        pass
    assert f"Serving on 127.0.0.1:{server.port} without a token" in caplog.text
    assert "token=True" in caplog.text


def test_non_loopback_with_token_does_not_warn(
    hello: Microframe,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(serving_module.access, "is_loopback", lambda host: False)
    with caplog.at_level(logging.WARNING), hello.serve(token="s3cret") as server:
        pass
    assert "without a token" not in caplog.text
    assert server.browser_url() in capsys.readouterr().err


# -- re-runs: servers(), stop_servers() and replace ------------------------------------


def _rebuilt(name: str, text: str) -> Microframe:
    """A new app named ``name``, as a re-run notebook cell builds it."""
    app = Microframe(name)
    app.add_url_rule("/", "index", lambda: text)
    return app


class _FakeShell:
    """What ``IPython.get_ipython()`` returns inside a kernel."""


def test_servers_lists_and_stop_servers_stops_them(hello: Microframe) -> None:
    import microframe

    other = _rebuilt("other", "other")
    first, second = hello.serve(), other.serve()
    assert microframe.servers() == [first, second]
    assert microframe.stop_servers() is True
    assert not first.running and not second.running
    assert microframe.servers() == []
    with pytest.raises(requests.ConnectionError):
        requests.get(first.url + "/", timeout=5)


def test_rebuilt_app_replaces_the_server_under_ipython(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ipython = type(sys)("IPython")
    ipython.get_ipython = _FakeShell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    old = _rebuilt("notebook_app", "old code").serve()
    new = _rebuilt("notebook_app", "new code").serve()
    try:
        assert not old.running
        assert serving_module.servers() == [new]
        assert requests.get(new.url + "/", timeout=5).text == "new code"
        err = capsys.readouterr().err
        assert (
            f"Stopped the server of the earlier app 'notebook_app' at {old.url}" in err
        )
        assert "serve(replace=False) keeps both" in err
    finally:
        new.stop()


def test_rebuilt_app_on_a_fixed_port_takes_it_over(free_port: int) -> None:
    old = _rebuilt("fixed", "old code").serve(port=free_port)
    new = _rebuilt("fixed", "new code").serve(port=free_port, replace=True)
    with new:
        assert not old.running
        assert new.port == free_port
        assert requests.get(new.url + "/", timeout=5).text == "new code"


def test_same_name_apps_both_serve_outside_ipython_or_with_replace_false() -> None:
    first = _rebuilt("twin", "first").serve()
    second = _rebuilt("twin", "second").serve()
    third = _rebuilt("twin", "third").serve(replace=False)
    try:
        assert first.running and second.running and third.running
        assert requests.get(first.url + "/", timeout=5).text == "first"
        assert requests.get(third.url + "/", timeout=5).text == "third"
    finally:
        assert serving_module.stop_servers() is True
