"""Tests for microframe/templating.py: environment, loader, rendering and streaming.

Tests that take the ``kit`` fixture run once against microframe and once against
Flask 3.1 with the same expectations, so they pin down behaviour parity.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
import typing as t
from pathlib import Path

import flask
import flask.signals
import flask.templating
import jinja2
import pytest

import microframe.globals
import microframe.helpers
import microframe.signals
from microframe.app import Microframe
from microframe.blueprints import Blueprint
from microframe.templating import (
    DispatchingJinjaLoader,
    Environment,
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"


@dataclasses.dataclass(frozen=True)
class Kit:
    """One framework's public names, so a test body can run against either."""

    name: str
    app_class: t.Any
    blueprint_class: t.Any
    render_template: t.Any
    render_template_string: t.Any
    stream_template: t.Any
    stream_template_string: t.Any
    get_template_attribute: t.Any
    flash: t.Any
    g: t.Any
    request: t.Any
    session: t.Any
    before_render_template: t.Any
    template_rendered: t.Any

    def make_app(self, **kwargs: t.Any) -> t.Any:
        """Create an app whose templates live in ``tests/templates``."""
        kwargs.setdefault("root_path", str(HERE))
        app = self.app_class("templating_app", **kwargs)
        app.config.update(TESTING=True, SECRET_KEY="test secret", GREETING="hi")
        return app

    def make_blueprint(self, name: str, folder: str | None = None) -> t.Any:
        """Create a blueprint whose templates live in ``tests/templates/<folder>``."""
        return self.blueprint_class(
            name,
            "templating_app",
            template_folder=None if folder is None else f"templates/{folder}",
            root_path=str(HERE),
        )


MICROFRAME = Kit(
    name="microframe",
    app_class=Microframe,
    blueprint_class=Blueprint,
    render_template=render_template,
    render_template_string=render_template_string,
    stream_template=stream_template,
    stream_template_string=stream_template_string,
    get_template_attribute=microframe.helpers.get_template_attribute,
    flash=microframe.helpers.flash,
    g=microframe.globals.g,
    request=microframe.globals.request,
    session=microframe.globals.session,
    before_render_template=microframe.signals.before_render_template,
    template_rendered=microframe.signals.template_rendered,
)
FLASK = Kit(
    name="flask",
    app_class=flask.Flask,
    blueprint_class=flask.Blueprint,
    render_template=flask.render_template,
    render_template_string=flask.render_template_string,
    stream_template=flask.stream_template,
    stream_template_string=flask.stream_template_string,
    get_template_attribute=flask.get_template_attribute,
    flash=flask.flash,
    g=flask.g,
    request=flask.request,
    session=flask.session,
    before_render_template=flask.signals.before_render_template,
    template_rendered=flask.signals.template_rendered,
)


@pytest.fixture(params=[MICROFRAME, FLASK], ids=lambda kit: kit.name)
def kit(request: pytest.FixtureRequest) -> Kit:
    """The framework under test: microframe, and Flask as the oracle."""
    return t.cast(Kit, request.param)


@pytest.fixture
def app() -> Microframe:
    """A microframe app whose templates live in ``tests/templates``."""
    return t.cast(Microframe, MICROFRAME.make_app())


@pytest.fixture
def app_ctx(app: Microframe) -> t.Iterator[None]:
    """Run the test inside an app context of ``app``."""
    with app.app_context():
        yield


def _with_blueprints(kit: Kit, *folders: str) -> t.Any:
    """An app with one blueprint per folder, registered in the given order."""
    app = kit.make_app()
    for folder in folders:
        app.register_blueprint(kit.make_blueprint(folder, folder))
    return app


Recorder = t.Callable[[t.Any, t.Any], list[tuple[str, t.Any, t.Any, t.Any]]]


@pytest.fixture
def record() -> t.Iterator[Recorder]:
    """Connect a recording receiver to a signal for one app; disconnected after."""
    connected: list[tuple[t.Any, t.Any]] = []

    def connect(signal: t.Any, app: t.Any) -> list[tuple[str, t.Any, t.Any, t.Any]]:
        calls: list[tuple[str, t.Any, t.Any, t.Any]] = []

        def receiver(
            sender: t.Any, template: t.Any, context: t.Any, **extra: t.Any
        ) -> None:
            calls.append((signal.name, sender, template, context))

        signal.connect(receiver, app, weak=False)
        connected.append((signal, receiver))
        return calls

    yield connect
    for signal, receiver in connected:
        signal.disconnect(receiver)


