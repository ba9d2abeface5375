"""Tests for microframe.signals: who sends what, compared with Flask."""

from __future__ import annotations

import os
import types
import typing as t

import blinker
import flask
import pytest

import microframe
import microframe.signals
from microframe import Microframe

TESTS = os.path.dirname(__file__)

SIGNAL_NAMES = [
    "template_rendered",
    "before_render_template",
    "request_started",
    "request_finished",
    "request_tearing_down",
    "got_request_exception",
    "appcontext_tearing_down",
    "appcontext_pushed",
    "appcontext_popped",
    "message_flashed",
]


def _describe(name: str, value: t.Any) -> t.Any:
    """A framework-neutral summary of a signal argument."""
    if name == "template":
        return value.name
    if name == "context":
        return sorted(value)
    if name == "response":
        return (value.status_code, value.get_data())
    if name in {"exc", "exception"}:
        return repr(value)
    return value


def record_signals(
    fw: types.ModuleType, scenario: t.Callable[..., None]
) -> list[t.Any]:
    """Run ``scenario(fw, app)`` and list every signal sent, in order."""
    app_class = fw.Microframe if fw is microframe else fw.Flask
    app = app_class("signals_app", root_path=TESTS)
    app.config.update(SECRET_KEY="test key")
    log: list[t.Any] = []

    def make_receiver(signal_name: str) -> t.Callable[..., None]:
        def receive(sender: t.Any, **kwargs: t.Any) -> None:
            summary = {k: _describe(k, v) for k, v in kwargs.items()}
            log.append((signal_name, sender is app, summary))

        return receive

    receivers = [make_receiver(name) for name in SIGNAL_NAMES]
    for name, receiver in zip(SIGNAL_NAMES, receivers, strict=True):
        getattr(fw, name).connect(receiver, app)
    try:
        scenario(fw, app)
    finally:
        for name, receiver in zip(SIGNAL_NAMES, receivers, strict=True):
            getattr(fw, name).disconnect(receiver)
    return log


def scenario_request(fw: types.ModuleType, app: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        fw.flash("saved", "info")
        return t.cast(str, fw.render_template("hello.txt", name="ada"))

    app.test_client().get("/")


def scenario_error(fw: types.ModuleType, app: t.Any) -> None:

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    app.test_client().get("/boom")


def scenario_propagated_error(fw: types.ModuleType, app: t.Any) -> None:
    app.testing = True

    @app.route("/boom")
    def boom() -> str:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        app.test_client().get("/boom")


def scenario_handled_error(fw: types.ModuleType, app: t.Any) -> None:
    app.register_error_handler(ValueError, lambda e: ("handled", 400))

    @app.route("/bad")
    def bad() -> str:
        raise ValueError("bad")

    app.test_client().get("/bad")


def scenario_http_error(fw: types.ModuleType, app: t.Any) -> None:
    app.test_client().get("/missing")


def scenario_app_context(fw: types.ModuleType, app: t.Any) -> None:
    with app.app_context():
        pass
    with pytest.raises(LookupError), app.app_context():
        raise LookupError("in context")


def scenario_template_string(fw: types.ModuleType, app: t.Any) -> None:
    with app.test_request_context():
        fw.render_template_string("{{ 1 + 1 }}")
        list(fw.stream_template_string("{{ 2 }}"))


def scenario_stream(fw: types.ModuleType, app: t.Any) -> None:
    @app.route("/stream")
    def stream() -> t.Any:
        return fw.stream_template("hello.txt", name="x")

    app.test_client().get("/stream")


SCENARIOS = {
    "request": scenario_request,
    "error": scenario_error,
    "propagated error": scenario_propagated_error,
    "handled error": scenario_handled_error,
    "http error": scenario_http_error,
    "app context": scenario_app_context,
    "template string": scenario_template_string,
    "stream": scenario_stream,
}


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=list(SCENARIOS))
def test_signals_match_flask(scenario: t.Callable[..., None]) -> None:
    ours = record_signals(microframe, scenario)
    assert ours == record_signals(flask, scenario)
    assert ours, "the scenario sent no signal"
    assert all(from_app for _, from_app, _ in ours)


