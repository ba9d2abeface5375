"""Tests for the pytest plugin ``microframe``: fixtures, options, markers, reports.

Each test writes a small project with ``pytester`` and runs pytest on it, then
matches the outcome and the lines a user would read. Most runs are in process
(``runpytest``), so they count towards coverage; the xdist run and the import
cost check need a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import typing as t

# The real Flask, imported so that the alias option is refused in process.
import flask  # noqa: F401
import pytest

# Imported here once: an in-process run that imported requests first would
# have its modules removed afterwards, and a later run would mix old and new.
import requests  # noqa: F401

pytest_plugins = ["pytester"]

APP_MODULE = """
    import blinker
    from microframe import Microframe, flash, redirect, render_template_string

    order_placed = blinker.Namespace().signal("order-placed")

    def create_app():
        app = Microframe("myapp")
        app.config.update(SECRET_KEY="dev", GREETING="hello")

        @app.route("/hello/<name>")
        def hello(name):
            return render_template_string("Hi {{ name }}", name=name)

        @app.route("/save", methods=["POST"])
        def save():
            flash("Saved", "info")
            return redirect("/hello/again")

        @app.route("/order")
        def order():
            order_placed.send(app, number=1)
            return "ordered"

        @app.cli.command("greet")
        def greet():
            print("greetings from", app.name)

        return app

    app = create_app()
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester project with the app module ``myapp`` importable."""
    pytester.makepyfile(myapp=APP_MODULE)
    pytester.syspathinsert()
    return pytester


def ini(pytester: pytest.Pytester, **options: str) -> None:
    """Write ``options`` into the project's ``[pytest]`` section."""
    lines = "\n".join(f"{key} = {value}" for key, value in options.items())
    pytester.makeini(f"[pytest]\n{lines}\n")


# --- the app: the user's fixture, the ini option, the command line -------------------


def test_the_users_app_fixture_wins(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:no_such_thing")
    project.makeconftest(
        """
        import pytest
        from myapp import create_app

        @pytest.fixture
        def app():
            app = create_app()
            app.config["FROM"] = "conftest"
            return app
        """
    )
    project.makepyfile(
        """
        def test_app(app, client):
            assert app.config["FROM"] == "conftest"
            assert client.get("/hello/ada").exchange.endpoint == "hello"
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_client_keeps_the_apps_own_client_class(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import pytest
        from microframe.testing import MicroframeClient
        from myapp import create_app

        class HelpfulClient(MicroframeClient):
            runs = 0

            def greet(self, name):
                return self.get(f"/hello/{name}")

            def run_wsgi_app(self, environ, buffered=False):
                HelpfulClient.runs += 1
                return super().run_wsgi_app(environ, buffered)

        @pytest.fixture
        def app():
            app = create_app()
            app.test_client_class = HelpfulClient
            return app
        """
    )
    project.makepyfile(
        """
        from conftest import HelpfulClient
        from microframe_testing import RecordingClient

        def test_client(client):
            assert isinstance(client, HelpfulClient)
            assert isinstance(client, RecordingClient)
            assert type(client).__name__ == "RecordingHelpfulClient"
            assert client.greet("ada").exchange.endpoint == "hello"
            assert HelpfulClient.runs == 1
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_ini_configured_factory(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:create_app")
    project.makepyfile(
        """
        import microframe
        from microframe import current_app, request
        from microframe_testing import RecordingClient, assert_template_used

        seen = []

        def test_client(app, client):
            assert isinstance(client, RecordingClient)
            assert app.testing
            response = client.get("/hello/ada")
            assert_template_used(response, None)
            seen.append(app)

        def test_fresh_app_per_test(app):
            assert seen and app is not seen[0]
            assert not app.testing

        def test_runner(runner):
            result = runner.invoke(args=["greet"])
            assert result.output == "greetings from myapp\\n"

        def test_contexts(app_ctx, request_ctx, app):
            assert current_app.name == "myapp"
            assert request.path == "/"
            assert request_ctx.app is app_ctx.app is app
        """
    )
    project.runpytest().assert_outcomes(passed=4)


def test_command_line_option_wins_over_the_ini(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:missing")
    project.makepyfile(
        """
        def test_app(app):
            assert app.name == "myapp"
        """
    )
    project.runpytest("--microframe-app", "myapp:app").assert_outcomes(passed=1)


def test_module_path_finds_the_app(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        def test_app(app):
            import myapp
            assert app is myapp.app
        """
    )
    project.runpytest("--microframe-app", "myapp").assert_outcomes(passed=1)


def test_missing_app_shows_both_ways(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_needs_client(client):
            pass

        def test_needs_nothing():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_needs_client*",
            "No microframe app to test: test_missing_app_shows_both_ways.py::"
            "test_needs_client needs the 'app' fixture, but there is no 'app'"
            " fixture of yours and no microframe_app setting. Provide the app in"
            " one of two ways:",
            "  1. an 'app' fixture, in conftest.py:",
            "         @pytest.fixture",
            "         def app():",
            "             return create_app()",
            "  2. the import path of the app or of its factory, in pyproject.toml:",
            "         [[]tool.pytest.ini_options[]]",
            '         microframe_app = "yourpackage.app:create_app"',
            "*pytest --microframe-app yourpackage.app:create_app",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nosuchmodule:app", "Cannot import 'nosuchmodule', the app's module*"),
        ("myapp:nothing", "Module 'myapp' has no attribute 'nothing'*"),
        (
            "myapp:order_placed",
            "'myapp:order_placed' (microframe_app in tox.ini) gave*",
        ),
    ],
)
def test_app_that_does_not_load(
    project: pytest.Pytester, path: str, message: str
) -> None:
    ini(project, microframe_app=path)
    project.makepyfile(
        """
        def test_app(app):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_app*", message])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_app_factory_that_raises(project: pytest.Pytester) -> None:
    project.makepyfile(
        broken="""
        def create_app():
            raise LookupError("no database")
        """
    )
    ini(project, microframe_app="broken:create_app")
    project.makepyfile(
        """
        def test_app(app):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            '*raise LookupError("no database")',
            "E       LookupError: no database",
            "*The above exception was the direct cause of the following exception:*",
            "E   *AppLoadError: The app factory 'broken:create_app' (microframe_app"
            " in tox.ini) raised LookupError: no database",
        ]
    )