# --- autoescaping -------------------------------------------------------------


@pytest.mark.parametrize(
    ("extension", "escaped"),
    [
        ("html", True),
        ("htm", True),
        ("xml", True),
        ("xhtml", True),
        ("svg", True),
        ("txt", False),
    ],
)
def test_autoescape_follows_the_file_extension(
    kit: Kit, extension: str, escaped: bool
) -> None:
    app = kit.make_app()
    with app.app_context():
        rv = kit.render_template(f"escape.{extension}", text="<b>&")
    assert rv == ("&lt;b&gt;&amp;|<b>&" if escaped else "<b>&|<b>&")


def test_string_templates_are_autoescaped(kit: Kit) -> None:
    app = kit.make_app()
    with app.app_context():
        assert kit.render_template_string("{{ s }}", s="<i>") == "&lt;i&gt;"
        assert "".join(kit.stream_template_string("{{ s }}", s="<i>")) == "&lt;i&gt;"
        assert kit.render_template_string("{{ s|safe }}", s="<i>") == "<i>"
    assert app.select_jinja_autoescape(None) is True


# --- filters, tests and globals -----------------------------------------------


def test_filters_tests_and_globals_registered_with_parentheses(kit: Kit) -> None:
    app = kit.make_app()

    @app.template_filter()
    def reverse(s: str) -> str:
        return s[::-1]

    @app.template_filter("shout")
    def make_loud(s: str) -> str:
        return s.upper() + "!"

    app.add_template_filter(str.lower)
    app.add_template_filter(str.title, name="titled")

    @app.template_test()
    def even(n: int) -> bool:
        return n % 2 == 0

    @app.template_test("big")
    def is_big(n: int) -> bool:
        return n > 100

    app.add_template_test(callable)
    app.add_template_test(lambda v: v is None, name="nothing")

    @app.template_global()
    def double(n: int) -> int:
        return n * 2

    @app.template_global("triple")
    def times_three(n: int) -> int:
        return n * 3

    app.add_template_global(abs)
    app.add_template_global(max, name="biggest")

    # The decorators hand back the function itself.
    assert reverse("ab") == "ba"
    assert even(2) and double(2) == 4

    with app.app_context():
        assert (
            kit.render_template_string(
                "{{ 'ab'|reverse }} {{ 'x'|shout }} {{ 'AB'|lower }}"
                " {{ 'ab cd'|titled }}"
            )
            == "ba X! ab Ab Cd"
        )
        assert (
            kit.render_template_string(
                "{{ 4 is even }} {{ 3 is even }} {{ 101 is big }} {{ abs is callable }}"
                " {{ none is nothing }}"
            )
            == "True False True True True"
        )
        assert (
            kit.render_template_string(
                "{{ double(2) }} {{ triple(2) }} {{ abs(-5) }} {{ biggest(1, 7) }}"
            )
            == "4 6 5 7"
        )


def test_blueprint_app_template_filters_tests_and_globals(kit: Kit) -> None:
    app = kit.make_app()
    bp = kit.make_blueprint("bp")

    @bp.app_template_filter()
    def reverse(s: str) -> str:
        return s[::-1]

    @bp.app_template_test("odd_number")
    def odd(n: int) -> bool:
        return n % 2 == 1

    @bp.app_template_global()
    def answer() -> int:
        return 42

    app.register_blueprint(bp)
    with app.app_context():
        rv = kit.render_template_string(
            "{{ 'ab'|reverse }} {{ 3 is odd_number }} {{ answer() }}"
        )
    assert rv == "ba True 42"


def test_filters_tests_and_globals_registered_without_parentheses(
    app: Microframe, app_ctx: None
) -> None:
    # Flask 3.1 silently registers nothing for a bare ``@app.template_filter``;
    # microframe accepts the bare form too.
    @app.template_filter
    def reverse(s: str) -> str:
        return s[::-1]

    @app.template_test
    def even(n: int) -> bool:
        return n % 2 == 0

    @app.template_global
    def double(n: int) -> int:
        return n * 2

    assert reverse("ab") == "ba" and even(4) and double(2) == 4
    rv = render_template_string("{{ 'ab'|reverse }} {{ 4 is even }} {{ double(2) }}")
    assert rv == "ba True 4"


