"""Tests for microframe.logging: the app logger's level, default handler and stream.

Tests taking the ``fw`` fixture run the same code on microframe and on Flask and
expect the same outcome.
"""

from __future__ import annotations

import io
import logging
import types
import typing as t
from collections.abc import Iterator

import flask
import flask.logging
import pytest

import microframe
import microframe.logging


@pytest.fixture(params=[microframe, flask], ids=["microframe", "flask"])
def fw(request: pytest.FixtureRequest) -> types.ModuleType:
    """The microframe package, then the flask package."""
    return t.cast(types.ModuleType, request.param)


@pytest.fixture
def logger_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """A logger name of this test; the logger is reset afterwards."""
    name = f"test_logging.{request.node.name}"
    yield name
    logger = logging.getLogger(name)
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


def default_handler(fw: types.ModuleType) -> logging.Handler:
    """The handler ``fw`` adds to an app logger nobody configured."""
    module = microframe.logging if fw is microframe else flask.logging
    return t.cast(logging.Handler, module.default_handler)


def new_app(fw: types.ModuleType, name: str, debug: bool = False) -> t.Any:
    app = (fw.Microframe if fw is microframe else fw.Flask)(name)
    app.config["DEBUG"] = debug
    return app


def test_debug_mode_makes_an_unset_level_debug(
    fw: types.ModuleType, logger_name: str
) -> None:
    assert new_app(fw, logger_name, debug=True).logger.level == logging.DEBUG


def test_debug_mode_keeps_a_chosen_level(
    fw: types.ModuleType, logger_name: str
) -> None:
    logging.getLogger(logger_name).setLevel(logging.WARNING)
    assert new_app(fw, logger_name, debug=True).logger.level == logging.WARNING


def test_no_debug_leaves_the_level_unset(
    fw: types.ModuleType, logger_name: str
) -> None:
    assert new_app(fw, logger_name).logger.level == logging.NOTSET


def test_default_handler_when_nothing_would_show_records(
    fw: types.ModuleType, logger_name: str
) -> None:
    logging.getLogger(logger_name).propagate = False
    assert new_app(fw, logger_name).logger.handlers == [default_handler(fw)]


def test_a_handler_too_strict_for_the_level_does_not_count(
    fw: types.ModuleType, logger_name: str
) -> None:
    logger = logging.getLogger(logger_name)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    strict = logging.NullHandler(logging.ERROR)
    logger.addHandler(strict)
    assert new_app(fw, logger_name).logger.handlers == [strict, default_handler(fw)]


def test_own_handler_wins(fw: types.ModuleType, logger_name: str) -> None:
    logger = logging.getLogger(logger_name)
    logger.propagate = False
    mine = logging.NullHandler()
    logger.addHandler(mine)
    assert new_app(fw, logger_name).logger.handlers == [mine]


def test_a_handler_on_an_ancestor_wins(fw: types.ModuleType, logger_name: str) -> None:
    parent = logging.getLogger(logger_name)
    parent.propagate = False
    parent.addHandler(logging.NullHandler())
    app = new_app(fw, f"{logger_name}.child")
    try:
        assert app.logger.handlers == []
    finally:
        app.logger.handlers.clear()


def test_default_handler_writes_to_the_request_error_stream(logger_name: str) -> None:
    logging.getLogger(logger_name).propagate = False
    app = microframe.Microframe(logger_name)

    @app.route("/")
    def index() -> str:
        app.logger.error("disk %s is full", "sda")
        return "ok"

    errors = io.StringIO()
    response = app.test_client().get("/", environ_overrides={"wsgi.errors": errors})
    assert response.text == "ok"
    logged = errors.getvalue()
    assert logged.startswith("[")
    assert logged.endswith("] ERROR in test_logging: disk sda is full\n")


def test_error_stream_outside_a_request_is_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    microframe.logging.wsgi_errors_stream.write("outside\n")
    assert capsys.readouterr().err == "outside\n"
