"""Tests for microframe/cli/discovery.py: finding the app to load.

Import paths, files, factories and packages, and the errors that say what was
wrong and how to point at the app instead.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from microframe import Microframe
from microframe.cli import (
    NoAppException,
    ScriptInfo,
    find_best_app,
    locate_app,
    prepare_import,
)

APPS = Path(__file__).parent / "apps" / "cli"

pytestmark = pytest.mark.usefixtures("cli_isolation")


def load(import_path: str | None) -> Microframe:
    return ScriptInfo(app_import_path=import_path).load_app()


@pytest.mark.parametrize(
    ("import_path", "name"),
    [
        ("hello", "hello"),
        ("hello:app", "hello"),
        ("hello.py", "hello"),
        (str(APPS / "hello.py"), "hello"),
        (f"{APPS / 'hello.py'}:app", "hello"),
        ("application_name", "application_name"),
        ("single", "single"),
        ("factory", "factory"),
        ("factory:create_app", "factory"),
        ("factory:create_app('custom')", "custom"),
        ("factory:create_app(name='kw', testing=True)", "kw"),
        ("make_app_factory", "made"),
        ("factory_needs_args:create_app('needed')", "needed"),
        ("pkg", "pkg"),
        ("pkg.inner", "pkg.inner"),
        ("pkg/inner.py", "pkg.inner"),
        ("pkg/__init__.py", "pkg"),
    ],
)
def test_discovery(in_apps: Path, import_path: str, name: str) -> None:
    assert load(import_path).name == name


def test_factory_kwargs_reach_the_app(in_apps: Path) -> None:
    app = load("factory:create_app(name='kw', testing=True)")

    assert app.config["TESTING"] is True


def test_default_files_wsgi_before_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(APPS / "default_wsgi")
    assert load(None).name == "from_wsgi"


def test_default_file_app_py(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(APPS / "default_app")
    assert load(None).name == "from_app"


def test_nothing_to_discover(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(NoAppException) as exc_info:
        load(None)

    message = exc_info.value.format_message()
    assert "no '--app' option or MICROFRAME_APP" in message
    assert "'wsgi.py' or 'app.py'" in message
    assert repr(str(tmp_path)) in message
    assert "microframe --app module:name" in message


def test_error_no_app_in_module(in_apps: Path) -> None:
    with pytest.raises(NoAppException) as exc_info:
        load("no_app")

    message = exc_info.value.format_message()
    assert "Found no Microframe app in module 'no_app'" in message
    assert str(APPS / "no_app.py") in message
    assert "'app' or 'application'" in message
    assert "'create_app' or 'make_app'" in message
    assert "--app no_app:name" in message
    assert "MICROFRAME_APP=no_app:name" in message


def test_error_several_apps(in_apps: Path) -> None:
    with pytest.raises(NoAppException) as exc_info:
        load("multiple")

    message = exc_info.value.format_message()
    assert "several Microframe apps in module 'multiple' ('first', 'second')" in (
        message
    )
    assert "--app multiple:first" in message
    assert load("multiple:second").name == "second"


def test_error_factory_needs_arguments(in_apps: Path) -> None:
    with pytest.raises(NoAppException) as exc_info:
        load("factory_needs_args")

    message = exc_info.value.format_message()
    assert "factory 'create_app' in module 'factory_needs_args'" in message
    assert "cannot be called without arguments" in message
    assert "factory_needs_args:create_app(...)" in message


def test_type_error_inside_factory_propagates(in_apps: Path) -> None:
    with pytest.raises(TypeError, match="bug of its own"):
        load("factory_raises")

    with pytest.raises(TypeError, match="bug of its own"):
        load("factory_raises:create_app()")


def test_factory_returning_something_else(in_apps: Path) -> None:
    with pytest.raises(NoAppException, match="Found no Microframe app"):
        load("factory_returns_none")

    with pytest.raises(NoAppException, match="gave str 'still not an app'"):
        load("not_an_app:create_app()")


def test_error_named_object_is_not_an_app(in_apps: Path) -> None:
    with pytest.raises(NoAppException) as exc_info:
        load("not_an_app:app")

    message = exc_info.value.format_message()
    assert "'not_an_app:app' gave str 'not an app', not a Microframe app" in message


def test_error_missing_attribute(in_apps: Path) -> None:
    with pytest.raises(NoAppException) as exc_info:
        load("hello:nope")

    message = exc_info.value.format_message()
    assert "Module 'hello'" in message
    assert "has no attribute 'nope'" in message
    assert "'hello:nope'" in message


@pytest.mark.parametrize(
    ("app_name", "expected"),
    [
        ("create_app(", "Could not parse 'create_app(' as a variable name"),
        ("1 + 2", "Could not parse '1 + 2'"),
        ("sub.attr", "Could not parse 'sub.attr'"),
        ("obj.create_app()", "must be a plain name defined in the module"),
        ("create_app(name)", "must be Python literals"),
        ("create_app(1, 2, 3)", "cannot be called as 'create_app(1, 2, 3)'"),
    ],
)
def test_error_bad_app_name(in_apps: Path, app_name: str, expected: str) -> None:
    with pytest.raises(NoAppException, match=re.escape(expected)):
        load(f"factory:{app_name}")


def test_error_module_not_found(in_apps: Path) -> None:
    with pytest.raises(NoAppException) as exc_info:
        load("does_not_exist_anywhere")

    message = exc_info.value.format_message()
    assert "Could not import 'does_not_exist_anywhere'" in message
    assert repr(str(APPS)) in message
    assert "--app module:name" in message


def test_error_module_in_missing_package(in_apps: Path) -> None:
    with pytest.raises(NoAppException, match=r"Could not import 'pkg\.missing'"):
        load("pkg.missing")


def test_error_import_error_inside_module(in_apps: Path) -> None:
    with pytest.raises(NoAppException) as exc_info:
        load("broken_import")

    message = exc_info.value.format_message()
    assert "module itself raised an ImportError" in message
    assert "microframe_missing_dependency" in message
    assert "Traceback" in message


def test_error_plain_import_error_inside_module(in_apps: Path) -> None:
    with pytest.raises(NoAppException, match="refuses to load"):
        load("broken_import_plain")


def test_locate_app_missing_module_can_return_none(in_apps: Path) -> None:
    assert locate_app("does_not_exist_anywhere", None, False) is None
    assert locate_app(prepare_import("hello.py"), "app").name == "hello"


def test_find_best_app_on_a_module_object() -> None:
    module = types.ModuleType("built")
    module.thing = Microframe("built")  # type: ignore[attr-defined]

    assert find_best_app(module) is module.thing


def test_prepare_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend("/not/first")
    assert prepare_import(str(APPS / "pkg" / "inner.py")) == "pkg.inner"
    assert sys.path[0] == str(APPS)
    assert prepare_import(str(APPS / "pkg")) == "pkg"
    assert prepare_import(str(APPS / "hello")) == "hello"
    assert sys.path.count(str(APPS)) == 1