# --- context ------------------------------------------------------------------


def test_context_processors_of_app_and_blueprint(kit: Kit) -> None:
    app = kit.make_app()
    bp = kit.make_blueprint("bp")

    @app.context_processor
    def from_app() -> dict[str, t.Any]:
        return {"processed": "app"}

    @bp.context_processor
    def from_blueprint() -> dict[str, t.Any]:
        return {"bp_only": "bp", "processed": "blueprint"}

    @bp.app_context_processor
    def app_wide() -> dict[str, t.Any]:
        return {"app_wide": "yes"}

    @app.route("/")
    def index() -> str:
        return t.cast(str, kit.render_template("processors.html"))

    @app.route("/passed")
    def passed() -> str:
        return t.cast(str, kit.render_template("processors.html", processed="passed"))

    @bp.route("/bp")
    def in_blueprint() -> str:
        return t.cast(str, kit.render_template("processors.html"))

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/").text == "processed=app app_wide=yes bp_only="
    # Values passed to render_template win over every context processor.
    assert client.get("/passed").text == "processed=passed app_wide=yes bp_only="
    # Blueprint processors run after the app's, so they win over them.
    assert client.get("/bp").text == "processed=blueprint app_wide=yes bp_only=bp"


def test_request_session_g_config_url_for_and_flashes_in_templates(kit: Kit) -> None:
    app = kit.make_app()

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/ctx")
    def ctx() -> str:
        kit.session["user"] = "ann"
        kit.g.value = "gee"
        kit.flash("flashed!")
        kit.flash("again")
        return t.cast(str, kit.render_template("context.html"))

    @app.route("/imported")
    def imported() -> str:
        kit.session["user"] = "bob"
        kit.g.value = "gee"
        return t.cast(str, kit.render_template("imported_context.html"))

    client = app.test_client()
    assert client.get("/ctx").text.splitlines() == [
        "path=/ctx",
        "g=gee",
        "session=ann",
        "config=hi",
        "url=/?page=2",
        "flashed=flashed!,again",
    ]
    # An imported template gets no context, only the environment's globals.
    assert client.get("/imported").text == (
        "path=/imported g=gee session=bob config=hi url=/"
    )


def test_default_context_processor_adds_concrete_g_and_request(
    kit: Kit, record: Recorder
) -> None:
    app = kit.make_app()
    rendered = record(kit.template_rendered, app)
    with app.app_context():
        kit.render_template_string("x")
        app_only = rendered[-1][3]
        assert app_only["g"] is kit.g._get_current_object()
        assert "request" not in app_only

    with app.test_request_context("/"):
        kit.render_template_string("x", mine=1)
        context = rendered[-1][3]
        assert context["request"] is kit.request._get_current_object()
        assert context["g"] is kit.g._get_current_object()
        assert context["mine"] == 1
        # The session stays a global so rendering does not mark it accessed.
        assert "session" not in context

    @app.route("/")
    def index() -> str:
        return t.cast(str, kit.render_template("hello.txt", name="x"))

    # An unaccessed session adds no "Vary: Cookie" to the response.
    assert "Cookie" not in app.test_client().get("/").headers.get("Vary", "")


def test_update_template_context_outside_any_context(kit: Kit) -> None:
    app = kit.make_app()
    context = {"given": 1}
    app.update_template_context(context)
    assert context == {"given": 1}


def test_template_renders_without_any_context_processor_data(kit: Kit) -> None:
    app = kit.make_app()
    with app.app_context():
        assert kit.render_template("hello.txt", name="<you>") == "Hello <you>!"


def test_globals_added_after_the_first_render_are_seen(kit: Kit) -> None:
    app = kit.make_app()
    with app.app_context():
        assert kit.render_template_string("{{ late is defined }}") == "False"
        app.add_template_global(42, name="late")
        assert kit.render_template_string("{{ late is defined }}") == "True"
        assert kit.render_template("hello.txt", name="x") == kit.render_template(
            "hello.txt", name="x"
        )


