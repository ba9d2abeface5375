"""Scenario 1: each app called in-process as a WSGI server would call it.

Every call gets a fresh environ and an unread input stream (built before the clock
starts), the response iterable is consumed and ``close()`` is called on it.
"""

from __future__ import annotations

import typing as t

from benchmarks.check import WSGIApp
from benchmarks.endpoints import ENDPOINTS, Endpoint, fresh_environs
from benchmarks.timing import Batch, Rounds, Scenario, calibrate, rotated, timed

#: Environs built per batch at most, to bound memory for the bare-WSGI floor.
MOST_CALLS = 20_000


def _start_response(
    status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
) -> t.Callable[[bytes], None]:
    return _write


def _write(data: bytes) -> None:
    raise RuntimeError("no benchmark app should use the legacy write() callable")


def serve_all(app: WSGIApp, environs: list[dict[str, t.Any]]) -> None:
    """Call ``app`` for each environ as a server would: read the body, close it."""
    for environ in environs:
        iterable = app(environ, _start_response)
        for _ in iterable:
            pass
        close = getattr(iterable, "close", None)
        if close is not None:
            close()


def wsgi_batch(app: WSGIApp, endpoint: Endpoint, cookie: str = "") -> Batch:
    """A batch sending ``endpoint`` and ``cookie`` through ``app`` ``count`` times."""

    def run(count: int) -> float:
        environs = fresh_environs(endpoint, min(count, MOST_CALLS), cookie)
        return timed(lambda: serve_all(app, environs))

    return run


def run(apps: dict[str, WSGIApp], rounds: Rounds, batch_seconds: float) -> Scenario:
    """Time every endpoint of every app, round after round."""
    frameworks = list(apps)
    scenario = Scenario(
        key="inprocess",
        title="In-process WSGI throughput",
        columns=frameworks,
        baseline="flask",
        unit="µs per request",
    )
    batches, counts = {}, {}
    for endpoint in ENDPOINTS:
        for name, app in apps.items():
            batch = batches[endpoint.name, name] = wsgi_batch(app, endpoint)
            counts[endpoint.name, name] = min(
                MOST_CALLS, calibrate(batch, batch_seconds)
            )
    for round_index in rounds:
        for endpoint in ENDPOINTS:
            row = scenario.row(endpoint.name)
            for name in rotated(frameworks, round_index):
                count = counts[endpoint.name, name]
                row.add(name, batches[endpoint.name, name](count) / count)
    scenario.rounds = rounds.done
    return scenario