# --- config per test ------------------------------------------------------------------


def test_config_is_isolated_between_tests(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:app")
    project.makepyfile(
        test_a_marked="""
        import pytest

        pytestmark = pytest.mark.microframe_config(LEVEL="module", MODULE=True)

        @pytest.mark.microframe_config(LEVEL="test", DEBUG=True)
        def test_marker(app, client):
            assert app.config["LEVEL"] == "test"
            assert app.config["MODULE"] is True
            assert app.debug and app.testing

        def test_config_fixture(config, app):
            assert config is app.config
            assert config["LEVEL"] == "module"
            config["GREETING"] = "changed"
            config["NEW"] = 1

        class TestClassMark:
            pytestmark = pytest.mark.microframe_config(LEVEL="class")

            def test_class(self, config):
                assert config["LEVEL"] == "class"

        @pytest.mark.microframe_config(TESTING=False)
        def test_marker_wins_over_client(app, client):
            assert not app.testing
        """,
        test_b_after="""
        def test_nothing_leaked(app):
            config = app.config
            assert config["GREETING"] == "hello"
            assert "NEW" not in config and "LEVEL" not in config
            assert not config["DEBUG"] and not config["TESTING"]
        """,
    )
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=5)


def test_marker_applies_to_the_users_own_app_fixture(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import pytest
        import myapp

        @pytest.fixture
        def app():
            return myapp.app
        """
    )
    project.makepyfile(
        """
        import pytest

        @pytest.mark.microframe_config(GREETING="marked")
        def test_marked(app):
            assert app.config["GREETING"] == "marked"

        def test_after(app):
            assert app.config["GREETING"] == "hello"

        @pytest.mark.parametrize("n", [1, 2])
        @pytest.mark.microframe_config(GREETING="param")
        def test_parametrized(app, n):
            assert app.config["GREETING"] == "param"
        """
    )
    project.runpytest("--strict-markers").assert_outcomes(passed=4)


def test_marker_takes_keywords_only(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:create_app")
    project.makepyfile(
        """
        import pytest

        @pytest.mark.microframe_config({"DEBUG": True})
        def test_marked(config):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*TypeError: @pytest.mark.microframe_config takes config keys as keyword*"]
    )