def test_context_values_win_over_globals(kit: Kit) -> None:
    app = kit.make_app()
    app.add_template_global("global", name="who")
    with app.app_context():
        assert kit.render_template_string("{{ who }}") == "global"
        assert kit.render_template_string("{{ who }}", who="context") == "context"
        assert kit.render_template_string("{{ config }}", config="mine") == "mine"


def test_a_template_with_its_own_globals_sees_them(kit: Kit) -> None:
    app = kit.make_app()
    app.add_template_global("app", name="shared")
    with app.app_context():
        template = app.jinja_env.from_string(
            "{{ own }} {{ shared }} {{ config.GREETING }}", globals={"own": "mine"}
        )
        assert kit.render_template(template) == "mine app hi"
        assert kit.render_template(template, own="context") == "context app hi"


def test_imported_macros_see_the_globals_without_the_context(kit: Kit) -> None:
    app = kit.make_app()
    app.add_template_global("global", name="who")
    with app.app_context():
        source = (
            "{% import 'm.html' as m %}{% import 'm.html' as c with context %}"
            "{{ m.show() }}|{{ c.show() }}"
        )
        overlay = app.jinja_env.overlay(
            loader=jinja2.DictLoader(
                {"m.html": "{% macro show() %}{{ who }}/{{ x }}{% endmacro %}"}
            )
        )
        template = overlay.from_string(source)
        assert kit.render_template(template, x="ctx") == "global/|global/ctx"


def test_async_environment_renders(kit: Kit) -> None:
    app = kit.make_app()
    app.jinja_options = {**app.jinja_options, "enable_async": True}
    with app.app_context():
        assert app.jinja_env.is_async
        assert kit.render_template_string("{{ n + 1 }}", n=1) == "2"


def test_errors_point_at_the_template_line(kit: Kit) -> None:
    app = kit.make_app()
    with app.app_context(), pytest.raises(ZeroDivisionError) as info:
        kit.render_template_string("line one\n{{ 1 // n }}", n=0)
    frames = [(str(entry.path), entry.lineno + 1) for entry in info.traceback]
    assert ("<template>", 2) in frames


# --- lookup -------------------------------------------------------------------


def test_app_templates_win_then_blueprints_in_registration_order(kit: Kit) -> None:
    app = _with_blueprints(kit, "blueprint_a", "blueprint_b")
    with app.app_context():
        assert kit.render_template("shared.html") == "app shared"
        assert kit.render_template("only_a.html") == "only in blueprint_a"
        assert kit.render_template("both.html") == "both from blueprint_a"
        assert kit.render_template("blueprint_b/both.html") == "both from blueprint_b"

    reordered = _with_blueprints(kit, "blueprint_b", "blueprint_a")
    with reordered.app_context():
        assert kit.render_template("both.html") == "both from blueprint_b"


def test_list_templates_matches_flask() -> None:
    ours = _with_blueprints(MICROFRAME, "blueprint_a", "blueprint_b")
    theirs = _with_blueprints(FLASK, "blueprint_a", "blueprint_b")
    listed = ours.jinja_env.list_templates()
    assert listed == sorted(listed)
    assert set(listed) == set(theirs.jinja_env.list_templates())
    assert {"shared.html", "only_a.html", "both.html", "blueprint_a/both.html"} <= set(
        listed
    )


def test_render_the_first_existing_template_of_a_list(kit: Kit) -> None:
    app = kit.make_app()
    with app.app_context():
        assert kit.render_template(["missing.html", "shared.html"]) == "app shared"
        with pytest.raises(jinja2.TemplatesNotFound):
            kit.render_template(["missing.html", "also_missing.html"])


def test_render_a_template_object(kit: Kit) -> None:
    app = kit.make_app()
    with app.app_context():
        template = app.jinja_env.get_template("hello.txt")
        assert kit.render_template(template, name="T") == "Hello T!"
        assert "".join(kit.stream_template(template, name="S")) == "Hello S!"


def test_missing_template_raises_template_not_found(kit: Kit) -> None:
    app = _with_blueprints(kit, "blueprint_a")
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound) as info:
        kit.render_template("nope.html")
    assert info.value.name == "nope.html"
    assert info.value.templates == ["nope.html"]


