"""Shared fixtures: a fresh app per test, its client and contexts, and leak checks."""

from __future__ import annotations

import gc
import os
import sys
import threading
import typing as t
from pathlib import Path

import pytest

from microframe import Microframe
from microframe.ctx import AppContext, RequestContext
from microframe.globals import _cv_app, _cv_request
from microframe.testing import MicroframeClient


@pytest.fixture
def app() -> Microframe:
    """A new app named after the tests, in testing mode with a secret key."""
    app = Microframe("test_app", root_path=__file__.rpartition("/")[0])
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


@pytest.fixture
def client(app: Microframe) -> MicroframeClient:
    """The test client of ``app``."""
    return app.test_client()


@pytest.fixture
def app_ctx(app: Microframe) -> t.Iterator[AppContext]:
    """An app context of ``app``, pushed for the test."""
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def req_ctx(app: Microframe) -> t.Iterator[RequestContext]:
    """A request context for ``GET /`` on ``app``, pushed for the test."""
    with app.test_request_context() as ctx:
        yield ctx


@pytest.fixture(autouse=True)
def _no_leaks() -> t.Iterator[None]:
    """Fail a test that leaves a context pushed or a thread running."""
    threads_before = set(threading.enumerate())
    yield
    leaked_ctx = [ctx for ctx in (_cv_request.get(None), _cv_app.get(None)) if ctx]
    if leaked_ctx:
        # Pop them so the next test starts clean, then fail this one.
        for ctx in leaked_ctx:
            ctx.pop()  # type: ignore[union-attr]
        pytest.fail(f"test left contexts pushed: {leaked_ctx!r}")
    leaked_threads = [
        thread
        for thread in threading.enumerate()
        if thread not in threads_before and thread.is_alive()
    ]
    if leaked_threads:
        # A thread pool nobody shut down (asgiref's, for one) ends its workers
        # when it is collected; on some Pythons that needs a cycle collection.
        gc.collect()
        for thread in leaked_threads:
            thread.join(timeout=5)
        still = [thread for thread in leaked_threads if thread.is_alive()]
        if still:
            pytest.fail(f"test left threads running: {still!r}")


def pytest_terminal_summary(terminalreporter: t.Any) -> None:
    """Show the figures load tests record (``record_property("figures", ...)``).

    They travel with the test reports, so they reach this summary from xdist
    workers too, and CI's log shows them.
    """
    lines = [
        str(value)
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", ())
        if name == "figures"
    ]
    if lines:
        terminalreporter.section("load figures")
        for line in lines:
            terminalreporter.write_line(line)


#: The sample apps the command line and app discovery tests load.
CLI_APPS = Path(__file__).parent / "apps" / "cli"


@pytest.fixture
def cli_isolation(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[None]:
    """Undo what the CLI leaves behind: env vars, sys.path, sample app modules."""
    for key in list(os.environ):
        if key.startswith(("MICROFRAME_", "FLASK_")):
            monkeypatch.delenv(key)

    # Default .env files are opted into by the tests that need them.
    monkeypatch.setenv("MICROFRAME_SKIP_DOTENV", "1")
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    # The default file names are imported as top-level modules.
    for name in ("app", "wsgi"):
        monkeypatch.delitem(sys.modules, name, raising=False)

    saved_env = dict(os.environ)
    saved_path = list(sys.path)
    saved_modules = set(sys.modules)
    roots = (str(CLI_APPS), str(tmp_path_factory.getbasetemp()))
    yield

    os.environ.clear()
    os.environ.update(saved_env)
    sys.path[:] = saved_path

    for name in set(sys.modules) - saved_modules:
        module_file = getattr(sys.modules[name], "__file__", None) or ""

        if module_file.startswith(roots):
            del sys.modules[name]


@pytest.fixture
def in_apps(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the sample apps folder as the current directory."""
    monkeypatch.chdir(CLI_APPS)
    return CLI_APPS
