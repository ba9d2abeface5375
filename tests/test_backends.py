"""Tests for microframe/embedding/backends.py: binding, deadlines, waitress.

``app.serve()`` with both backends is tested in test_serving.py; these tests
use the module's parts on their own.
"""

from __future__ import annotations

import errno
import logging
import socket
import time
import typing as t

import pytest
import requests

from microframe.backends import (
    Backend,
    ServerBindError,
    WaitressServer,
    bind,
    remaining,
)
from microframe.embedding.httpserver import ThreadedServer

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def hello(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def test_bind_gives_a_listening_socket_on_a_free_port() -> None:
    sock = bind("127.0.0.1", 0)
    try:
        host, port = sock.getsockname()[:2]
        assert host == "127.0.0.1"
        assert port > 0
        with socket.create_connection((host, port), timeout=5):
            pass  # accepted into the backlog: it listens
    finally:
        sock.close()


def test_bind_a_taken_port_says_what_to_do() -> None:
    first = bind("127.0.0.1", 0)
    port = first.getsockname()[1]
    try:
        with pytest.raises(ServerBindError) as info:
            bind("127.0.0.1", port)
    finally:
        first.close()
    error = info.value
    assert (error.errno, error.host, error.port) == (
        errno.EADDRINUSE,
        "127.0.0.1",
        port,
    )
    assert f"Cannot serve on 127.0.0.1:{port}" in str(error)
    assert "Pass port=0" in str(error)


@pytest.mark.parametrize(
    ("host", "port", "match"),
    [
        ("unix:///tmp/app.sock", 0, "not on the Unix socket 'unix:///tmp/app.sock'"),
        ("127.0.0.1", 65536, "not 65536; port=0 picks a free port"),
        ("127.0.0.1", -1, "from 0 to 65535"),
    ],
)
def test_bind_refuses_what_it_cannot_listen_on(
    host: str, port: int, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        bind(host, port)


def test_remaining_counts_down_and_stops_at_zero() -> None:
    assert 9 < remaining(time.monotonic() + 10) <= 10
    assert remaining(time.monotonic() - 5) == 0.0


@pytest.mark.parametrize("make", ["waitress", "threaded"])
def test_both_loops_serve_and_stop_within_the_deadline(make: str) -> None:
    sock = bind("127.0.0.1", 0)
    server: Backend
    if make == "waitress":
        server = WaitressServer(sock, hello, threads=2, options={})
    else:
        server = ThreadedServer(sock, hello, logging.getLogger("test"), threads=2)
    assert not server.alive
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/"
        assert requests.get(url, timeout=5).text == "hello"
    finally:
        assert server.stop(time.monotonic() + 5) is True
    assert not server.alive
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)


def test_waitress_names_the_options_it_rejected() -> None:
    sock = bind("127.0.0.1", 0)
    try:
        with pytest.raises(TypeError, match=r"\['no_such_option'\]"):
            WaitressServer(sock, hello, threads=None, options={"no_such_option": 1})
    finally:
        sock.close()