def test_template_not_found_lists_the_folders_searched(
    app: Microframe, app_ctx: None
) -> None:
    app.register_blueprint(MICROFRAME.make_blueprint("a", "blueprint_a"))
    app.register_blueprint(MICROFRAME.make_blueprint("gone", "no_such_folder"))
    app.register_blueprint(MICROFRAME.make_blueprint("none"))
    with pytest.raises(jinja2.TemplateNotFound) as info:
        render_template("nope.html")
    assert str(info.value).splitlines() == [
        "Template 'nope.html' was not found. Searched, in order:",
        f"  - application 'templating_app': folder {str(TEMPLATES)!r}",
        f"  - blueprint 'a': folder {str(TEMPLATES / 'blueprint_a')!r}",
        f"  - blueprint 'gone': folder {str(TEMPLATES / 'no_such_folder')!r}"
        " (does not exist)",
        "Create 'nope.html' in one of these folders, or fix the template name you"
        " passed.",
    ]


def test_template_not_found_without_any_template_folder() -> None:
    app = MICROFRAME.make_app(template_folder=None)
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound) as info:
        render_template("nope.html")
    assert str(info.value) == (
        "Template 'nope.html' was not found: neither the application"
        " 'templating_app' nor any of its blueprints has a template folder. Pass"
        " template_folder='templates' to Microframe(...) or Blueprint(...) and put"
        " the template in that folder."
    )


def test_error_describes_other_kinds_of_loaders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "mf_templating_test_pkg"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text("")

    monkeypatch.syspath_prepend(str(tmp_path))
    function_loader = jinja2.FunctionLoader(lambda name: None)

    class CustomLoaderApp(Microframe):
        @property  # type: ignore[override]
        def jinja_loader(self) -> jinja2.BaseLoader:
            return jinja2.ChoiceLoader(
                [
                    jinja2.PackageLoader("mf_templating_test_pkg"),
                    jinja2.PrefixLoader(
                        {"admin": jinja2.DictLoader({"b.html": "", "a.html": ""})}
                    ),
                    function_loader,
                ]
            )

    try:
        app = CustomLoaderApp("templating_app", root_path=str(HERE))
        with app.app_context(), pytest.raises(jinja2.TemplateNotFound) as info:
            render_template("nope.html")
    finally:
        sys.modules.pop("mf_templating_test_pkg", None)
    assert str(info.value).splitlines()[1:4] == [
        "  - application 'templating_app': folder 'templates' of package"
        " 'mf_templating_test_pkg'",
        "  - application 'templating_app': 'admin'/ in in-memory templates"
        " ['a.html', 'b.html']",
        f"  - application 'templating_app': loader {function_loader!r}",
    ]


# --- EXPLAIN_TEMPLATE_LOADING -------------------------------------------------


@pytest.fixture
def explaining_app(caplog: pytest.LogCaptureFixture) -> Microframe:
    """An app with two template blueprints that logs every template lookup."""
    app = t.cast(Microframe, _with_blueprints(MICROFRAME, "blueprint_a", "blueprint_b"))
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    caplog.set_level(logging.INFO, logger=app.logger.name)
    return app


def _explanations(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if "Locating template" in r.getMessage()
    ]


def test_explain_logs_every_attempt(
    explaining_app: Microframe, caplog: pytest.LogCaptureFixture
) -> None:
    with explaining_app.app_context():
        assert render_template("only_a.html") == "only in blueprint_a"
    [message] = _explanations(caplog)
    assert message.splitlines() == [
        "Locating template 'only_a.html':",
        "    1: trying FileSystemLoader of application 'templating_app'",
        f"       searches folder {str(TEMPLATES)!r}",
        "       -> no match",
        "    2: trying FileSystemLoader of blueprint 'blueprint_a'",
        f"       searches folder {str(TEMPLATES / 'blueprint_a')!r}",
        f"       -> found ({str(TEMPLATES / 'blueprint_a' / 'only_a.html')!r})",
        "    3: trying FileSystemLoader of blueprint 'blueprint_b'",
        f"       searches folder {str(TEMPLATES / 'blueprint_b')!r}",
        "       -> no match",
    ]