# --- signals and the live server --------------------------------------------------


def test_signals_fixture_and_ini_signals(project: pytest.Pytester) -> None:
    ini(
        project,
        microframe_app="myapp:create_app",
        microframe_signals="\n    myapp:order_placed",
    )
    project.makepyfile(
        """
        from microframe import request_started

        def test_signals(client, signals, app):
            client.get("/order")
            signals.assert_sent(request_started, sender=app)
            calls = signals.assert_sent(
                signals.calls()[2].signal, count=1, number=1
            )
            assert calls[0].name == "order-placed"
            assert [c.name for c in client.last.signals] == ["order-placed"]
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_live_server_fixture(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:create_app")
    project.makepyfile(
        """
        ports = []

        def test_serves(live_server, app):
            response = live_server.session.get("/hello/ada")
            assert response.text == "Hi ada"
            assert live_server.url_for("hello", name="x").startswith(live_server.url)
            assert live_server.last.endpoint == "hello"
            assert live_server.app is app
            ports.append(live_server.port)

        def test_new_server_per_test(live_server):
            assert live_server.port != ports[0]
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_live_server_for_the_session(project: pytest.Pytester) -> None:
    ini(
        project,
        microframe_app="myapp:create_app",
        microframe_live_server_scope="session",
    )
    project.makepyfile(
        """
        seen = []

        def test_first(live_server, app):
            assert live_server.session.get("/hello/a").ok
            seen.append((live_server.port, app))

        def test_second(live_server, app):
            port, first_app = seen[0]
            assert live_server.port == port
            assert live_server.app is app is not first_app
            assert [ex.path for ex in live_server.history] == []
        """
    )
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_live_server_under_xdist(project: pytest.Pytester) -> None:
    import xdist  # noqa: F401 -- part of the test dependencies; fail if missing

    ini(
        project,
        microframe_app="myapp:create_app",
        microframe_live_server_scope="session",
    )
    project.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.parametrize("n", range(8))
        def test_port(live_server, n, tmp_path_factory):
            assert live_server.session.get("/hello/x").text == "Hi x"
            worker = os.environ["PYTEST_XDIST_WORKER"]
            out = tmp_path_factory.getbasetemp().parent.parent / "ports"
            out.mkdir(exist_ok=True)
            (out / f"{worker}-{n}").write_text(str(live_server.port))
        """
    )
    result = project.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=8)
    written = list((project.path).rglob("ports/gw*-*"))
    ports: dict[str, set[str]] = {}
    for path in written:
        worker = path.name.partition("-")[0]
        ports.setdefault(worker, set()).add(path.read_text())
    assert sorted(ports) == ["gw0", "gw1"], written
    assert all(len(used) == 1 for used in ports.values()), ports
    assert ports["gw0"] != ports["gw1"]


# --- reports -------------------------------------------------------------------------


def test_report_header(project: pytest.Pytester) -> None:
    project.makepyfile("def test_nothing(): pass")
    result = project.runpytest()
    result.stdout.fnmatch_lines(
        ["microframe: no microframe_app set; tests use their own 'app' fixture"]
    )
    ini(project, microframe_app="myapp:create_app")
    result = project.runpytest()
    result.stdout.fnmatch_lines(
        ["microframe: app 'myapp' from myapp:create_app (microframe_app in tox.ini)"]
    )
    result = project.runpytest("--microframe-app", "myapp:nope")
    result.stdout.fnmatch_lines(
        [
            "microframe: cannot load the app 'myapp:nope' (--microframe-app): Module"
            " 'myapp' has no attribute 'nope'*"
        ]
    )


def test_failure_shows_the_recorded_requests(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:create_app")
    project.makepyfile(
        """
        from microframe_testing import assert_template_used

        def test_wrong_template(client):
            client.post("/save", follow_redirects=True)
            response = client.get("/hello/ada")
            assert_template_used(response, "user.html")

        def test_plain_failure(client, live_server):
            live_server.session.get("/hello/bob")
            assert False, "boom"

        def test_passes(client):
            client.get("/hello/x")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_wrong_template _*",
            '>       assert_template_used(response, "user.html")',
            "E       AssertionError: expected template 'user.html' to be rendered but"
            " got <string> rendered",
            "E       What happened:",
            "E         GET /hello/ada -> 200 OK  endpoint='hello'"
            "  templates=[[]<string>[]]",
            "*- microframe: recorded requests -*",
            "client: 3 request(s)",
            "  POST /save -> 302 FOUND  endpoint='save'"
            "  flashes=[[]('info', 'Saved')[]]  location='/hello/again'",
            "  GET /hello/again -> 200 OK  endpoint='hello'  templates=[[]<string>[]]",
            "  GET /hello/ada -> 200 OK  endpoint='hello'  templates=[[]<string>[]]",
            "*_ test_plain_failure _*",
            "*- microframe: recorded requests -*",
            "client: no requests",
            "live_server http://127.0.0.1:*: 1 request(s)",
            "  GET /hello/bob -> 200 OK  endpoint='hello'  templates=[[]<string>[]]",
        ]
    )


