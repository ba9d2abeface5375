"""Tests for microframe/running.py: ``app.run()`` and the shell namespace.

``app.run()`` blocks in werkzeug's ``run_simple``; these tests replace it with
a recorder, run the same call on a Flask app and compare what each passed.
"""

from __future__ import annotations

import typing as t

import flask
import pytest
import werkzeug.serving

import microframe


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, t.Any]]:
    """What ``run_simple`` was called with, instead of serving."""
    recorded: list[dict[str, t.Any]] = []

    def run_simple(host: str, port: int, app: t.Any, **options: t.Any) -> None:
        recorded.append({"host": host, "port": port, **options})

    monkeypatch.setattr(werkzeug.serving, "run_simple", run_simple)
    for name in ("FLASK_RUN_FROM_CLI", "MICROFRAME_RUN_FROM_CLI"):
        monkeypatch.delenv(name, raising=False)
    for name in ("FLASK_DEBUG", "MICROFRAME_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return recorded


RUNS: list[tuple[dict[str, t.Any], dict[str, t.Any]]] = [
    ({}, {}),
    ({"host": "0.0.0.0", "port": 8000}, {}),
    ({"port": 0}, {}),
    ({}, {"SERVER_NAME": "example.test:8080"}),
    ({"host": "127.0.0.2"}, {"SERVER_NAME": "example.test:8080"}),
    ({"debug": True}, {}),
    ({"debug": True, "use_reloader": False}, {}),
    ({"threaded": False}, {}),
]


@pytest.mark.parametrize(("kwargs", "config"), RUNS)
def test_run_calls_the_server_as_flask_does(
    calls: list[dict[str, t.Any]],
    capsys: pytest.CaptureFixture[str],
    kwargs: dict[str, t.Any],
    config: dict[str, t.Any],
) -> None:
    theirs = flask.Flask("runner")
    ours = microframe.Microframe("runner")
    for app in (theirs, ours):
        app.config.update(config)
        app.run(load_dotenv=False, **kwargs)
    assert len(calls) == 2
    assert calls[1] == calls[0]
    assert ours.debug is theirs.debug
    assert "Serving Microframe app 'runner'" in capsys.readouterr().out


def test_run_inside_the_run_command_warns_and_returns(
    calls: list[dict[str, t.Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MICROFRAME_RUN_FROM_CLI", "true")
    microframe.Microframe("nested").run()
    assert calls == []
    out = capsys.readouterr().out
    assert "Ignoring a call to 'app.run()'" in out
    assert 'if __name__ == "__main__":' in out


def test_run_reads_the_debug_flag_from_the_environment(
    calls: list[dict[str, t.Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROFRAME_SKIP_DOTENV", "1")
    monkeypatch.setenv("MICROFRAME_DEBUG", "1")
    app = microframe.Microframe("env")
    app.run()
    assert app.debug is True
    assert calls[0]["use_reloader"] is True and calls[0]["use_debugger"] is True


def test_shell_context_has_the_app_g_and_processor_names() -> None:
    app = microframe.Microframe("shell")

    @app.shell_context_processor
    def extra() -> dict[str, t.Any]:
        return {"answer": 42}

    with app.app_context():
        namespace = app.make_shell_context()
    assert namespace["app"] is app
    assert namespace["g"] is microframe.g
    assert namespace["answer"] == 42