def test_explain_warns_about_several_matches(
    explaining_app: Microframe, caplog: pytest.LogCaptureFixture
) -> None:
    with explaining_app.app_context():
        assert render_template("both.html") == "both from blueprint_a"
    [message] = _explanations(caplog)
    assert message.splitlines()[-1] == (
        "Warning: several loaders have this template; the one from blueprint"
        " 'blueprint_a' is used. Move blueprint templates into a subfolder named"
        " after the blueprint to tell them apart."
    )


def test_explain_reports_a_missing_template(
    explaining_app: Microframe, caplog: pytest.LogCaptureFixture
) -> None:
    with explaining_app.app_context(), pytest.raises(jinja2.TemplateNotFound) as info:
        render_template("nope.html")
    assert "Searched, in order:" in str(info.value)
    [message] = _explanations(caplog)
    assert message.splitlines()[-1] == (
        "Error: the template could not be found. Create 'nope.html' in one of the"
        " folders above, or fix the template name."
    )


def test_explain_hints_at_the_blueprint_of_the_endpoint(
    explaining_app: Microframe, caplog: pytest.LogCaptureFixture
) -> None:
    bp = Blueprint("shop", "templating_app")

    @bp.route("/missing")
    def missing() -> str:
        return render_template("nope.html")

    @bp.route("/ambiguous")
    def ambiguous() -> str:
        return render_template("both.html")

    @bp.route("/fine")
    def fine() -> str:
        return render_template("only_a.html")

    explaining_app.register_blueprint(bp)
    explaining_app.config["TESTING"] = False  # turn the error into a 500 response
    client = explaining_app.test_client()
    assert client.get("/missing").status_code == 500
    assert client.get("/ambiguous").text == "both from blueprint_a"
    assert client.get("/fine").text == "only in blueprint_a"
    hint = (
        "  The template was looked up by an endpoint of the blueprint 'shop'; check"
        " that its template is in that blueprint's template_folder, and that"
        " template_folder is set on the Blueprint."
    )
    missing_log, ambiguous_log, fine_log = _explanations(caplog)
    assert missing_log.splitlines()[-1] == hint
    assert ambiguous_log.splitlines()[-1] == hint
    assert hint not in fine_log


def test_explain_without_any_template_folder(caplog: pytest.LogCaptureFixture) -> None:
    app = MICROFRAME.make_app(template_folder=None)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    caplog.set_level(logging.INFO, logger=app.logger.name)
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound):
        render_template("nope.html")
    assert _explanations(caplog) == [
        "Locating template 'nope.html':\nError: the application and its blueprints"
        " have no template folder; pass template_folder='templates' to"
        " Microframe(...) or Blueprint(...)."
    ]


# --- signals ------------------------------------------------------------------


def test_render_sends_both_signals_with_template_and_context(
    kit: Kit, record: Recorder
) -> None:
    app = kit.make_app()
    calls = record(kit.before_render_template, app)
    calls_after = record(kit.template_rendered, app)
    with app.app_context():
        kit.render_template("hello.txt", name="A")
        kit.render_template_string("{{ name }}", name="B")

    assert [c[0] for c in calls] == ["before-render-template"] * 2
    assert [c[0] for c in calls_after] == ["template-rendered"] * 2
    for (_, sender, template, context), (_, sender2, template2, context2) in zip(
        calls, calls_after, strict=True
    ):
        assert sender is app and sender2 is app
        assert template is template2
        assert context is context2
        assert "g" in context
    assert calls[0][2].name == "hello.txt"
    assert calls[0][3]["name"] == "A"
    assert calls[1][2].name is None
    assert calls[1][3]["name"] == "B"


def test_signals_are_not_sent_for_other_apps(kit: Kit, record: Recorder) -> None:
    app = kit.make_app()
    other = kit.make_app()
    calls = record(kit.template_rendered, other)
    with app.app_context():
        kit.render_template_string("x")
    assert calls == []


def test_nothing_is_sent_to_a_signal_without_receivers(
    app: Microframe, app_ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: t.Any, **kwargs: t.Any) -> None:
        raise AssertionError("a signal without receivers was sent")

    for signal in (
        microframe.signals.before_render_template,
        microframe.signals.template_rendered,
    ):
        assert not signal.receivers
        monkeypatch.setattr(signal, "send", fail)
    assert render_template_string("{{ 1 }}") == "1"
    assert "".join(stream_template_string("{{ 2 }}")) == "2"