def test_signals_of_a_request() -> None:
    log = record_signals(microframe, scenario_request)
    assert log == [
        ("appcontext_pushed", True, {}),
        ("request_started", True, {}),
        ("message_flashed", True, {"message": "saved", "category": "info"}),
        (
            "before_render_template",
            True,
            {"template": "hello.txt", "context": ["g", "name", "request"]},
        ),
        (
            "template_rendered",
            True,
            {"template": "hello.txt", "context": ["g", "name", "request"]},
        ),
        ("request_finished", True, {"response": (200, b"Hello ada!")}),
        ("request_tearing_down", True, {"exc": "None"}),
        ("appcontext_tearing_down", True, {"exc": "None"}),
        ("appcontext_popped", True, {}),
    ]


def test_signals_of_an_unhandled_error() -> None:
    log = record_signals(microframe, scenario_error)
    names = [name for name, _, _ in log]
    assert names == [
        "appcontext_pushed",
        "request_started",
        "got_request_exception",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    error = "ZeroDivisionError('boom')"
    assert log[2][2] == {"exception": error}
    assert log[3][2]["response"][0] == 500
    assert log[4][2] == {"exc": error}
    assert log[5][2] == {"exc": error}


def test_template_signals_pass_the_objects(app: Microframe) -> None:
    seen: list[t.Any] = []

    def receive(sender: t.Any, template: t.Any, context: dict[str, t.Any]) -> None:
        seen.append((sender, template, context))

    with (
        microframe.template_rendered.connected_to(receive, app),
        app.test_request_context() as ctx,
    ):
        microframe.render_template("hello.txt", name="x")
    [(sender, template, context)] = seen
    assert sender is app
    assert template is app.jinja_env.get_template("hello.txt")
    assert context["name"] == "x"
    assert context["request"] is ctx.request


def test_request_finished_receives_the_response_object(app: Microframe) -> None:
    seen: list[t.Any] = []

    @app.after_request
    def mark(response: microframe.Response) -> microframe.Response:
        response.headers["X-Mark"] = "1"
        return response

    app.add_url_rule("/", "index", lambda: "body")
    with microframe.request_finished.connected_to(
        lambda sender, response: seen.append(response), app
    ):
        app.test_client().get("/")
    [response] = seen
    assert isinstance(response, microframe.Response)
    assert response.headers["X-Mark"] == "1"


def test_receivers_for_another_sender_are_not_called(app: Microframe) -> None:
    other = Microframe("other")
    calls: list[t.Any] = []
    app.add_url_rule("/", "index", lambda: "")
    with microframe.request_started.connected_to(calls.append, other):
        app.test_client().get("/")
    assert calls == []


def test_async_receivers_run(app: Microframe) -> None:
    calls: list[t.Any] = []

    async def receive(sender: t.Any, **kwargs: t.Any) -> None:
        calls.append(sender)

    app.add_url_rule("/", "index", lambda: "")
    with microframe.request_started.connected_to(receive, app):
        app.test_client().get("/")
    assert calls == [app]


# --- nothing is sent without receivers -----------------------------------------------


def test_nothing_is_sent_without_receivers(
    app: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    for name in SIGNAL_NAMES:
        signal = getattr(microframe.signals, name)
        assert not signal.receivers, f"{name} has receivers left by another test"

        def send(*args: t.Any, _name: str = name, **kwargs: t.Any) -> list[t.Any]:
            sent.append(_name)
            return []

        monkeypatch.setattr(signal, "send", send)

    app.testing = False

    @app.route("/")
    def index() -> str:
        microframe.flash("hi")
        return microframe.render_template("hello.txt", name="x")

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/boom").status_code == 500
    with app.app_context():
        pass
    assert sent == []


def test_signals_are_sent_when_a_receiver_connects(app: Microframe) -> None:
    app.add_url_rule("/", "index", lambda: "")
    calls: list[t.Any] = []
    client = app.test_client()
    client.get("/")
    with microframe.request_started.connected_to(calls.append, app):
        client.get("/")
    client.get("/")
    assert calls == [app]


# --- the signal objects ---------------------------------------------------------------


def test_signal_objects_are_named_like_flasks() -> None:
    for name in SIGNAL_NAMES:
        ours = getattr(microframe, name)
        assert isinstance(ours, blinker.base.NamedSignal)
        assert ours is getattr(microframe.signals, name)
        assert ours.name == getattr(flask, name).name
        assert microframe.signals.signals_namespace[ours.name] is ours
