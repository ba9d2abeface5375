"""Scenario 4: serving in the background, then stopping.

microframe's ``app.serve(host="127.0.0.1", port=0)`` → the first 200 through
``http.client`` → ``stop()``, against the werkzeug way a Flask user does it today:
``make_server`` with ``serve_forever()`` in a thread, then ``shutdown()`` (which waits
out ``serve_forever``'s poll interval) and ``server_close()``. The time ``stop()``
takes is reported on its own row, as its target is absolute (≤ 60 ms).
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import threading
import time
import typing as t

from benchmarks.check import WSGIApp
from benchmarks.timing import Rounds, Scenario, rotated

HOST = "127.0.0.1"
WERKZEUG = "werkzeug make_server (Flask app)"
MICROFRAME = "microframe app.serve()"
FIRST_200_SECONDS = 10.0


def serve_available(app: t.Any) -> bool:
    """Whether microframe's ``serve`` has landed on the app class."""
    return callable(getattr(app, "serve", None))


def _first_200(port: int) -> None:
    deadline = time.monotonic() + FIRST_200_SECONDS
    while True:
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
            raise RuntimeError(f"expected 200 from GET / but got {response.status}")
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.001)
        finally:
            connection.close()


def _microframe(app: t.Any) -> tuple[float, float]:
    start = time.perf_counter()
    server = app.serve(host=HOST, port=0)
    try:
        _first_200(server.port)
    except BaseException:
        server.stop()
        raise
    up = time.perf_counter()
    server.stop()
    return up - start, time.perf_counter() - up


def _werkzeug(app: WSGIApp) -> tuple[float, float]:
    from werkzeug.serving import make_server

    start = time.perf_counter()
    server = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _first_200(server.server_port)
    finally:
        up = time.perf_counter()
        server.shutdown()
        server.server_close()
        thread.join()
    return up - start, time.perf_counter() - up


def run(apps: dict[str, WSGIApp], rounds: Rounds) -> Scenario:
    """Serve → first 200 → stop, for both ways, round after round."""
    ways: dict[str, t.Callable[[], tuple[float, float]]] = {
        WERKZEUG: lambda: _werkzeug(apps["flask"]),
    }
    scenario = Scenario(
        key="serving",
        title="Background serving: start → first 200 → stop",
        columns=[WERKZEUG, MICROFRAME],
        baseline=WERKZEUG,
        unit="ms",
    )
    if serve_available(apps["microframe"]):
        ways[MICROFRAME] = lambda: _microframe(apps["microframe"])
    else:
        scenario.columns.remove(MICROFRAME)
        scenario.notes.append(
            "microframe has no `app.serve()` yet: its column is missing."
        )
    up_row, stop_row, total = (
        scenario.row("start → first 200"),
        scenario.row("stop()"),
        scenario.row("total"),
    )
    with _quiet_request_logs():
        for way in ways.values():
            way()  # import the server modules before timing
        for round_index in rounds:
            for name in rotated(list(ways), round_index):
                up, stop = ways[name]()
                up_row.add(name, up)
                stop_row.add(name, stop)
                total.add(name, up + stop)
    scenario.rounds = rounds.done
    return scenario


@contextlib.contextmanager
def _quiet_request_logs() -> t.Iterator[None]:
    """Keep the servers' per-request log lines out of the benchmark's output."""
    loggers = [logging.getLogger(name) for name in ("werkzeug", "microframe")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
