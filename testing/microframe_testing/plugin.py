"""The pytest plugin ``microframe``: options, markers, report header and output.

Registered through the ``pytest11`` entry point, so installing
microframe-wsgi-testing is all it takes; ``-p no:microframe`` turns it off. The
fixtures live in :mod:`microframe_testing.fixtures`. Importing this module
imports neither microframe nor the recording machinery.
"""

from __future__ import annotations

import typing as t
from contextlib import ExitStack

import pytest

from .fixtures import (
    MARKER,
    RECORDED,
    app,
    app_ctx,
    app_source,
    client,
    config,
    live_server,
    microframe_server,
    request_ctx,
    runner,
    signals,
)

__all__ = [
    "app",
    "app_ctx",
    "client",
    "config",
    "live_server",
    "microframe_server",
    "request_ctx",
    "runner",
    "signals",
]

_SECTION = "microframe: recorded requests"
_SCOPES = ("function", "class", "module", "package", "session")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("microframe", "microframe app testing")
    group.addoption(
        "--microframe-app",
        dest="microframe_app",
        default=None,
        metavar="MODULE:NAME",
        help="The app to test, or a function returning it (wins over the"
        " microframe_app ini option), e.g. myapp:create_app.",
    )
    parser.addini(
        "microframe_app",
        type="string",
        default="",
        help="The app to test, or a function returning it, e.g. myapp:create_app."
        " Used by the app fixture when the tests do not define their own.",
    )
    parser.addini(
        "microframe_live_server_scope",
        type="string",
        default="function",
        help="How long one live_server background server lives: function"
        " (default, a server per test) or session (one per test process).",
    )
    parser.addini(
        "microframe_report_exchanges",
        type="string",
        default="5",
        help="How many recorded requests a failing test's report shows per"
        " client or live server (0: none). Default 5.",
    )
    parser.addini(
        "microframe_flask_alias",
        type="bool",
        default=False,
        help="Make 'import flask' resolve to microframe (for Flask extensions)"
        " before conftest files and tests are imported. Process-wide; see"
        " microframe.compat.install_flask_alias.",
    )
    parser.addini(
        "microframe_signals",
        type="linelist",
        default=[],
        help="More blinker signals (or namespaces) to record, as module:name lines.",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Before the conftest files, which may import extensions that import flask.
    if not early_config.getini("microframe_flask_alias"):
        return
    from microframe.compat import FlaskAliasError, flask_alias

    alias = ExitStack()
    try:
        alias.enter_context(flask_alias())
    except FlaskAliasError as e:
        raise pytest.UsageError(f"microframe_flask_alias = true: {e}") from None
    # Removed when pytest is done, unless it was installed before pytest began.
    early_config.add_cleanup(alias.close)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**values): set app config keys for this test (undone after);"
        " applies to the app of the microframe fixtures.",
    )
    scope = config.getini("microframe_live_server_scope")
    if scope not in _SCOPES:
        raise pytest.UsageError(
            f"microframe_live_server_scope = {scope!r} is not a pytest scope. Use"
            " 'function' (a server per test) or 'session' (one per test process)."
        )
    _report_count(config)


def _report_count(config: pytest.Config) -> int:
    value = config.getini("microframe_report_exchanges")
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise pytest.UsageError(
            f"microframe_report_exchanges = {value!r} is not a number of requests."
            " Use a whole number such as 5, or 0 to leave them out of reports."
        )
    return count


def pytest_report_header(config: pytest.Config) -> list[str]:
    source = app_source(config)
    if source is None:
        return ["microframe: no microframe_app set; tests use their own 'app' fixture"]
    import_path, where = source
    from .loading import load_app

    try:
        loaded = load_app(import_path, where)
    except Exception as e:
        return [f"microframe: cannot load the app {import_path!r} ({where}): {e}"]
    return [f"microframe: app {loaded.name!r} from {import_path} ({where})"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test marked microframe_config gets the config fixture, which applies
    # the mark, even when it uses only the app (its own app fixture, say).
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and item.get_closest_marker(MARKER) is not None
            and "config" not in item.fixturenames
        ):
            item.fixturenames = [*item.fixturenames, "config"]


def _exchanges_report(item: pytest.Item, count: int) -> str | None:
    recorded = item.stash.get(RECORDED, None)
    if not recorded or count == 0:
        return None
    blocks = []
    for label, history in recorded:
        exchanges = list(history())
        shown = exchanges[-count:]
        if not exchanges:
            blocks.append(f"{label}: no requests")
            continue
        head = (
            f"{label}: last {len(shown)} of {len(exchanges)} requests"
            if len(shown) < len(exchanges)
            else f"{label}: {len(exchanges)} request(s)"
        )
        blocks.append("\n".join([head, *(f"  {ex.summary()}" for ex in shown)]))
    return "\n".join(blocks)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> t.Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and call.when == "call":
        text = _exchanges_report(item, _report_count(item.config))
        if text:
            longrepr: t.Any = report.longrepr
            if hasattr(longrepr, "addsection"):  # an exception's report
                longrepr.addsection(_SECTION, text)
            else:
                report.sections.append((_SECTION, text))
    return report