def test_async_signal_receivers_are_run(kit: Kit) -> None:
    app = kit.make_app()
    seen: list[str | None] = []

    async def receiver(sender: t.Any, template: t.Any, **extra: t.Any) -> None:
        seen.append(template.name)

    kit.template_rendered.connect(receiver, app, weak=False)
    try:
        with app.app_context():
            kit.render_template("hello.txt", name="x")
    finally:
        kit.template_rendered.disconnect(receiver)
    assert seen == ["hello.txt"]


# --- render_template_string caching -------------------------------------------


@pytest.fixture
def compiled(app: Microframe, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources ``app.jinja_env`` compiles, in order."""
    env = app.jinja_env
    sources: list[str] = []
    original = env.compile

    def counting_compile(source: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        sources.append(source)
        return original(source, *args, **kwargs)

    monkeypatch.setattr(env, "compile", counting_compile)
    return sources


def test_same_source_is_compiled_once(
    app: Microframe, app_ctx: None, compiled: list[str]
) -> None:
    source = "{{ n }}"
    assert [render_template_string(source, n=n) for n in range(3)] == ["0", "1", "2"]
    assert "".join(stream_template_string(source, n=3)) == "3"
    assert compiled == [source]


def test_cached_template_is_the_same_object(
    app: Microframe, app_ctx: None, record: Recorder
) -> None:
    calls = record(microframe.signals.template_rendered, app)
    render_template_string("{{ n }}", n=1)
    render_template_string("{{ n }}", n=2)
    render_template_string("{{ n }}!", n=3)
    first, second, other = (call[2] for call in calls)
    assert first is second
    assert other is not first


def test_string_cache_keeps_the_most_recent_sources(
    app: Microframe, app_ctx: None, compiled: list[str]
) -> None:
    sources = [f"{{{{ {n} }}}}" for n in range(129)]
    for source in sources:
        render_template_string(source)
    assert len(compiled) == 129
    render_template_string(sources[-1])  # still cached
    assert len(compiled) == 129
    render_template_string(sources[0])  # evicted by the 129th source
    assert compiled[-1] == sources[0]
    assert len(compiled) == 130


def test_cached_template_sees_filters_registered_later(
    app: Microframe, app_ctx: None, compiled: list[str]
) -> None:
    source = "{% if use %}{{ s|late }}{% else %}plain{% endif %}"
    assert render_template_string(source, use=False) == "plain"
    app.add_template_filter(str.upper, name="late")
    assert render_template_string(source, use=True, s="ab") == "AB"
    assert compiled == [source]


def test_compile_errors_are_not_cached(app: Microframe, app_ctx: None) -> None:
    with pytest.raises(jinja2.TemplateSyntaxError):
        render_template_string("{% if %}")
    with pytest.raises(jinja2.TemplateAssertionError):
        render_template_string("{{ 1|not_yet }}")
    app.add_template_filter(str, name="not_yet")
    assert render_template_string("{{ 1|not_yet }}") == "1"


def test_overlay_compiles_strings_with_its_own_options(
    app: Microframe, app_ctx: None
) -> None:
    env = app.jinja_env
    overlay = env.overlay(autoescape=False)
    assert isinstance(overlay, Environment)
    source = "{{ s }}"
    escaped = env._from_string_cached(source)
    raw = overlay._from_string_cached(source)
    assert raw is not escaped
    assert overlay._from_string_cached(source) is raw
    assert escaped.render(s="<a>") == "&lt;a&gt;"
    assert raw.render(s="<a>") == "<a>"


def test_render_template_string_accepts_a_parsed_template(kit: Kit) -> None:
    app = kit.make_app()
    with app.app_context():
        ast = app.jinja_env.parse("{{ 1 + n }}")
        assert kit.render_template_string(ast, n=1) == "2"


def test_string_rendering_matches_flask() -> None:
    sources = [
        ("{{ s }} {{ s|e }} {{ s|safe }}", {"s": "<x y='1'>"}),
        ("{% for i in items %}{{ loop.index }}={{ i }} {% endfor %}", {"items": "ab"}),
        ("{% set x = 1 %}{{ x + n }}{{ missing }}", {"n": 2}),
        ("{{ data|tojson }}", {"data": {"a": [1, "<b>"]}}),
    ]
    ours = MICROFRAME.make_app()
    theirs = FLASK.make_app()
    for source, context in sources:
        with ours.app_context():
            mine = render_template_string(source, **context)
        with theirs.app_context():
            expected = flask.render_template_string(source, **context)
        assert mine == expected


# --- streaming ----------------------------------------------------------------


def test_streamed_templates_keep_the_request_context(
    kit: Kit, record: Recorder
) -> None:
    app = kit.make_app()
    rendered = record(kit.template_rendered, app)

    @app.route("/file")
    def from_file() -> t.Any:
        return kit.stream_template("stream.html", items=[1, 2])

    @app.route("/string")
    def from_string() -> t.Any:
        return app.response_class(
            kit.stream_template_string(
                "{% for i in items %}{{ i }}{{ request.path }};{% endfor %}",
                items="ab",
            )
        )

    client = app.test_client()
    response = client.get("/file?q=x")
    assert response.is_streamed
    assert response.text == "1:x;2:x;"
    assert client.get("/string").text == "a/string;b/string;"
    assert [call[2].name for call in rendered] == ["stream.html", None]


def test_stream_is_lazy_and_signals_after_the_last_chunk(
    kit: Kit, record: Recorder
) -> None:
    app = kit.make_app()
    before = record(kit.before_render_template, app)
    after = record(kit.template_rendered, app)
    with app.app_context():
        stream = kit.stream_template_string(
            "{% for i in items %}{{ i }}{% endfor %}", items=[1, 2]
        )
        assert len(before) == 1 and after == []
        assert next(stream) == "1"
        assert after == []
        assert list(stream) == ["2"]
    assert len(after) == 1
    assert after[0][2] is before[0][2]


# --- other helpers ------------------------------------------------------------


def test_get_template_attribute(kit: Kit) -> None:
    app = kit.make_app()
    with app.app_context():
        hello = kit.get_template_attribute("_macros.html", "hello")
        assert hello("<World>") == "Hello &lt;World&gt;!"
        assert kit.get_template_attribute("_macros.html", "answer") == 42


@pytest.mark.parametrize(
    "function",
    [render_template, render_template_string, stream_template, stream_template_string],
)
def test_rendering_outside_an_app_context_explains_the_fix(
    function: t.Callable[..., t.Any],
) -> None:
    with pytest.raises(RuntimeError) as info:
        function("hello.txt")
    message = str(info.value)
    assert message.startswith(
        f"{function.__name__}() was called outside of an application context"
    )
    assert "with app.app_context():" in message


@pytest.mark.parametrize("name", ["render_template", "render_template_string"])
def test_flask_also_raises_runtime_error_outside_a_context(name: str) -> None:
    with pytest.raises(RuntimeError):
        getattr(FLASK, name)("hello.txt")


def test_environment_is_bound_to_the_app(app: Microframe) -> None:
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.app is app
    assert isinstance(env.loader, DispatchingJinjaLoader)
    assert env.loader.app is app

    loader = jinja2.DictLoader({"a.txt": "A"})
    custom = Environment(app, loader=loader)
    assert custom.loader is loader
    assert custom.get_template("a.txt").render() == "A"


# --- auto reload --------------------------------------------------------------


@pytest.mark.parametrize(
    ("debug", "setting", "reloads"),
    [
        (False, None, False),
        (True, None, True),
        (False, True, True),
        (True, False, False),
    ],
)
def test_templates_auto_reload_defaults_to_debug(
    kit: Kit, tmp_path: Path, debug: bool, setting: bool | None, reloads: bool
) -> None:
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.txt"
    page.write_text("old")
    app = kit.app_class("reload_app", root_path=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = setting
    app.debug = debug
    assert app.jinja_env.auto_reload is reloads
    with app.app_context():
        assert kit.render_template("page.txt") == "old"
        page.write_text("new")
        later = time.time() + 10
        os.utime(page, (later, later))
        assert kit.render_template("page.txt") == ("new" if reloads else "old")
