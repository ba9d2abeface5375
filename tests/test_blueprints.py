"""Tests for microframe.blueprints: registration, nesting, scoping and resources.

Tests taking the ``fw`` fixture run the same code on microframe and on Flask and
expect the same outcome.
"""

from __future__ import annotations

import os
import types
import typing as t

import click
import flask
import pytest
from werkzeug.exceptions import NotFound

import microframe
from microframe import Blueprint, Microframe, abort, g, render_template, request
from microframe.blueprints import BlueprintSetupState
from microframe.testing import MicroframeClient

TESTS = os.path.dirname(__file__)


@pytest.fixture(params=[microframe, flask], ids=["microframe", "flask"])
def fw(request: pytest.FixtureRequest) -> types.ModuleType:
    """The microframe package, then the flask package."""
    return t.cast(types.ModuleType, request.param)


def new_app(fw: types.ModuleType, **kwargs: t.Any) -> t.Any:
    """A testing app rooted in the tests folder, on the framework ``fw``."""
    app_class = fw.Microframe if fw is microframe else fw.Flask
    app = app_class("bp_app", root_path=TESTS, **kwargs)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


def rules(app: t.Any) -> list[tuple[str, str, str | None]]:
    """The app's rules as ``(rule, endpoint, subdomain)``, sorted."""
    return sorted(
        (rule.rule, rule.endpoint, rule.subdomain or None)
        for rule in app.url_map.iter_rules()
    )


# --- prefixes, subdomains and defaults ------------------------------------------


@pytest.mark.parametrize(
    ("bp_prefix", "reg_prefix", "rule", "expected"),
    [
        (None, None, "/page", "/page"),
        ("/bp", None, "/page", "/bp/page"),
        ("/bp/", None, "/page", "/bp/page"),
        ("/bp", None, "page", "/bp/page"),
        ("/bp", None, "", "/bp"),
        ("/bp", None, "/", "/bp/"),
        ("/bp", "/other", "/page", "/other/page"),
        (None, "/reg/", "/page", "/reg/page"),
        ("/bp", "", "/page", "/page"),
    ],
)
def test_url_prefix(
    fw: types.ModuleType,
    bp_prefix: str | None,
    reg_prefix: str | None,
    rule: str,
    expected: str,
) -> None:
    app = new_app(fw, static_folder=None)
    bp = fw.Blueprint("bp", __name__, url_prefix=bp_prefix)
    bp.add_url_rule(rule, "page", lambda: "page")
    options = {} if reg_prefix is None else {"url_prefix": reg_prefix}
    app.register_blueprint(bp, **options)
    assert rules(app) == [(expected, "bp.page", None)]
    assert app.test_client().get(expected).data == b"page"


