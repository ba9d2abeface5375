"""The pytest fixtures of the ``microframe`` plugin.

Nothing here runs unless a test asks for a fixture, and nothing is imported
from microframe until then, so the plugin costs nothing to projects that do
not use it in a given test.
"""

from __future__ import annotations

import typing as t

import pytest

if t.TYPE_CHECKING:  # pragma: no cover
    from microframe import Microframe
    from microframe.config import Config
    from microframe.ctx import AppContext, RequestContext
    from microframe.testing import MicroframeCliRunner

    from .client import RecordingClient
    from .history import History
    from .live_server import LiveServer, SharedServer
    from .signals import SignalRecord

#: Per test: what recorded requests, for the failure report (label, history).
RECORDED = pytest.StashKey[list[tuple[str, t.Callable[[], "History"]]]]()

MARKER = "microframe_config"


def app_source(config: pytest.Config) -> tuple[str, str] | None:
    """The app import path and where it was set, or ``None`` if not set."""
    option = config.getoption("microframe_app", None)
    if option:
        return str(option), "--microframe-app"
    value = config.getini("microframe_app")
    if value:
        inifile = config.inipath.name if config.inipath else "the ini file"
        return str(value), f"microframe_app in {inifile}"
    return None


def missing_app_message(request: pytest.FixtureRequest) -> str:
    """What to do when a test needs the app and none is configured."""
    return (
        f"No microframe app to test: {request.node.nodeid} needs the 'app' fixture,"
        " but there is no 'app' fixture of yours and no microframe_app setting."
        " Provide the app in one of two ways:\n"
        "\n"
        "  1. an 'app' fixture, in conftest.py:\n"
        "\n"
        "         @pytest.fixture\n"
        "         def app():\n"
        "             return create_app()\n"
        "\n"
        "  2. the import path of the app or of its factory, in pyproject.toml:\n"
        "\n"
        "         [tool.pytest.ini_options]\n"
        '         microframe_app = "yourpackage.app:create_app"\n'
        "\n"
        "     (microframe_app = ... under [pytest] in pytest.ini), or on the"
        " command line:\n"
        "\n"
        "         pytest --microframe-app yourpackage.app:create_app"
    )


def _record(request: pytest.FixtureRequest, label: str, history: t.Any) -> None:
    recorded = request.node.stash.setdefault(RECORDED, [])
    recorded.append((label, history))


def _signal_specs(config: pytest.Config) -> list[str]:
    return list(config.getini("microframe_signals"))


@pytest.fixture
def app(request: pytest.FixtureRequest) -> Microframe:
    """The app under test, from ``microframe_app`` or ``--microframe-app``."""
    source = app_source(request.config)
    if source is None:
        pytest.fail(missing_app_message(request), pytrace=False)
    from .loading import AppLoadError, load_app

    try:
        return load_app(*source)
    except AppLoadError as e:
        if e.__cause__ is None:  # a setting to fix: the message says it all
            pytest.fail(str(e), pytrace=False)
        raise


@pytest.fixture
def config(app: Microframe, request: pytest.FixtureRequest) -> t.Iterator[Config]:
    """``app.config`` with the test's ``microframe_config`` marks; undone after."""
    saved = dict(app.config)
    try:
        # Closest marks come first: apply the farthest first so the closest win.
        for mark in reversed(list(request.node.iter_markers(MARKER))):
            if mark.args:
                raise TypeError(
                    f"@pytest.mark.{MARKER} takes config keys as keyword arguments,"
                    f" not {mark.args!r}: write @pytest.mark.{MARKER}(DEBUG=True)."
                )
            app.config.update(mark.kwargs)
        yield app.config
    finally:
        app.config.clear()
        app.config.update(saved)


def _marks_set(request: pytest.FixtureRequest, key: str) -> bool:
    return any(key in mark.kwargs for mark in request.node.iter_markers(MARKER))


@pytest.fixture
def client(
    app: Microframe, config: Config, request: pytest.FixtureRequest
) -> t.Iterator[RecordingClient]:
    """A recording test client for ``app``, with ``TESTING=True`` for the test."""
    from .client import RecordingClient

    if not _marks_set(request, "TESTING"):
        config["TESTING"] = True
    cls: type[RecordingClient] = RecordingClient
    custom = app.test_client_class
    if custom is not None and not issubclass(custom, RecordingClient):
        # Keep the helpers of the app's own client class, and record too.
        cls = type(f"Recording{custom.__name__}", (RecordingClient, custom), {})
    recording = cls(app, app.response_class, signals=_signal_specs(request.config))
    _record(request, "client", lambda: recording.history)
    yield recording
    recording.close()


@pytest.fixture
def runner(app: Microframe, config: Config) -> MicroframeCliRunner:
    """A CLI runner that invokes ``app``'s commands."""
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app: Microframe, config: Config) -> t.Iterator[AppContext]:
    """An app context of ``app``, pushed for the test and popped after."""
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def request_ctx(app: Microframe, config: Config) -> t.Iterator[RequestContext]:
    """A request context for ``GET /`` on ``app``, pushed for the test."""
    with app.test_request_context() as ctx:
        yield ctx


def _server_scope(fixture_name: str, config: pytest.Config) -> t.Any:
    return config.getini("microframe_live_server_scope") or "function"


@pytest.fixture(scope=_server_scope)
def microframe_server() -> t.Iterator[SharedServer]:
    """The background server ``live_server`` runs on (scope from the ini file)."""
    from .live_server import SharedServer

    server = SharedServer()
    yield server
    server.stop()


@pytest.fixture
def live_server(
    app: Microframe,
    config: Config,
    microframe_server: SharedServer,
    request: pytest.FixtureRequest,
) -> t.Iterator[LiveServer]:
    """``app`` served on a free port from a background thread, recording requests."""
    from .live_server import LiveServer

    server = LiveServer(
        app, shared=microframe_server, signals=_signal_specs(request.config)
    )
    _record(
        request,
        f"live_server {server.url}",
        lambda: server._recorder.history,
    )
    yield server
    server.stop()


@pytest.fixture
def signals(request: pytest.FixtureRequest) -> t.Iterator[SignalRecord]:
    """Every signal sent during the test (built-in and blinker's), in order."""
    from .signals import SignalRecord

    with SignalRecord(*_signal_specs(request.config)) as record:
        yield record
