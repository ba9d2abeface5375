"""Scenario 5: each app over HTTP under gunicorn (2 sync workers) on 127.0.0.1.

Every framework gets its own gunicorn, started once; each round then loads them in
turn with the same bounded load: a fixed number of requests (cycling through the
endpoints) sent by a few client threads over fresh connections with
``Connection: close``, stopped early at a time limit. The client speaks raw sockets
so that it spends as little of the two cores as it can.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from benchmarks.apps import module_name
from benchmarks.check import MismatchError, Reply, differences
from benchmarks.endpoints import ENDPOINTS, Endpoint
from benchmarks.timing import Rounds, Scenario, rotated

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
CLIENT_THREADS = 4
STARTUP_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Gunicorn:
    """A gunicorn master serving one framework's app, started by this benchmark."""

    framework: str
    port: int
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, framework: str) -> Gunicorn:
        port = _free_port()
        command = [
            sys.executable, "-m", "gunicorn",
            "--workers", "2", "--worker-class", "sync",
            "--bind", f"{HOST}:{port}", "--chdir", ROOT,
            "--log-level", "warning",
            f"{module_name(framework)}:app",
        ]  # fmt: skip
        process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
        return cls(framework, port, process)

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = (
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
                raise RuntimeError(f"gunicorn for {self.framework} exited:\n{error}")
            try:
                if self.fetch(ENDPOINTS[0]).code == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(
            f"gunicorn for {self.framework} did not answer on port {self.port}"
            f" within {STARTUP_SECONDS:.0f} s"
        )

    def fetch(self, endpoint: Endpoint) -> Reply:
        """One request through ``http.client``, for the correctness check."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            headers = {"Connection": "close"}
            if endpoint.body:
                headers["Content-Type"] = endpoint.content_type
            connection.request(
                endpoint.method, endpoint.url, endpoint.body or None, headers
            )
            response = connection.getresponse()
            return Reply(
                f"{response.status} {response.reason}",
                response.getheader("Content-Type", ""),
                response.read(),
            )
        finally:
            connection.close()

    def worker_cpu_seconds(self) -> float:
        """CPU time the workers have used so far (``/proc/<pid>/schedstat``, in ns)."""
        children = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        with open(children, encoding="ascii") as listing:
            pids = listing.read().split()
        total = 0
        for pid in pids:
            with open(f"/proc/{pid}/schedstat", encoding="ascii") as schedstat:
                total += int(schedstat.read().split()[0])
        return total / 1e9

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


def _raw_request(endpoint: Endpoint) -> bytes:
    head = (
        f"{endpoint.method} {endpoint.url} HTTP/1.1\r\nHost: {HOST}\r\n"
        "User-Agent: microframe-bench/1\r\nAccept: */*\r\nConnection: close\r\n"
    )
    if endpoint.body:
        head += (
            f"Content-Type: {endpoint.content_type}\r\n"
            f"Content-Length: {len(endpoint.body)}\r\n"
        )
    return (head + "\r\n").encode("latin-1") + endpoint.body


REQUESTS = [
    (_raw_request(e), b" 404 " if e.name == "404" else b" 200 ") for e in ENDPOINTS
]


def load(port: int, requests: int, seconds: float) -> tuple[int, float]:
    """Send up to ``requests`` requests within ``seconds``; (completed, elapsed)."""
    lock = threading.Lock()
    issued = 0
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= requests or failures or time.perf_counter() > deadline:
                    return
                index = issued
                issued += 1
            raw, expected = REQUESTS[index % len(REQUESTS)]
            with socket.create_connection((HOST, port), timeout=10) as connection:
                connection.sendall(raw)
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
            status_line = b"".join(chunks).split(b"\r\n", 1)[0]
            if expected not in status_line:
                with lock:
                    failures.append(f"expected {expected!r} but got {status_line!r}")

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"the load on port {port} failed: {failures[0]}")
    return min(issued, requests), elapsed


def verify(servers: dict[str, Gunicorn]) -> None:
    """Fail loudly unless every server answers every endpoint as Flask's does."""
    problems: list[str] = []
    for endpoint in ENDPOINTS:
        expected = servers["flask"].fetch(endpoint)
        for name, server in servers.items():
            problems.extend(
                f"{name} over HTTP {endpoint.method} {endpoint.url}: {line}"
                for line in differences(name, server.fetch(endpoint), expected)
            )
    if problems:
        raise MismatchError("the servers disagree:\n  " + "\n  ".join(problems))


def run(
    frameworks: list[str], rounds: Rounds, requests: int, seconds: float
) -> Scenario:
    """Load each framework's gunicorn in turn, round after round."""
    scenario = Scenario(
        key="gunicorn",
        title="HTTP under gunicorn (2 sync workers)",
        columns=frameworks,
        baseline="flask",
        unit="µs per request",
        notes=[
            f"{requests} requests (the endpoints in turn) per framework per round,"
            f" {CLIENT_THREADS} client threads, a new connection each,"
            f" limit {seconds:g} s."
        ],
    )
    servers: dict[str, Gunicorn] = {}
    try:
        for framework in frameworks:
            servers[framework] = Gunicorn.start(framework)
        deadline = time.monotonic() + STARTUP_SECONDS
        for server in servers.values():
            server.wait_ready(deadline)
        verify(servers)
        for server in servers.values():  # warm both workers of each
            load(server.port, 4 * len(REQUESTS), seconds)
        row = scenario.row("endpoints in turn")
        cpu_row = scenario.row("(same load) worker CPU per request")
        for round_index in rounds:
            for framework in rotated(frameworks, round_index):
                server = servers[framework]
                cpu = server.worker_cpu_seconds()
                done, elapsed = load(server.port, requests, seconds)
                row.add(framework, elapsed / done)
                cpu_row.add(framework, (server.worker_cpu_seconds() - cpu) / done)
        scenario.rounds = rounds.done
    finally:
        for server in servers.values():
            server.stop()
    return scenario