def test_report_shows_the_last_few(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:create_app", microframe_report_exchanges="2")
    project.makepyfile(
        """
        def test_many(client):
            for n in range(4):
                client.get(f"/hello/{n}")
            assert False
        """
    )
    result = project.runpytest()
    result.stdout.fnmatch_lines(
        [
            "client: last 2 of 4 requests",
            "  GET /hello/2 -> 200 OK*",
            "  GET /hello/3 -> 200 OK*",
        ]
    )
    result.stdout.no_fnmatch_line("*GET /hello/1 *")


def test_report_can_be_turned_off(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:create_app", microframe_report_exchanges="0")
    project.makepyfile(
        """
        def test_many(client):
            client.get("/hello/1")
            assert False
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*recorded requests*")


def test_report_section_when_the_failure_has_no_traceback(
    project: pytest.Pytester,
) -> None:
    ini(project, microframe_app="myapp:create_app")
    project.makepyfile(
        """
        import pytest

        def test_fail(client):
            client.get("/hello/1")
            pytest.fail("plain", pytrace=False)
        """
    )
    result = project.runpytest()
    result.stdout.fnmatch_lines(
        ["*- microframe: recorded requests -*", "client: 1 request(s)"]
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "microframe_live_server_scope",
            "forever",
            "*'forever' is not a pytest scope*",
        ),
        ("microframe_report_exchanges", "many", "*'many' is not a number of requests*"),
        ("microframe_report_exchanges", "-1", "*'-1' is not a number of requests*"),
    ],
)
def test_bad_ini_values(
    pytester: pytest.Pytester, option: str, value: str, message: str
) -> None:
    ini(pytester, **{option: value})
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_help_lists_the_options_and_markers(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "microframe app testing:",
            "  --microframe-app=MODULE:NAME",
            "*microframe_app (string):*",
            "*microframe_live_server_scope (string):*",
            "*microframe_report_exchanges (string):*",
            "*microframe_signals (linelist):*",
        ]
    )
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.microframe_config(**values): *"])


def test_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_client(client): pass")
    result = pytester.runpytest("-p", "no:microframe")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'client' not found*"])


def test_importing_the_plugin_imports_no_microframe() -> None:
    code = textwrap.dedent(
        """
        import sys
        import pytest
        import microframe_testing.plugin
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in (
            "microframe", "werkzeug", "jinja2", "blinker"))
        print(loaded)
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_public_names() -> None:
    import microframe_testing

    assert microframe_testing.__all__ == [
        "AppLoadError",
        "Exchange",
        "History",
        "LiveServer",
        "RecordedRequest",
        "RecordedResponse",
        "RecordedTestResponse",
        "RecordingClient",
        "RenderedTemplate",
        "SignalCall",
        "SignalRecord",
        "assert_contains",
        "assert_flashed",
        "assert_json",
        "assert_not_sends",
        "assert_redirects",
        "assert_sends",
        "assert_status",
        "assert_template_not_used",
        "assert_template_used",
        "captured_signals",
    ]
    for name in microframe_testing.__all__:
        assert getattr(microframe_testing, name).__name__ == name
    assert set(microframe_testing.__all__) <= set(dir(microframe_testing))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        microframe_testing.nope  # noqa: B018


def test_report_of_a_strict_xpass(project: pytest.Pytester) -> None:
    ini(project, microframe_app="myapp:create_app")
    project.makepyfile(
        """
        import pytest

        @pytest.mark.xfail(strict=True)
        def test_xpass(client):
            client.get("/hello/1")
        """
    )
    result = project.runpytest("-rA")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*- microframe: recorded requests -*", "client: 1 request(s)"]
    )


# --- loading the app, in process ------------------------------------------------------


@pytest.fixture
def modules(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> t.Any:
    """A folder on sys.path for small app modules."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_load_app_errors(modules: t.Any) -> None:
    from microframe_testing import AppLoadError
    from microframe_testing.loading import load_app

    (modules / "broken_inside.py").write_text("import no_such_dependency\n")
    (modules / "empty_module.py").write_text("x = 1\n")
    (modules / "only_app.py").write_text(
        "from microframe import Microframe\nthe_app = Microframe('only')\n"
    )
    with pytest.raises(AppLoadError, match=r"has no module\. Check here"):
        load_app(":app", "here")
    with pytest.raises(AppLoadError, match="failed inside the module") as info:
        load_app("broken_inside:app", "here")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    with pytest.raises(AppLoadError, match=r"Found no Microframe app .* \(here\)$"):
        load_app("empty_module", "here")
    assert load_app("only_app", "here").name == "only"
    assert load_app("only_app:the_app", "here").name == "only"


def test_everything_but_the_fixtures_works_without_pytest() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["pytest"] = None  # as if pytest were not installed
        from microframe import Microframe, render_template_string
        from microframe_testing import (
            LiveServer, RecordingClient, assert_sends, assert_template_used,
        )
        from microframe.signals import template_rendered

        app = Microframe("plain")
        app.add_url_rule("/", "index", lambda: render_template_string("hi"))
        client = RecordingClient(app)
        with assert_sends(template_rendered):
            assert_template_used(client.get("/"), None)
        with LiveServer(app) as server:
            assert server.session.get("/").text == "hi"
        print(client.last.endpoint, server.last.endpoint)
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "index index"


# --- the Flask alias ------------------------------------------------------------------

FLASK_EXTENSION = """
    from flask import current_app, g, request

    class Greeter:
        def __init__(self, app=None):
            if app is not None:
                self.init_app(app)

        def init_app(self, app):
            app.extensions["greeter"] = self
            app.before_request(self.remember)

        def remember(self):
            g.greeting = f"hello from {current_app.name} at {request.path}"
"""


def test_flask_alias_option_installs_it_before_conftest(
    pytester: pytest.Pytester,
) -> None:
    ini(pytester, microframe_flask_alias="true")
    pytester.makepyfile(flask_greeter=FLASK_EXTENSION)
    pytester.syspathinsert()
    pytester.makeconftest(
        """
        import pytest
        from flask_greeter import Greeter
        from microframe import Microframe, g

        @pytest.fixture
        def app():
            app = Microframe("shop")
            Greeter(app)

            @app.route("/")
            def index():
                return g.greeting

            return app
        """
    )
    pytester.makepyfile(
        """
        import flask
        import microframe

        def test_flask_is_microframe():
            assert flask.Flask is microframe.Microframe

        def test_extension(client):
            assert client.get("/").text == "hello from shop at /"
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2)


def test_flask_alias_refused_after_flask_was_imported(
    pytester: pytest.Pytester,
) -> None:
    ini(pytester, microframe_flask_alias="true")
    pytester.makepyfile(flask_first="import flask\n")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("-p", "flask_first")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: microframe_flask_alias = true: Cannot install microframe's Flask"
            " alias: the real Flask is already imported ('flask' from '*'), by"
            " 'flask_first'. The alias makes 'import flask' mean microframe for the"
            " whole process, so it must come first: *"
        ]
    )


def test_flask_alias_refusal_in_process(pytester: pytest.Pytester) -> None:
    # This module imported the real Flask at the top.
    ini(pytester, microframe_flask_alias="true")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: microframe_flask_alias = true: Cannot install microframe's *"]
    )


def test_no_flask_alias_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import flask

        def test_real_flask():
            assert flask.Flask.__module__ == "flask.app"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
