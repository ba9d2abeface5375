"""The default backend's connections: keep-alive, timeouts, limits and failures.

Raw sockets show what goes over the wire: which responses keep the
connection open, where one request ends and the next begins, and when a
slow or idle client is let go.
"""

from __future__ import annotations

import http.client
import logging
import resource
import socket
import threading
import time
import typing as t

import pytest
import requests

from microframe import Microframe, request


@pytest.fixture
def echo(app: Microframe) -> Microframe:
    """``app`` with ``/`` and ``/body``, which answers with the request body."""

    @app.route("/")
    def index() -> str:
        return "hello"

    @app.route("/body", methods=["POST"])
    def body() -> str:
        return f"got {request.get_data().decode()}"

    @app.route("/ignore", methods=["POST"])
    def ignore() -> str:
        return "ignored"

    return app


def _read_response(sock: socket.socket) -> tuple[bytes, dict[str, str], bytes]:
    """One response off ``sock``: status line, headers, and a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {
        k.decode().lower(): v.decode().strip()
        for k, _, v in (line.partition(b":") for line in lines)
    }
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed mid-body")
        body += chunk
    assert len(body) == length, "more bytes than one response"
    return status, headers, body


def _closed(sock: socket.socket, within: float = 5.0) -> bool:
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return True


# -- keep-alive ------------------------------------------------------------------


def test_http11_connections_are_kept_alive(echo: Microframe) -> None:
    with (
        echo.serve() as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        for _ in range(3):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            status, headers, body = _read_response(sock)
            assert status == b"HTTP/1.1 200 OK"
            assert "connection" not in headers
            assert body == b"hello"


def test_a_body_ends_where_the_next_request_starts(echo: Microframe) -> None:
    # Two requests sent at once: the first one's body must not swallow the second.
    with (
        echo.serve() as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(
            b"POST /body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nfirst"
            b"POST /ignore HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 6\r\n\r\n"
            b"unread"
            b"\r\nGET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        assert _read_response(sock)[2] == b"got first"
        assert _read_response(sock)[2] == b"ignored"
        assert _read_response(sock)[2] == b"hello"


def test_connection_close_and_http10_are_honoured(echo: Microframe) -> None:
    with echo.serve() as server:
        for request_line in (
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", server.port)) as sock:
                sock.sendall(request_line)
                assert _read_response(sock)[1]["connection"] == "close"
                assert _closed(sock)


def test_a_chunked_request_closes_the_connection_after(echo: Microframe) -> None:
    with (
        echo.serve() as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(
            b"POST /body HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked"
            b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        _, headers, body = _read_response(sock)
        assert body == b"got hello"
        assert headers["connection"] == "close"
        assert _closed(sock)


@pytest.mark.parametrize(
    "request_head",
    [
        # The app leaves more body unread than is worth reading to keep it.
        b"POST /ignore HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n",
        # A length nobody can read the body by.
        b"POST /ignore HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: lots\r\n\r\n",
    ],
)
def test_a_body_that_cannot_be_skipped_closes_the_connection(
    echo: Microframe, request_head: bytes
) -> None:
    with (
        echo.serve() as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(request_head + b"x" * 1000)
        _, headers, _ = _read_response(sock)
        assert headers["connection"] == "close"
        assert _closed(sock)
        assert requests.get(server.url, timeout=5).text == "hello"


def test_streamed_responses_keep_the_connection(app: Microframe) -> None:
    @app.route("/stream")
    def stream() -> t.Any:
        return (f"{i}," for i in range(3))

    with app.serve() as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        for _ in range(2):
            conn.request("GET", "/stream")
            response = conn.getresponse()
            assert response.read() == b"0,1,2,"
            assert response.getheader("Transfer-Encoding") == "chunked"
        conn.close()


def test_a_failing_view_mid_body_closes_the_connection(app: Microframe) -> None:
    app.testing = False

    @app.route("/half")
    def half() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield "start"
            raise RuntimeError("broke mid-body")

        return generate()

    @app.route("/")
    def index() -> str:
        return "hello"

    with app.serve() as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /half HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _closed(sock)
        assert requests.get(server.url, timeout=5).text == "hello"


# -- timeouts and limits ---------------------------------------------------------


def test_idle_and_slow_clients_are_let_go(echo: Microframe) -> None:
    with echo.serve(header_timeout=0.3, keepalive_timeout=0.3) as server:
        idle = socket.create_connection(("127.0.0.1", server.port))
        slow = socket.create_connection(("127.0.0.1", server.port))
        kept = socket.create_connection(("127.0.0.1", server.port))
        try:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            kept.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _read_response(kept)[2] == b"hello"
            start = time.monotonic()
            assert _closed(idle)
            slow.settimeout(5)
            answer = slow.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
            assert _closed(kept)
            assert time.monotonic() - start < 4
        finally:
            for sock in (idle, slow, kept):
                sock.close()
        assert requests.get(server.url, timeout=5).text == "hello"


def test_an_oversized_head_is_refused(echo: Microframe) -> None:
    with (
        echo.serve() as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        with pytest.raises(OSError):  # the server may close while we still send
            for _ in range(100):
                sock.sendall(b"x" * 1024)
                time.sleep(0.001)
        assert sock.recv(4096).startswith(b"HTTP/1.1 431 ")


def test_the_connection_limit_lets_the_new_client_in(echo: Microframe) -> None:
    with echo.serve(connection_limit=5) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(5)]
        try:
            time.sleep(0.1)
            # The oldest idle connection makes room for the new one.
            assert requests.get(server.url, timeout=5).text == "hello"
            assert _closed(idle[0])
        finally:
            for sock in idle:
                sock.close()


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"header_timeout": 0}, ValueError, r"header_timeout= must be a positive"),
        ({"keepalive_timeout": "5"}, ValueError, r"number of seconds"),
        ({"connection_limit": 1.5}, ValueError, r"positive int, not 1.5"),
        ({"header_timeout": True}, ValueError, r"default is 10.0"),
        ({"channel_timeout": 5}, TypeError, r"takes header_timeout, keepalive"),
    ],
)
def test_bad_connection_options(
    echo: Microframe, options: dict[str, t.Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        echo.serve(**options)


# -- failures the loop survives --------------------------------------------------


def test_a_worker_that_cannot_start_is_logged_and_retried(
    echo: Microframe,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_start = threading.Thread.start
    refused: list[str] = []

    def start(self: threading.Thread) -> None:
        if self.name.startswith("microframe-worker") and len(refused) < 3:
            refused.append(self.name)
            raise RuntimeError("can't start new thread")
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    with caplog.at_level(logging.WARNING), echo.serve() as server:
        assert requests.get(server.url, timeout=10).text == "hello"
        assert server.stop() is True
    assert len(refused) == 3
    (record,) = [r for r in caplog.records if "worker thread" in r.getMessage()]
    assert "can't start new thread" in record.getMessage()
    assert "threads=" in record.getMessage()


def test_running_out_of_descriptors_is_logged_and_survived(
    echo: Microframe, caplog: pytest.LogCaptureFixture
) -> None:
    import os

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    clients: list[socket.socket] = []
    with caplog.at_level(logging.WARNING), echo.serve() as server:
        assert requests.get(server.url, timeout=5).text == "hello"
        # Both ends live in this process: room for a few pairs, then accept fails.
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 7, hard)
        )
        try:
            for _ in range(6):
                try:
                    client = socket.create_connection(("127.0.0.1", server.port))
                except OSError:
                    break  # this side ran out first: the server's accepts did too
                clients.append(client)
            deadline = time.monotonic() + 5
            while "cannot accept" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.01)
            for sock in clients:
                sock.close()
            clients.clear()
            assert requests.get(server.url, timeout=5).text == "hello"
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
            for sock in clients:
                sock.close()
        assert requests.get(server.url, timeout=5).text == "hello"
    warnings = [r for r in caplog.records if "cannot accept" in r.getMessage()]
    assert len(warnings) == 1
    assert "ulimit -n" in warnings[0].getMessage()