def test_subdomain(fw: types.ModuleType) -> None:
    app = new_app(fw, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    api = fw.Blueprint("api", __name__, subdomain="api")
    api.add_url_rule("/", "index", lambda: "api index")
    app.add_url_rule("/", "index", lambda: "main index")
    app.register_blueprint(api)
    other = fw.Blueprint("other", __name__)
    other.add_url_rule("/other", "index", lambda: "other")
    app.register_blueprint(other, subdomain="admin")
    client = app.test_client()
    assert client.get("/", base_url="http://api.example.com").data == b"api index"
    assert client.get("/", base_url="http://example.com").data == b"main index"
    assert client.get("/other", subdomain="admin").data == b"other"
    assert client.get("/other").status_code == 404
    with app.test_request_context():
        assert fw.url_for("api.index") == "http://api.example.com/"


def test_url_defaults(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_defaults={"source": "bp", "page": 1})

    @bp.route("/list")
    @bp.route("/other", defaults={"page": 7})
    def listing(source: str, page: int) -> str:
        return f"{source} {page}"

    app.register_blueprint(bp, url_defaults={"page": 2})
    client = app.test_client()
    # Registration defaults override the blueprint's; a rule's override both.
    assert client.get("/list").data == b"bp 2"
    assert client.get("/other").data == b"bp 7"


def test_url_defaults_and_value_preprocessor_scoped_to_blueprint(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/<lang>")

    @bp.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        values.setdefault("lang", fw.g.lang)

    @bp.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        assert values is not None
        fw.g.lang = values.pop("lang")

    @bp.route("/about")
    def about() -> str:
        return fw.url_for(".about")

    app.add_url_rule("/plain/<lang>", "plain", lambda lang: f"plain {lang}")
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/de/about").data == b"/de/about"
    # The app's own views are not touched by the blueprint's functions.
    assert client.get("/plain/de").data == b"plain de"


# --- nesting ------------------------------------------------------------------


def build_nested(fw: types.ModuleType) -> tuple[t.Any, list[t.Any]]:
    """parent(/p) > child(/c) > grandchild(/g), each with hooks that log."""
    app = new_app(fw)
    log: list[t.Any] = []
    parent = fw.Blueprint("parent", __name__, url_prefix="/p")
    child = fw.Blueprint("child", __name__, url_prefix="/c")
    grandchild = fw.Blueprint("grandchild", __name__)

    def add_hooks(scaffold: t.Any, name: str) -> None:
        scaffold.url_value_preprocessor(lambda e, v: log.append(("values", name)))
        scaffold.before_request(lambda: log.append(("before", name)))

        def after(response: t.Any) -> t.Any:
            log.append(("after", name))
            return response

        scaffold.after_request(after)
        scaffold.teardown_request(lambda exc: log.append(("teardown", name)))

    add_hooks(app, "app")
    add_hooks(parent, "parent")
    add_hooks(child, "child")
    add_hooks(grandchild, "grandchild")

    @grandchild.route("/view/<int:n>")
    def view(n: int) -> t.Any:
        req = fw.request
        return {
            "endpoint": req.endpoint,
            "blueprint": req.blueprint,
            "blueprints": req.blueprints,
            "relative": fw.url_for(".view", n=n + 1),
            "absolute": fw.url_for("parent.child.grandchild.view", n=0),
        }

    @child.route("/missing")
    def missing() -> str:
        fw.abort(404)

    @grandchild.route("/missing")
    def deep_missing() -> str:
        fw.abort(404)

    @grandchild.route("/divide")
    def divide() -> str:
        return str(1 / 0)

    @child.errorhandler(404)
    def child_404(e: Exception) -> tuple[str, int]:
        return "child 404", 404

    @parent.errorhandler(ZeroDivisionError)
    def parent_zero(e: Exception) -> tuple[str, int]:
        return "parent zero", 500

    @app.errorhandler(404)
    def app_404(e: Exception) -> tuple[str, int]:
        return "app 404", 404

    child.register_blueprint(grandchild, url_prefix="/g")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(parent, name="again", url_prefix="/again")
    return app, log


def test_nested_names_and_prefixes(fw: types.ModuleType) -> None:
    app, _ = build_nested(fw)
    assert list(app.blueprints) == [
        "parent",
        "parent.child",
        "parent.child.grandchild",
        "again",
        "again.child",
        "again.child.grandchild",
    ]
    assert ("/p/c/g/view/<int:n>", "parent.child.grandchild.view", None) in rules(app)
    assert ("/again/c/g/view/<int:n>", "again.child.grandchild.view", None) in rules(
        app
    )
    assert app.test_client().get("/p/c/g/view/1").json == {
        "endpoint": "parent.child.grandchild.view",
        "blueprint": "parent.child.grandchild",
        "blueprints": ["parent.child.grandchild", "parent.child", "parent"],
        "relative": "/p/c/g/view/2",
        "absolute": "/p/c/g/view/0",
    }
    assert app.test_client().get("/again/c/g/view/1").json["relative"] == (
        "/again/c/g/view/2"
    )


EXPECTED_HOOK_ORDER = [
    ("values", "app"),
    ("values", "parent"),
    ("values", "child"),
    ("values", "grandchild"),
    ("before", "app"),
    ("before", "parent"),
    ("before", "child"),
    ("before", "grandchild"),
    ("after", "grandchild"),
    ("after", "child"),
    ("after", "parent"),
    ("after", "app"),
    ("teardown", "grandchild"),
    ("teardown", "child"),
    ("teardown", "parent"),
    ("teardown", "app"),
]


@pytest.mark.parametrize("prefix", ["/p", "/again"])
def test_nested_hook_order(fw: types.ModuleType, prefix: str) -> None:
    app, log = build_nested(fw)
    app.test_client().get(f"{prefix}/c/g/view/1")
    assert log == EXPECTED_HOOK_ORDER


def test_blueprint_hooks_do_not_run_for_app_views(fw: types.ModuleType) -> None:
    app, log = build_nested(fw)
    app.add_url_rule("/app", "app_view", lambda: "app")
    app.test_client().get("/app")
    assert [name for _, name in log] == ["app"] * 4


def test_nested_error_handlers(fw: types.ModuleType) -> None:
    app, _ = build_nested(fw)
    client = app.test_client()
    # The innermost blueprint with a handler wins, then its parents, then the app.
    assert client.get("/p/c/missing").data == b"child 404"
    assert client.get("/p/c/g/missing").data == b"child 404"
    assert client.get("/p/c/g/divide").data == b"parent zero"
    assert client.get("/again/c/g/divide").data == b"parent zero"
    # A URL that matched nothing has no blueprint: the app's handler answers.
    assert client.get("/p/c/nothing").data == b"app 404"


def test_nested_subdomains(fw: types.ModuleType) -> None:
    app = new_app(fw, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    parent = fw.Blueprint("parent", __name__, subdomain="api")
    child = fw.Blueprint("child", __name__, subdomain="v1")
    plain = fw.Blueprint("plain", __name__)
    child.add_url_rule("/", "index", lambda: "v1 api")
    plain.add_url_rule("/plain", "index", lambda: "plain api")
    parent.register_blueprint(child)
    parent.register_blueprint(plain)
    app.register_blueprint(parent)
    outer = fw.Blueprint("outer", __name__)
    inner = fw.Blueprint("inner", __name__, subdomain="inner")
    inner.add_url_rule("/inner", "index", lambda: "inner")
    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    assert ("/", "parent.child.index", "v1.api") in rules(app)
    assert ("/plain", "parent.plain.index", "api") in rules(app)
    assert ("/inner", "outer.inner.index", "inner") in rules(app)
    client = app.test_client()
    assert client.get("/", subdomain="v1.api").data == b"v1 api"
    assert client.get("/plain", subdomain="api").data == b"plain api"


def _three_levels(fw: types.ModuleType, settings: list[dict[str, t.Any]]) -> t.Any:
    """An app with blueprints a > b > c, each built and registered with ``settings``.

    Each entry may hold ``own`` (Blueprint keyword arguments) and ``given``
    (register_blueprint keyword arguments) for one level, outermost first.
    """
    app = new_app(fw, static_folder=None, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    levels = [
        fw.Blueprint(name, __name__, **level.get("own", {}))
        for name, level in zip("abc", settings, strict=True)
    ]
    for bp in levels:
        bp.add_url_rule("/x", "x", lambda: "x", defaults={"rule": "r"})
    levels[1].register_blueprint(levels[2], **settings[2].get("given", {}))
    levels[0].register_blueprint(levels[1], **settings[1].get("given", {}))
    app.register_blueprint(levels[0], **settings[0].get("given", {}))
    return app


@pytest.mark.parametrize(
    "settings",
    [
        [{}, {}, {}],
        [{"own": {"url_prefix": "/a/"}}, {}, {"own": {"url_prefix": "c"}}],
        [{}, {"given": {"url_prefix": "/b"}}, {"own": {"url_prefix": "/c/"}}],
        [{"own": {"subdomain": "a"}}, {}, {"own": {"subdomain": "c"}}],
        [{}, {"own": {"subdomain": "b"}}, {"given": {"subdomain": "c"}}],
        [
            {"given": {"subdomain": "top", "url_prefix": "/top"}},
            {"own": {"subdomain": "mid", "url_prefix": "/mid"}},
            {"given": {"url_prefix": "/low", "name": "renamed"}},
        ],
        [
            {"own": {"url_defaults": {"a": 1}}},
            {"given": {"url_defaults": {"b": 2}}},
            {"own": {"url_defaults": {"c": 3}}, "given": {"url_defaults": {"d": 4}}},
        ],
    ],
)
def test_nesting_three_levels_matches_flask(settings: list[dict[str, t.Any]]) -> None:
    def table(app: t.Any) -> list[tuple[t.Any, ...]]:
        return sorted(
            (r.rule, r.endpoint, r.subdomain, sorted((r.defaults or {}).items()))
            for r in app.url_map.iter_rules()
        )

    ours = _three_levels(microframe, settings)
    theirs = _three_levels(flask, settings)
    assert table(ours) == table(theirs)
    assert list(ours.blueprints) == list(theirs.blueprints)


def test_record_once_keeps_the_function_name() -> None:
    bp = Blueprint("bp", __name__)

    def setup_search_index(state: BlueprintSetupState) -> None:
        """Build the index."""

    bp.record_once(setup_search_index)
    recorded = bp.deferred_functions[-1]
    assert recorded.__name__ == "setup_search_index"
    assert recorded.__doc__ == "Build the index."


def test_app_errorhandler_for_an_exception_class(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)

    @bp.app_errorhandler(KeyError)
    def missing(e: KeyError) -> tuple[str, int]:
        return f"missing {e.args[0]}", 410

    @app.route("/boom")
    def boom() -> str:
        raise KeyError("thing")

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")
    response = app.test_client().get("/boom")
    assert (response.status_code, response.data) == (410, b"missing thing")
    assert list(app.error_handler_spec) == [None]


def test_nested_prefix_given_at_registration(fw: types.ModuleType) -> None:
    app = new_app(fw, static_folder=None)
    parent = fw.Blueprint("parent", __name__)
    child = fw.Blueprint("child", __name__, url_prefix="/ignored")
    child.add_url_rule("/x", "x", lambda: "x")
    parent.register_blueprint(child, url_prefix="/child/")
    app.register_blueprint(parent, url_prefix="/parent/")
    assert rules(app) == [("/parent/child/x", "parent.child.x", None)]


def test_nested_blueprint_without_prefix_gets_the_parents(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw, static_folder=None)
    parent = fw.Blueprint("parent", __name__, url_prefix="/parent")
    child = fw.Blueprint("child", __name__)
    child.add_url_rule("/x", "x", lambda: "x")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert rules(app) == [("/parent/x", "parent.child.x", None)]


def test_blueprint_endpoint_decorator(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)

    @bp.endpoint("shared")
    def shared() -> str:
        return "shared view"

    app.register_blueprint(bp)
    # The endpoint is registered as given, without the blueprint's name.
    app.add_url_rule("/shared", "shared")
    assert app.test_client().get("/shared").data == b"shared view"


def test_nested_blueprint_registered_twice_under_its_parent(
    fw: types.ModuleType,
) -> None:
    app = new_app(fw, static_folder=None)
    parent = fw.Blueprint("parent", __name__)
    child = fw.Blueprint("child", __name__)
    child.add_url_rule("/x", "x", lambda: "x")
    parent.register_blueprint(child, url_prefix="/one")
    parent.register_blueprint(child, url_prefix="/two", name="child2")
    app.register_blueprint(parent)
    assert rules(app) == [
        ("/one/x", "parent.child.x", None),
        ("/two/x", "parent.child2.x", None),
    ]


# --- registering twice and the registration errors ---------------------------------


def test_register_twice_with_name(fw: types.ModuleType) -> None:
    app = new_app(fw, static_folder=None)
    bp = fw.Blueprint("bp", __name__)
    calls: list[str] = []
    bp.before_request(lambda: calls.append(fw.request.blueprint))
    bp.add_url_rule("/", "index", lambda: fw.request.blueprint)
    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="bp_b")
    assert rules(app) == [("/a/", "bp.index", None), ("/b/", "bp_b.index", None)]
    client = app.test_client()
    assert client.get("/a/").data == b"bp"
    assert client.get("/b/").data == b"bp_b"
    assert calls == ["bp", "bp_b"]
    assert list(app.iter_blueprints()) == [bp, bp]


def test_same_name_twice_says_to_pass_name(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError) as info:
        app.register_blueprint(bp)
    message = str(info.value)
    assert "'bp' is already registered for this blueprint" in message
    assert "name=" in message
    with pytest.raises(ValueError) as info:
        app.register_blueprint(Blueprint("bp", __name__))
    assert "'bp' is already registered for a different blueprint" in str(info.value)
    assert "name=" in str(info.value)


def test_nested_same_name_twice(app: Microframe) -> None:
    parent = Blueprint("parent", __name__)
    parent.register_blueprint(Blueprint("child", __name__))
    parent.register_blueprint(Blueprint("child", __name__))
    with pytest.raises(ValueError, match=r"'parent\.child' is already registered"):
        app.register_blueprint(parent)


@pytest.mark.parametrize("name", ["", "a.b"])
def test_bad_names(fw: types.ModuleType, name: str) -> None:
    with pytest.raises(ValueError):
        fw.Blueprint(name, __name__)


def test_bad_name_messages() -> None:
    with pytest.raises(ValueError) as info:
        Blueprint("", __name__)
    assert "non-empty name" in str(info.value)
    with pytest.raises(ValueError) as info:
        Blueprint("admin.users", __name__)
    message = str(info.value)
    assert "'admin.users' contains a dot" in message
    assert "'admin_users'" in message


def test_dotted_endpoint_and_view_name() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match=r"Endpoint 'a\.b' on blueprint 'bp'"):
        bp.add_url_rule("/", "a.b", lambda: "")

    def view() -> str:
        return ""

    view.__name__ = "a.b"
    with pytest.raises(ValueError, match=r"view function name 'a\.b'"):
        bp.add_url_rule("/", view_func=view)
    with pytest.raises(ValueError, match="dot"):
        bp.route("/", endpoint="x.y")(view)


def test_register_on_itself(fw: types.ModuleType) -> None:
    bp = fw.Blueprint("bp", __name__)
    with pytest.raises(ValueError) as info:
        bp.register_blueprint(bp)
    if fw is microframe:
        assert "'bp' cannot be registered on itself" in str(info.value)


def test_setup_after_registration_is_an_error(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)
    app.register_blueprint(bp)
    for setup in (
        lambda: bp.route("/late")(lambda: ""),
        lambda: bp.before_request(lambda: None),
        lambda: bp.errorhandler(404)(lambda e: ""),
        lambda: bp.record(lambda state: None),
        lambda: bp.register_blueprint(fw.Blueprint("other", __name__)),
        lambda: bp.app_template_filter()(lambda x: x),
    ):
        with pytest.raises(AssertionError):
            setup()


def test_setup_after_registration_message(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError) as info:
        bp.add_url_rule("/late", "late", lambda: "")
    message = str(info.value)
    assert "add_url_rule() was called on blueprint 'bp' after it was registered" in (
        message
    )
    assert "before app.register_blueprint()" in message


def test_add_url_rule_without_view_or_endpoint(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/")
    with pytest.raises(TypeError, match="endpoint"):
        app.register_blueprint(bp)


# --- record and record_once ---------------------------------------------------------


def test_record_gets_the_setup_state(app: Microframe) -> None:
    bp = Blueprint(
        "bp", __name__, url_prefix="/bp", subdomain="sub", url_defaults={"a": 1}
    )
    states: list[BlueprintSetupState] = []
    bp.record(states.append)
    app.register_blueprint(bp, url_defaults={"b": 2})
    app.register_blueprint(bp, name="again", url_prefix="/again", subdomain="other")
    first, second = states
    assert first.app is app
    assert first.blueprint is bp
    assert first.first_registration is True
    assert second.first_registration is False
    assert (first.name, first.url_prefix, first.subdomain) == ("bp", "/bp", "sub")
    assert (second.name, second.url_prefix, second.subdomain) == (
        "again",
        "/again",
        "other",
    )
    assert first.url_defaults == {"a": 1, "b": 2}
    assert second.url_defaults == {"a": 1}
    assert first.options == {"url_defaults": {"b": 2}}
    assert first.name_prefix == ""


def test_record_once_runs_on_the_first_registration_only(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)
    calls: list[str] = []

    def setup(state: BlueprintSetupState) -> None:
        """Docs."""
        calls.append(state.name)

    bp.record_once(setup)
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")
    assert calls == ["bp"]
    # A second app is a first registration again.
    other = Microframe("other")
    other.register_blueprint(bp)
    assert calls == ["bp", "bp"]
    assert bp.deferred_functions[0].__name__ == "setup"


def test_record_for_a_nested_blueprint_sees_its_name_prefix(app: Microframe) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    states: list[BlueprintSetupState] = []
    child.record(states.append)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert (states[0].name, states[0].name_prefix) == ("child", "parent")


def test_make_setup_state_can_be_overridden(app: Microframe) -> None:
    class State(BlueprintSetupState):
        def add_url_rule(self, rule: str, *args: t.Any, **kwargs: t.Any) -> None:
            super().add_url_rule(rule.upper(), *args, **kwargs)

    class MyBlueprint(Blueprint):
        def make_setup_state(
            self,
            app: Microframe,
            options: dict[str, t.Any],
            first_registration: bool = False,
        ) -> BlueprintSetupState:
            return State(self, app, options, first_registration)

    bp = MyBlueprint("bp", __name__)
    bp.add_url_rule("/shout", "shout", lambda: "")
    app.register_blueprint(bp)
    assert ("/SHOUT", "bp.shout", None) in rules(app)


# --- the app_* variants ---------------------------------------------------------------


def test_app_template_functions(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)

    @bp.app_template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @bp.app_template_filter("whisper")
    def lower(value: str) -> str:
        return value.lower()

    bp.add_app_template_filter(lambda v: v[::-1], "reverse")

    @bp.app_template_test()
    def short(value: str) -> bool:
        return len(value) < 4

    @bp.app_template_test("long")
    def is_long(value: str) -> bool:
        return len(value) > 10

    bp.add_app_template_test(lambda v: v == "x", "x")

    @bp.app_template_global()
    def answer() -> int:
        return 42

    @bp.app_template_global("question")
    def ask() -> str:
        return "why"

    bp.add_app_template_global(lambda: "added", "added")
    app.register_blueprint(bp)
    with app.test_request_context():
        rendered = fw.render_template_string(
            "{{ 'a'|shout }} {{ 'B'|whisper }} {{ 'ab'|reverse }}"
            " {{ 'ab' is short }} {{ 'ab' is long }} {{ 'x' is x }}"
            " {{ answer() }} {{ question() }} {{ added() }}"
        )
    assert rendered == "A b ba True False True 42 why added"


def test_app_template_filter_without_parentheses(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter
    def double(value: int) -> int:
        return value * 2

    @bp.app_template_test
    def even(value: int) -> bool:
        return value % 2 == 0

    @bp.app_template_global
    def seven() -> int:
        return 7

    assert double(2) == 4
    app.register_blueprint(bp)
    with app.app_context():
        assert app.jinja_env.filters["double"] is double
        assert app.jinja_env.tests["even"] is even
        assert app.jinja_env.globals["seven"] is seven


def test_app_wide_request_hooks(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__)
    log: list[str] = []

    @bp.before_app_request
    def before() -> None:
        log.append("before")

    @bp.after_app_request
    def after(response: t.Any) -> t.Any:
        log.append("after")
        response.headers["X-After"] = "bp"
        return response

    @bp.teardown_app_request
    def teardown(exc: BaseException | None) -> None:
        log.append("teardown")

    @bp.app_url_value_preprocessor
    def values(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        log.append(f"values {endpoint}")

    @bp.app_url_defaults
    def defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        values.setdefault("name", "default")

    @bp.app_context_processor
    def processor() -> dict[str, t.Any]:
        return {"from_bp": "bp value"}

    @bp.app_errorhandler(404)
    def not_found(e: Exception) -> tuple[str, int]:
        return "bp handles every 404", 404

    @bp.app_errorhandler(KeyError)
    def key_error(e: Exception) -> tuple[str, int]:
        return "bp handles KeyError", 400

    assert before.__name__ == "before"  # the decorators return the function
    app.register_blueprint(bp)

    @app.route("/hello/<name>")
    def hello(name: str) -> str:
        return fw.render_template_string(
            "{{ from_bp }} {{ url_for('hello') }}", name=name
        )

    @app.route("/key")
    def key() -> str:
        return {}["missing"]  # type: ignore[no-any-return]

    client = app.test_client()
    response = client.get("/hello/x")
    assert response.data == b"bp value /hello/default"
    assert response.headers["X-After"] == "bp"
    assert log == ["values hello", "before", "after", "teardown"]
    assert client.get("/nothing").data == b"bp handles every 404"
    assert client.get("/key").data == b"bp handles KeyError"


def test_app_hooks_registered_once_for_two_names(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)
    calls: list[int] = []
    bp.before_app_request(lambda: calls.append(1))
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")
    app.add_url_rule("/", "index", lambda: "")
    app.test_client().get("/")
    assert calls == [1]


# --- scoping of handlers and hooks ------------------------------------------------


def test_error_handlers_are_scoped(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")
    other = fw.Blueprint("other", __name__, url_prefix="/other")

    @bp.errorhandler(403)
    def forbidden(e: Exception) -> tuple[str, int]:
        return "bp forbidden", 403

    @bp.errorhandler(LookupError)
    def lookup(e: Exception) -> tuple[str, int]:
        return f"bp lookup {type(e).__name__}", 500

    @bp.route("/forbidden")
    def bp_forbidden() -> str:
        fw.abort(403)

    @bp.route("/index")
    def bp_index() -> str:
        return [][1]  # type: ignore[no-any-return]

    @other.route("/forbidden")
    def other_forbidden() -> str:
        fw.abort(403)

    app.register_blueprint(bp)
    app.register_blueprint(other)
    client = app.test_client()
    assert client.get("/bp/forbidden").data == b"bp forbidden"
    # IndexError is found through the class hierarchy.
    assert client.get("/bp/index").data == b"bp lookup IndexError"
    other_response = client.get("/other/forbidden")
    assert other_response.status_code == 403
    assert b"bp forbidden" not in other_response.data


def test_hooks_are_scoped(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")
    log: list[str] = []
    bp.before_request(lambda: log.append("before"))
    bp.after_request(lambda r: log.append("after") or r)
    bp.teardown_request(lambda e: log.append("teardown"))
    bp.add_url_rule("/", "index", lambda: "bp")
    app.add_url_rule("/", "index", lambda: "app")
    app.register_blueprint(bp)
    client = app.test_client()
    client.get("/")
    assert log == []
    client.get("/bp/")
    assert log == ["before", "after", "teardown"]


def test_before_request_of_a_blueprint_can_answer(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)

    @bp.before_request
    def deny() -> tuple[str, int] | None:
        if request.args.get("deny"):
            return "denied", 403
        return None

    bp.add_url_rule("/", "index", lambda: "allowed")
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/").data == b"allowed"
    response = client.get("/?deny=1")
    assert (response.status_code, response.data) == (403, b"denied")


def test_context_processors_are_scoped(app: Microframe) -> None:
    bp = Blueprint("bp", __name__, template_folder="blueprint_templates")

    @bp.context_processor
    def bp_processor() -> dict[str, t.Any]:
        return {"from_bp_processor": "bp-proc"}

    @app.context_processor
    def app_processor() -> dict[str, t.Any]:
        return {"from_app_processor": "app-proc"}

    bp.add_url_rule("/bp", "page", lambda: render_template("bp_page.html", value=1))
    app.add_url_rule("/app", "page", lambda: render_template("bp_page.html", value=2))
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/bp").data == b"blueprint page 1 bp-proc app-proc"
    assert client.get("/app").data == b"blueprint page 2 - app-proc"


def test_blueprint_template_folder_comes_after_the_app(app: Microframe) -> None:
    bp = Blueprint("bp", __name__, template_folder="blueprint_templates")
    app.register_blueprint(bp)
    with app.test_request_context():
        # hello.txt exists in both folders: the app's wins.
        assert render_template("hello.txt", name="x") == "Hello x!"
        assert render_template("bp_page.html", value=3) == "blueprint page 3 - -"


def test_blueprint_template_folder_is_relative_to_its_root_path() -> None:
    bp = Blueprint("bp", "not_a_module", root_path=TESTS, template_folder="tpl")
    assert bp.root_path == TESTS
    assert bp.jinja_loader is not None
    assert bp.jinja_loader.searchpath == [os.path.join(TESTS, "tpl")]
    assert Blueprint("none", __name__).jinja_loader is None


# --- static folders ---------------------------------------------------------------


def test_blueprint_static_folder(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint(
        "bp", __name__, static_folder="blueprint_static", url_prefix="/bp"
    )
    app.register_blueprint(bp)
    assert ("/bp/blueprint_static/<path:filename>", "bp.static", None) in rules(app)
    response = app.test_client().get("/bp/blueprint_static/bp.txt")
    assert response.data == b"blueprint static file\n"
    response.close()
    with app.test_request_context():
        assert fw.url_for("bp.static", filename="bp.txt") == (
            "/bp/blueprint_static/bp.txt"
        )


def test_blueprint_static_url_path(fw: types.ModuleType) -> None:
    app = new_app(fw)
    bp = fw.Blueprint(
        "bp", __name__, static_folder="blueprint_static", static_url_path="/files"
    )
    app.register_blueprint(bp, url_prefix="/bp")
    response = app.test_client().get("/bp/files/bp.txt")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    response.close()
    assert app.test_client().get("/bp/files/missing.txt").status_code == 404


def test_blueprint_static_max_age(app: Microframe) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 30
    bp = Blueprint("bp", __name__, static_folder="blueprint_static")
    app.register_blueprint(bp, url_prefix="/bp")
    response = app.test_client().get("/bp/blueprint_static/bp.txt")
    assert response.headers["Cache-Control"] == "public, max-age=30"
    response.close()


def test_blueprint_without_static_folder(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)
    assert not bp.has_static_folder
    with app.test_request_context(), pytest.raises(RuntimeError, match="static"):
        bp.send_static_file("x")
    app.register_blueprint(bp)
    assert "bp.static" not in [r.endpoint for r in app.url_map.iter_rules()]


def test_blueprint_send_static_file_escape(app: Microframe) -> None:
    bp = Blueprint("bp", __name__, static_folder="blueprint_static")
    with app.test_request_context(), pytest.raises(NotFound):
        bp.send_static_file("../conftest.py")


def test_blueprint_open_resource() -> None:
    bp = Blueprint("bp", __name__)
    with bp.open_resource("blueprint_static/bp.txt") as f:
        assert f.read() == b"blueprint static file\n"
    with bp.open_resource("blueprint_static/bp.txt", "r") as f:
        assert f.read() == "blueprint static file\n"
    with pytest.raises(ValueError, match="reading"):
        bp.open_resource("blueprint_static/bp.txt", "w")


# --- request.blueprint ---------------------------------------------------------------


def test_request_blueprint_in_hooks_and_views(app: Microframe) -> None:
    bp = Blueprint("bp", __name__)
    seen: list[t.Any] = []

    @bp.before_request
    def before() -> None:
        seen.append(("before", request.blueprint, request.blueprints))

    @bp.route("/")
    def index() -> str:
        g.marker = 1
        return request.blueprint or ""

    app.register_blueprint(bp, name="renamed")
    assert app.test_client().get("/").data == b"renamed"
    assert seen == [("before", "renamed", ["renamed"])]


# --- CLI groups ---------------------------------------------------------------------


def _bp_with_command(**kwargs: t.Any) -> Blueprint:
    bp = Blueprint("bp", __name__, **kwargs)

    @bp.cli.command("hello")
    @click.option("--name", default="world")
    def hello(name: str) -> None:
        click.echo(f"hello {name} from {microframe.current_app.name}")

    return bp


def test_cli_group_defaults_to_the_blueprint_name(app: Microframe) -> None:
    app.register_blueprint(_bp_with_command())
    result = app.test_cli_runner().invoke(args=["bp", "hello", "--name", "ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello ada from test_app\n"


def test_cli_group_none_adds_commands_to_the_app(app: Microframe) -> None:
    app.register_blueprint(_bp_with_command(cli_group=None))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello"])
    assert result.output == "hello world from test_app\n"
    assert runner.invoke(args=["bp", "hello"]).exit_code != 0


def test_cli_group_custom_name(app: Microframe) -> None:
    app.register_blueprint(_bp_with_command(cli_group="tools"))
    result = app.test_cli_runner().invoke(args=["tools", "hello"])
    assert result.output == "hello world from test_app\n"


def test_cli_group_given_at_registration(app: Microframe) -> None:
    app.register_blueprint(_bp_with_command(), cli_group="other")
    result = app.test_cli_runner().invoke(args=["other", "hello"])
    assert result.output == "hello world from test_app\n"


def test_cli_group_follows_the_registered_name(app: Microframe) -> None:
    app.register_blueprint(_bp_with_command(), name="renamed")
    result = app.test_cli_runner().invoke(args=["renamed", "hello"])
    assert result.output == "hello world from test_app\n"


def test_blueprint_without_commands_adds_no_group(app: Microframe) -> None:
    bp = Blueprint("quiet", __name__)
    app.register_blueprint(bp)
    assert "quiet" not in app.cli.commands  # type: ignore[attr-defined]


def test_cli_groups_match_flask(fw: types.ModuleType) -> None:
    app = new_app(fw)
    for name, group in (("a", microframe), ("b", None), ("c", "custom")):
        kwargs = {} if group is microframe else {"cli_group": group}
        bp = fw.Blueprint(name, __name__, **kwargs)
        bp.cli.command(f"cmd_{name}")(lambda: None)
        app.register_blueprint(bp)
    assert sorted(app.cli.commands) == ["a", "cmd_b", "custom"]


# --- the blueprint object -------------------------------------------------------------


def test_blueprint_repr_and_attributes() -> None:
    bp = Blueprint("bp", __name__, url_prefix="/p", subdomain="s")
    assert repr(bp) == "<Blueprint 'bp'>"
    assert (bp.name, bp.import_name, bp.url_prefix, bp.subdomain) == (
        "bp",
        __name__,
        "/p",
        "s",
    )
    assert bp.url_values_defaults == {}
    assert bp.root_path == TESTS


def test_client_sees_blueprint_views(client: MicroframeClient, app: Microframe) -> None:
    bp = Blueprint("bp", __name__)

    @bp.get("/only-get")
    def only_get() -> str:
        return "got"

    @bp.post("/only-post")
    def only_post() -> str:
        return "posted"

    app.register_blueprint(bp)
    assert client.get("/only-get").data == b"got"
    assert client.post("/only-get").status_code == 405
    assert client.post("/only-post").data == b"posted"
    with app.test_request_context():
        assert microframe.url_for("bp.only_get") == "/only-get"


def test_abort_inside_blueprint_without_handler(client: MicroframeClient) -> None:
    app = t.cast(Microframe, client.application)
    bp = Blueprint("bp", __name__)

    @bp.route("/teapot")
    def teapot() -> str:
        abort(418)

    app.register_blueprint(bp)
    assert client.get("/teapot").status_code == 418
