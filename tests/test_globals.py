"""Tests for microframe/globals.py: the context proxies behave as Flask's.

Each test runs the same code on microframe and on Flask (the ``fw`` fixture)
and expects the same outcome.
"""

from __future__ import annotations

import types
import typing as t

import flask
import pytest
from werkzeug.local import LocalProxy

import microframe


@pytest.fixture(params=["microframe", "flask"])
def fw(request: pytest.FixtureRequest) -> types.ModuleType:
    return microframe if request.param == "microframe" else flask


def _app(fw: types.ModuleType) -> t.Any:
    app = fw.Flask(__name__) if fw is flask else fw.Microframe(__name__)
    app.secret_key = "test"
    return app


def test_the_proxies_are_werkzeug_local_proxies(fw: types.ModuleType) -> None:
    for name in ("current_app", "g", "request", "session"):
        assert isinstance(getattr(fw, name), LocalProxy), name
    app = _app(fw)
    with app.test_request_context("/?q=1"):
        assert fw.current_app._get_current_object() is app
        assert fw.request._get_current_object().args["q"] == "1"


def test_attributes_items_and_membership_reach_the_object(
    fw: types.ModuleType,
) -> None:
    app = _app(fw)
    with app.test_request_context("/path?q=1", method="POST"):
        assert (fw.request.method, fw.request.path) == ("POST", "/path")
        assert fw.current_app.name == app.name
        fw.g.user = "ada"
        assert fw.g.user == "ada"
        assert "user" in fw.g
        assert getattr(fw.g, "missing", "default") == "default"
        with pytest.raises(AttributeError):
            fw.request.no_such_attribute  # noqa: B018
        fw.session["cart"] = [1]
        assert fw.session["cart"] == [1]
        assert "cart" in fw.session
        assert fw.session.modified
        with pytest.raises(KeyError):
            fw.session["missing"]
        del fw.g.user
        assert "user" not in fw.g


def test_every_proxy_explains_a_missing_context(fw: types.ModuleType) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        fw.current_app.name  # noqa: B018
    with pytest.raises(RuntimeError, match="application context"):
        fw.g.user = 1
    with pytest.raises(RuntimeError, match="request context"):
        fw.request.method  # noqa: B018
    with pytest.raises(RuntimeError, match="request context"):
        fw.session["user"]
    with pytest.raises(RuntimeError, match="request context"):
        fw.session["user"] = 1
    with pytest.raises(RuntimeError, match="request context"):
        "user" in fw.session  # noqa: B015
    assert not fw.request  # an unbound proxy is false, as in werkzeug


def test_reading_the_session_through_the_proxy_marks_it_accessed(
    fw: types.ModuleType,
) -> None:
    app = _app(fw)

    @app.route("/")
    def index() -> str:
        return str(fw.session.get("n", 0))

    response = app.test_client().get("/")
    assert response.text == "0"
    assert response.headers["Vary"] == "Cookie"
