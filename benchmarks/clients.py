"""Scenario 2: the cost of a request through each framework's test client.

Flask's ``app.test_client()`` is the baseline; microframe is timed with its plain
``app.test_client()`` and with ``microframe_testing.RecordingClient(app)``, which
also records every exchange (and is closed after each batch, as its fixture does).
Bottle (through werkzeug's own ``Client``, as a Bottle user would test with it) and
Falcon (``falcon.testing.TestClient``) are shown for reference. Each batch uses one
client, as a test does, and reads every response's status and body.
"""

from __future__ import annotations

import typing as t

from benchmarks.check import Reply, WSGIApp, call
from benchmarks.endpoints import ENDPOINTS, Endpoint
from benchmarks.timing import Batch, Rounds, Scenario, calibrate, rotated, timed

#: ``send(endpoint)`` makes one request and returns its status code and body.
Send = t.Callable[[Endpoint], tuple[int, bytes]]
#: Makes a fresh client for an app; returns its ``send`` and what closes it.
ClientFactory = t.Callable[[WSGIApp], tuple[Send, t.Callable[[], None]]]

RECORDING = "microframe RecordingClient"


def _werkzeug_send(client: t.Any) -> tuple[Send, t.Callable[[], None]]:
    def send(endpoint: Endpoint) -> tuple[int, bytes]:
        response = client.open(
            endpoint.url,
            method=endpoint.method,
            data=endpoint.body or None,
            content_type=endpoint.content_type or None,
        )
        return response.status_code, response.get_data()

    return send, getattr(client, "close", _nothing)


def _nothing() -> None:
    return None


def _app_test_client(app: t.Any) -> tuple[Send, t.Callable[[], None]]:
    return _werkzeug_send(app.test_client())


def _recording_client(app: t.Any) -> tuple[Send, t.Callable[[], None]]:
    from microframe_testing import RecordingClient

    return _werkzeug_send(RecordingClient(app))


def _werkzeug_client(app: WSGIApp) -> tuple[Send, t.Callable[[], None]]:
    from werkzeug.test import Client

    return _werkzeug_send(Client(app))


def _falcon_client(app: WSGIApp) -> tuple[Send, t.Callable[[], None]]:
    from falcon.testing import TestClient

    client = TestClient(app)

    def send(endpoint: Endpoint) -> tuple[int, bytes]:
        headers = {"Content-Type": endpoint.content_type} if endpoint.body else None
        result = client.simulate_request(
            endpoint.method, endpoint.url, body=endpoint.body or None, headers=headers
        )
        return result.status_code, result.content

    return send, _nothing


def recording_client_available() -> bool:
    """Whether ``microframe_testing.RecordingClient`` can be imported."""
    try:
        from microframe_testing import RecordingClient  # noqa: F401
    except ImportError:
        return False
    return True


def clients_for(apps: dict[str, WSGIApp]) -> dict[str, tuple[WSGIApp, ClientFactory]]:
    """The clients to time, by column name, each with the app it drives."""
    clients: dict[str, tuple[WSGIApp, ClientFactory]] = {
        "flask": (apps["flask"], _app_test_client),
        "microframe": (apps["microframe"], _app_test_client),
    }
    if recording_client_available():
        clients[RECORDING] = (apps["microframe"], _recording_client)
    if "bottle" in apps:
        clients["bottle (werkzeug Client)"] = (apps["bottle"], _werkzeug_client)
    if "falcon" in apps:
        clients["falcon (falcon.testing)"] = (apps["falcon"], _falcon_client)
    return clients


def verify(
    clients: dict[str, tuple[WSGIApp, ClientFactory]], apps: dict[str, WSGIApp]
) -> None:
    """Fail loudly unless every client gets Flask's status and body everywhere."""
    from benchmarks.check import MismatchError, differences

    problems: list[str] = []
    for endpoint in ENDPOINTS:
        expected = call(apps["flask"], endpoint)
        for name, (app, factory) in clients.items():
            send, close = factory(app)
            code, body = send(endpoint)
            close()
            got = Reply(f"{code} -", expected.content_type, body)
            problems.extend(
                f"{name} {endpoint.method} {endpoint.url}: {line}"
                for line in differences("client", got, expected)
            )
    if problems:
        raise MismatchError("the test clients disagree:\n  " + "\n  ".join(problems))


def client_batch(
    app: WSGIApp, factory: ClientFactory, endpoints: t.Sequence[Endpoint]
) -> Batch:
    """A batch that sends ``endpoints`` ``count`` times through one fresh client."""

    def run(count: int) -> float:
        def requests() -> None:
            send, close = factory(app)
            for _ in range(count):
                for endpoint in endpoints:
                    send(endpoint)
            close()

        return timed(requests)

    return run


def run(apps: dict[str, WSGIApp], rounds: Rounds, batch_seconds: float) -> Scenario:
    """Time each client per endpoint and over all of them, round after round."""
    clients = clients_for(apps)
    verify(clients, apps)
    scenario = Scenario(
        key="clients",
        title="Test-client throughput",
        columns=list(clients),
        baseline="flask",
        unit="µs per request",
    )
    if RECORDING not in clients:
        scenario.notes.append(
            "microframe_testing.RecordingClient cannot be imported:"
            " its column is missing."
        )
    workloads = [(e.name, (e,)) for e in ENDPOINTS] + [("all endpoints", ENDPOINTS)]
    batches, counts = {}, {}
    for label, endpoints in workloads:
        for name, (app, factory) in clients.items():
            batch = batches[label, name] = client_batch(app, factory, endpoints)
            counts[label, name] = calibrate(batch, batch_seconds, least=5)
    for round_index in rounds:
        for label, endpoints in workloads:
            row = scenario.row(label)
            for name in rotated(list(clients), round_index):
                count = counts[label, name]
                row.add(name, batches[label, name](count) / (count * len(endpoints)))
    scenario.rounds = rounds.done
    return scenario
