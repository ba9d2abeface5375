"""The background server under load, errors, disconnects and repeated restarts."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import typing as t

import pytest
import requests

from microframe import Microframe, jsonify, stream_with_context

BACKENDS = ["werkzeug", "waitress"]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def live_app(app: Microframe) -> Microframe:
    """``app`` out of testing mode, so view errors become 500s as in production."""
    app.testing = False

    @app.route("/echo/<int:n>")
    def echo(n: int) -> t.Any:
        return jsonify(n=n, double=n * 2)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("the view failed")

    return app


@pytest.mark.parametrize("backend", BACKENDS)
def test_sixteen_clients_fifty_requests_each(
    live_app: Microframe, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    failures: list[str] = []

    def client(index: int, base: str) -> None:
        with requests.Session() as session:
            for i in range(50):
                n = index * 1000 + i
                try:
                    response = session.get(f"{base}/echo/{n}", timeout=10)
                    if response.status_code != 200 or response.json() != {
                        "n": n,
                        "double": 2 * n,
                    }:
                        failures.append(f"{n}: {response.status_code} {response.text}")
                except requests.RequestException as e:
                    failures.append(f"{n}: {e!r}")

    # One thread per client. On a loaded machine waitress may still warn that
    # requests queued for a thread ("Task queue depth"): a warning, not an error.
    server = live_app.serve(backend=backend, threads=16)
    with caplog.at_level(logging.WARNING), server:
        threads = [
            threading.Thread(target=client, args=(index, server.url))
            for index in range(16)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert failures == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    queued = "Task queue depth"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r for r in warnings if not r.getMessage().startswith(queued)] == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_failing_view_is_a_500_and_the_server_goes_on(
    live_app: Microframe, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), live_app.serve(backend=backend) as server:
        for _ in range(3):
            response = requests.get(server.url + "/boom", timeout=5)
            assert response.status_code == 500
            assert requests.get(server.url + "/echo/2", timeout=5).json()["double"] == 4
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 3
    assert all(r.name == live_app.logger.name for r in errors)
    assert "Exception on /boom [GET]" in errors[0].getMessage()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("with_context", [True, False])
def test_client_leaving_mid_stream(
    live_app: Microframe, backend: str, with_context: bool
) -> None:
    streaming = threading.Event()
    generator_closed = threading.Event()
    torn_down = threading.Event()

    @live_app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.set()

    @live_app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            try:
                for i in range(10_000):
                    streaming.set()
                    yield f"line {i}\n" * 200
                    time.sleep(0.005)
            finally:
                generator_closed.set()

        return stream_with_context(generate()) if with_context else generate()

    with live_app.serve(backend=backend) as server:
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall(b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert client.recv(4096)
        assert streaming.wait(5)
        # Leave with unread data, so the server sees a reset.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        client.close()
        assert generator_closed.wait(5)
        assert torn_down.wait(5)
        assert requests.get(server.url + "/echo/3", timeout=5).json()["n"] == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_with_many_requests_in_flight(live_app: Microframe, backend: str) -> None:
    entered = threading.Semaphore(0)

    @live_app.route("/slow")
    def slow() -> str:
        entered.release()
        time.sleep(0.2)
        return "slow"

    server = live_app.serve(backend=backend, threads=4)
    results: list[int] = []
    clients = [
        threading.Thread(
            target=lambda: results.append(
                requests.get(server.url + "/slow", timeout=10).status_code
            )
        )
        for _ in range(4)
    ]
    for client in clients:
        client.start()
    for _ in range(4):
        assert entered.acquire(timeout=5)
    start = time.monotonic()
    assert server.stop(timeout=2) is True
    assert time.monotonic() - start < 2
    for client in clients:
        client.join(5)
    assert results == [200, 200, 200, 200]


@pytest.mark.parametrize("backend", BACKENDS)
def test_fifty_start_stop_cycles_leave_nothing_behind(
    live_app: Microframe, backend: str
) -> None:
    def cycle() -> None:
        server = live_app.serve(backend=backend)
        assert requests.get(server.url + "/echo/1", timeout=5).status_code == 200
        assert server.stop() is True

    cycle()  # imports and one-time setup happen here
    threads_before = threading.active_count()
    fds_before = _open_fds()
    for _ in range(50):
        cycle()
    assert threading.active_count() == threads_before, threading.enumerate()
    assert _open_fds() == fds_before
