"""Tests for ``microframe.compat``: the opt-in Flask alias.

This test process imports the real Flask (for the differential tests), so
the alias itself is tried in a fresh Python per test: each test runs a short
script and checks what it printed. The refusal is also checked here, where
Flask is imported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import flask
import pytest

from microframe.compat import (
    FLASK_COMPAT_VERSION,
    FlaskAliasError,
    flask_alias,
    flask_alias_installed,
    install_flask_alias,
)

SUBMODULES = [
    "flask.app",
    "flask.blueprints",
    "flask.cli",
    "flask.config",
    "flask.ctx",
    "flask.debughelpers",
    "flask.globals",
    "flask.helpers",
    "flask.json",
    "flask.json.provider",
    "flask.json.tag",
    "flask.logging",
    "flask.sansio.app",
    "flask.sansio.blueprints",
    "flask.sansio.scaffold",
    "flask.sessions",
    "flask.signals",
    "flask.templating",
    "flask.testing",
    "flask.typing",
    "flask.views",
    "flask.wrappers",
]


def run_python(
    script: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a new Python with warnings as errors."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    if check and result.returncode != 0:
        pytest.fail(f"the script failed:\n{result.stderr}")
    return result


def test_import_flask_gives_microframe() -> None:
    out = run_python("""
        import microframe
        from microframe.compat import install_flask_alias

        returned = install_flask_alias()
        import flask

        print(returned is flask, flask.Flask is microframe.Microframe)
        print(flask.__version__)
        print(flask.current_app is microframe.current_app, flask.g is microframe.g)
        from flask.testing import FlaskClient, FlaskCliRunner
        from flask.cli import FlaskGroup, ScriptInfo, AppGroup, with_appcontext
        from flask.views import http_method_funcs, MethodView
        from flask.sansio.app import App
        from flask.signals import _signals
        print(FlaskClient.__name__, FlaskCliRunner.__name__, FlaskGroup.__name__)
        print(sorted(http_method_funcs))
        print(App is microframe.Microframe, MethodView is microframe.views.MethodView)
    """).stdout.splitlines()

    assert out == [
        "True True",
        FLASK_COMPAT_VERSION,
        "True True",
        "MicroframeClient MicroframeCliRunner MicroframeGroup",
        "['delete', 'get', 'head', 'options', 'patch', 'post', 'put', 'trace']",
        "True True",
    ]


def test_every_submodule_resolves_to_microframe() -> None:
    out = run_python(f"""
        import importlib
        from microframe.compat import install_flask_alias

        install_flask_alias()
        import flask

        for name in {SUBMODULES!r}:
            module = importlib.import_module(name)
            attribute = flask
            for part in name.split(".")[1:]:
                attribute = getattr(attribute, part)
            print(name, attribute is module, module.__name__)
    """).stdout.splitlines()

    assert out == [f"{name} True {name_of(name)}" for name in SUBMODULES]


def name_of(flask_name: str) -> str:
    """The ``__name__`` of the module the alias gives for ``flask_name``."""
    renamed = {"flask.app", "flask.cli", "flask.signals", "flask.testing"}
    renamed |= {"flask.views", "flask.sansio.app"}
    if flask_name in renamed:
        return flask_name
    sources = {
        "flask.sansio.blueprints": "microframe.blueprints",
        "flask.sansio.scaffold": "microframe.scaffold",
    }
    return sources.get(flask_name, flask_name.replace("flask", "microframe", 1))


def test_forwarding_modules_follow_microframe() -> None:
    out = run_python("""
        from microframe.compat import install_flask_alias

        install_flask_alias()
        import flask, flask.cli, microframe, microframe.cli

        print(flask.cli.run_command is microframe.cli.run_command)
        print("FlaskGroup" in dir(flask.cli), "Flask" in flask.__all__)
        from flask import *
        print(Flask.__name__, render_template.__module__)
        try:
            flask.no_such_name
        except AttributeError as e:
            print(e)
        try:
            import flask.no_such_module
        except ImportError as e:
            print(e)
    """).stdout.splitlines()

    assert out == [
        "True",
        "True True",
        "Microframe microframe.templating",
        "module 'flask' (microframe's Flask alias for 'microframe') has no attribute"
        " 'no_such_name': microframe does not provide it. Import it from the real"
        " Flask in a process without the alias, or report it as missing from"
        " microframe.",
        "No module named 'flask.no_such_module'",
    ]


def test_install_is_idempotent() -> None:
    out = run_python("""
        import sys
        from microframe.compat import install_flask_alias, flask_alias_installed

        print(flask_alias_installed(), "flask" in sys.modules)
        first = install_flask_alias()
        modules = dict(sys.modules)
        second = install_flask_alias()
        print(first is second, dict(sys.modules) == modules, flask_alias_installed())

        del sys.modules["flask"]  # the submodules stay behind
        third = install_flask_alias()
        import flask, flask.views
        print(third is flask, flask.views.http_method_funcs is not None)
    """).stdout.splitlines()

    assert out == ["False False", "True True True", "True True"]


def test_uninstall_restores_the_real_flask() -> None:
    out = run_python("""
        import sys
        import microframe
        from microframe.compat import install_flask_alias, uninstall_flask_alias

        before = set(sys.modules)
        install_flask_alias()
        import flask.cli
        print(flask.Flask is microframe.Microframe)
        uninstall_flask_alias()
        print(sorted(name for name in sys.modules if name.startswith("flask")))
        uninstall_flask_alias()

        import flask
        print(flask.Flask is microframe.Microframe, flask.Flask.__module__)
    """).stdout.splitlines()

    assert out == ["True", "[]", "False flask.app"]


def test_context_manager() -> None:
    out = run_python("""
        import sys
        from microframe.compat import flask_alias, flask_alias_installed
        from microframe.compat import install_flask_alias

        with flask_alias() as flask:
            import flask as imported
            print(flask is imported, flask_alias_installed())
        print(flask_alias_installed(), "flask" in sys.modules)

        install_flask_alias()
        with flask_alias():
            pass
        print(flask_alias_installed())
    """).stdout.splitlines()

    assert out == ["True True", "False False", "True"]


def test_refuses_when_flask_was_imported_first(tmp_path: Path) -> None:
    (tmp_path / "host_app.py").write_text("from flask import Flask\n")

    result = run_python(
        """
        import host_app
        from microframe.compat import install_flask_alias

        install_flask_alias()
        """,
        cwd=tmp_path,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        "microframe.compat.FlaskAliasError: Cannot install microframe's Flask alias:"
        " the real Flask is already imported ('flask' from "
    )
    assert (
        "), by 'host_app'. The alias makes 'import flask' mean microframe for the"
        " whole process, so it must come first: call"
        " microframe.compat.install_flask_alias() before anything imports flask"
    ) in result.stderr


def test_refusal_in_this_process_names_an_importer() -> None:
    # This test module imported the real Flask at the top.
    with pytest.raises(FlaskAliasError) as info:
        install_flask_alias()

    message = str(info.value)
    assert f"('flask' from {flask.__file__!r}), by '" in message
    assert "A program that uses the real Flask must not use the alias." in message
    assert not flask_alias_installed()

    with pytest.raises(FlaskAliasError), flask_alias():
        pytest.fail("the block must not run")


EXTENSION = '''
"""A tiny third-party extension, written against Flask."""
from flask import current_app, g, request


class Visits:
    def __init__(self, app=None):
        self.closed = []
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        app.config.setdefault("VISITS_HEADER", "X-Visit")
        app.extensions["visits"] = self
        app.before_request(self._start)
        app.after_request(self._tag)
        app.teardown_appcontext(self._close)

    def _start(self):
        g.visit = f"{request.method} {request.path}"

    def _tag(self, response):
        header = current_app.config["VISITS_HEADER"]
        response.headers[header] = g.visit
        return response

    def _close(self, exc):
        self.closed.append(g.get("visit"))


def current_visit():
    return current_app.extensions["visits"], g.visit
'''


def test_extension_written_for_flask_works_on_microframe(tmp_path: Path) -> None:
    (tmp_path / "flask_visits.py").write_text(EXTENSION)

    out = run_python(
        """
        from microframe.compat import install_flask_alias

        install_flask_alias()
        from flask_visits import Visits, current_visit
        from microframe import Microframe

        app = Microframe("shop")
        app.config["VISITS_HEADER"] = "X-Seen"
        visits = Visits()
        visits.init_app(app)

        @app.route("/items/<int:n>")
        def item(n):
            ext, visit = current_visit()
            return f"{ext is visits} {visit} #{n}"

        response = app.test_client().get("/items/3")
        print(response.status_code, response.text, response.headers["X-Seen"])
        print(visits.closed)
    """,
        cwd=tmp_path,
    ).stdout.splitlines()

    assert out == ["200 True GET /items/3 #3 GET /items/3", "['GET /items/3']"]
