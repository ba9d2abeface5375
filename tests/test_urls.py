"""Tests for microframe/routing/urls.py: building URLs with ``url_for``.

Each URL is built the same way under Flask and microframe and compared;
the errors say which endpoint failed and what to do.
"""

from __future__ import annotations

import typing as t

import flask
import pytest
from werkzeug.routing import BuildError

import microframe


def _make(module: t.Any) -> t.Any:
    app = module.Flask("u") if module is flask else module.Microframe("u")
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return str(user_id)

    @app.route("/<lang>/about")
    def about(lang: str) -> str:
        return lang

    @app.url_defaults
    def default_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        if endpoint == "about":
            values.setdefault("lang", "en")

    return app


BUILDS: list[tuple[str, dict[str, t.Any]]] = [
    ("index", {}),
    ("index", {"q": "a b", "page": 2}),
    ("index", {"q": None, "page": 2}),
    ("user", {"user_id": 5, "_method": "GET"}),
    ("user", {"user_id": 5}),
    ("user", {"user_id": 5, "_anchor": "top part"}),
    ("user", {"user_id": 5, "_external": True}),
    ("user", {"user_id": 5, "_external": True, "_scheme": "https"}),
    ("about", {}),
    ("about", {"lang": "fr"}),
    ("static", {"filename": "app.css"}),
]


@pytest.mark.parametrize(("endpoint", "values"), BUILDS)
def test_url_for_builds_what_flask_builds(
    endpoint: str, values: dict[str, t.Any]
) -> None:
    built = []
    for module in (flask, microframe):
        app = _make(module)
        with app.test_request_context("/"):
            inside = module.url_for(endpoint, **values)
        with app.app_context():
            outside = module.url_for(endpoint, **values)
        built.append((inside, outside))
    assert built[1] == built[0]


def test_an_unknown_endpoint_names_it() -> None:
    app = _make(microframe)
    with app.test_request_context("/"), pytest.raises(BuildError) as info:
        microframe.url_for("nope")
    assert "Could not build url for endpoint 'nope'" in str(info.value)


def test_outside_a_request_without_server_name_says_what_to_set() -> None:
    app = microframe.Microframe("bare")
    app.add_url_rule("/", "index", lambda: "")
    with app.app_context(), pytest.raises(RuntimeError) as info:
        microframe.url_for("index")
    assert "SERVER_NAME" in str(info.value)


def test_a_build_error_handler_can_supply_the_url() -> None:
    app = _make(microframe)

    def elsewhere(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str:
        return f"https://elsewhere.test/{endpoint}"

    app.url_build_error_handlers.append(elsewhere)
    with app.test_request_context("/"):
        assert microframe.url_for("missing") == "https://elsewhere.test/missing"


def test_url_for_on_the_app_needs_no_context() -> None:
    app = _make(microframe)
    assert app.url_for("user", user_id=1) == "http://example.test/users/1"


def _with_converter(module: t.Any) -> t.Any:
    from werkzeug.routing import BaseConverter, ValidationError

    class Positive(BaseConverter):
        regex = r"\d+"

        def to_url(self, value: t.Any) -> str:
            if int(value) <= 0:
                raise ValidationError()
            return str(value)

    app = module.Flask("u") if module is flask else module.Microframe("u")
    app.url_map.converters["positive"] = Positive

    @app.route("/n/<positive:n>")
    def number(n: str) -> str:
        return n

    return app


def test_a_value_the_converter_refuses_is_a_build_error_as_in_flask() -> None:
    messages = []
    for module in (flask, microframe):
        app = _with_converter(module)
        with app.test_request_context("/"):
            assert module.url_for("number", n=3, q="x") == "/n/3?q=x"
            with pytest.raises(BuildError) as caught:
                module.url_for("number", n=-1)
        messages.append(str(caught.value))
    assert messages[1] == messages[0]


def test_a_rule_class_with_its_own_build_is_used() -> None:
    from microframe.routing import Rule

    class Shouting(Rule):
        def build(self, values: t.Any, append_unknown: bool = True) -> t.Any:
            built = super().build(values, append_unknown)
            return None if built is None else (built[0], built[1].upper())

    class App(microframe.Microframe):
        url_rule_class = Shouting

    app = App(__name__)

    @app.route("/users/<name>")
    def user(name: str) -> str:
        return name

    with app.test_request_context("/"):
        assert microframe.url_for("user", name="ada") == "/USERS/ADA"


def test_url_for_outside_an_app_context_says_how_to_push_one() -> None:
    with pytest.raises(RuntimeError, match=r"app\.app_context"):
        microframe.url_for("index")
