"""The default backend under hostile and busy clients: measured, and bounded.

Each test prints its figures (run with ``-s`` to see them). Wall-clock figures
are reported, not asserted: what is asserted is that requests are answered,
that the thread count stays bounded, and that nothing leaks afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import resource
import socket
import statistics
import threading
import time
import typing as t

import pytest

from microframe import Microframe, request
from microframe.embedding import backends

ATTACKERS = 500


def _open_fds() -> int:
    fd_dir = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    return len(os.listdir(fd_dir))


@pytest.fixture
def enough_fds() -> t.Iterator[None]:
    """Room for the attack's sockets (both ends live in this process)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _open_fds() + 2 * ATTACKERS + 500
    if soft != resource.RLIM_INFINITY and soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def target(app: Microframe) -> Microframe:
    """``app`` with ``/`` and ``/echo/<n>``, which also reports the client's port."""

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/echo/<int:n>")
    def echo(n: int) -> str:
        return f"{n} {request.environ['REMOTE_PORT']}"

    return app


class Attack:
    """Idle and slowly-sending connections, the slow ones fed a byte at a time."""

    def __init__(self, port: int, idle: int, slow: int) -> None:
        self.idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(idle)]
        self.slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(slow)]
        for sock in self.slow:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        self._stop = threading.Event()
        self._feeder = threading.Thread(target=self._feed)
        self._feeder.start()

    def _feed(self) -> None:
        while not self._stop.wait(0.05):
            for sock in self.slow:
                with contextlib.suppress(OSError):
                    sock.send(b"z")

    def close(self) -> None:
        self._stop.set()
        self._feeder.join(10)
        for sock in self.idle + self.slow:
            sock.close()


def _timed_get(port: int, path: str = "/") -> tuple[float, int, bytes]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return time.perf_counter() - start, response.status, body


@pytest.mark.parametrize("backend", ["werkzeug", "waitress"])
@pytest.mark.usefixtures("enough_fds")
def test_requests_are_answered_with_500_idle_and_slow_connections_open(
    target: Microframe, backend: str, record_property: t.Callable[[str, object], None]
) -> None:
    threads_before = threading.active_count()
    fds_before = _open_fds()
    with target.serve(backend=backend) as server:
        assert _timed_get(server.port)[1] == 200  # workers and imports are ready
        attack = Attack(server.port, ATTACKERS // 2, ATTACKERS // 2)
        try:
            time.sleep(0.2)  # the server has taken every connection in
            threads_during = threading.active_count()
            timings = []
            for _ in range(20):
                elapsed, status, body = _timed_get(server.port)
                assert (status, body) == (200, b"ok")
                timings.append(elapsed)
        finally:
            attack.close()
    record_property(
        "figures",
        f"[{backend}] {ATTACKERS} idle/slow connections open: normal request"
        f" median {statistics.median(timings) * 1000:.1f} ms, max"
        f" {max(timings) * 1000:.1f} ms; threads {threads_before} ->"
        f" {threads_during} (+1 feeding the slow clients)",
    )
    if backend == "werkzeug":
        # The loop, at most DEFAULT_THREADS workers, and the attack's feeder.
        assert threads_during - threads_before <= backends.DEFAULT_THREADS + 2
    assert threading.active_count() == threads_before, threading.enumerate()
    assert _open_fds() == fds_before


@pytest.mark.usefixtures("enough_fds")
def test_64_keep_alive_clients_50_requests_each(
    target: Microframe, record_property: t.Callable[[str, object], None]
) -> None:
    threads_before = threading.active_count()
    fds_before = _open_fds()
    errors: list[str] = []
    ports: set[str] = set()
    lock = threading.Lock()

    def client(index: int, port: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for i in range(50):
                n = index * 1000 + i
                try:
                    conn.request("GET", f"/echo/{n}")
                    response = conn.getresponse()
                    answer, _, client_port = response.read().decode().partition(" ")
                except (OSError, http.client.HTTPException) as e:
                    errors.append(f"{n}: {e!r}")
                    continue
                if response.status != 200 or answer != str(n):
                    errors.append(f"{n}: {response.status} {answer}")
                with lock:
                    ports.add(client_port)
        finally:
            conn.close()

    with target.serve() as server:
        start = time.perf_counter()
        clients = [
            threading.Thread(target=client, args=(index, server.port))
            for index in range(64)
        ]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(60)
        elapsed = time.perf_counter() - start
    record_property(
        "figures",
        f"[werkzeug] 64 keep-alive clients x 50 requests: {len(errors)} errors,"
        f" {len(ports)} connections, {64 * 50 / elapsed:.0f} requests/s",
    )
    assert errors == []
    assert len(ports) == 64  # one connection per client, kept alive
    assert threading.active_count() == threads_before, threading.enumerate()
    assert _open_fds() == fds_before
