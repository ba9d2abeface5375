"""Finding the app: what ``--app`` / ``MICROFRAME_APP`` point at, and errors.

``module``, ``module:name``, ``module:factory(args)``, a file path, or nothing
(``wsgi.py`` or ``app.py`` in the current folder). An app that cannot be found
raises :class:`NoAppException`, saying where it looked and how to point at it.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import traceback
import typing as t
from types import ModuleType

import click

from ..globals import _cv_app

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Microframe

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_APP_NAMES = ("app", "application")
_FACTORY_NAMES = ("create_app", "make_app")
_DEFAULT_FILES = ("wsgi.py", "app.py")
_HOW_TO_POINT = (
    "Point at the app with 'microframe --app {target} <command>' or"
    " 'export MICROFRAME_APP={target}'."
)


def _quoted_or(names: t.Iterable[str]) -> str:
    return " or ".join(repr(name) for name in names)


class NoAppException(click.UsageError):
    """The app to run could not be found, imported or created."""


def _microframe_class() -> type[Microframe]:
    from ..app import Microframe

    return Microframe


def _active_app() -> Microframe | None:
    app_ctx = _cv_app.get(None)
    return None if app_ctx is None else app_ctx.app


def _call_factory(
    factory: t.Callable[..., t.Any], args: t.Sequence[t.Any], kwargs: dict[str, t.Any]
) -> tuple[bool, t.Any]:
    """Call an app factory; ``(False, None)`` if the arguments do not fit it.

    Checking the signature first tells a wrong call apart from a ``TypeError``
    raised inside the factory, which is left to propagate.
    """
    try:
        inspect.signature(factory).bind(*args, **kwargs)
    except TypeError:
        return False, None

    return True, factory(*args, **kwargs)


def find_best_app(module: ModuleType) -> Microframe:
    """Return the app an imported module provides, or raise NoAppException.

    Tried in order: a Microframe instance named ``app`` or ``application``;
    the only Microframe instance in the module; a function named
    ``create_app`` or ``make_app`` that returns one when called without
    arguments.
    """
    microframe_class = _microframe_class()
    mod = module.__name__

    for name in _APP_NAMES:
        app = getattr(module, name, None)

        if isinstance(app, microframe_class):
            return app

    found = {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, microframe_class)
    }
    # The same app bound to several names is still one app.
    distinct = {id(value): value for value in found.values()}

    if len(distinct) == 1:
        return next(iter(distinct.values()))

    if distinct:
        names = ", ".join(repr(name) for name in found)
        first = next(iter(found))
        raise NoAppException(
            f"Found several Microframe apps in module {mod!r} ({names}), so it is"
            " not clear which one to use. "
            + _HOW_TO_POINT.format(target=f"{mod}:{first}")
        )

    for name in _FACTORY_NAMES:
        factory = getattr(module, name, None)

        if not inspect.isfunction(factory):
            continue

        called, app = _call_factory(factory, (), {})

        if not called:
            raise NoAppException(
                f"Found the app factory {name!r} in module {mod!r}, but it cannot"
                " be called without arguments. Pass them in the import path, for"
                f" example 'microframe --app \"{mod}:{name}(...)\" <command>'."
            )

        if isinstance(app, microframe_class):
            return app

    raise NoAppException(
        f"Found no Microframe app in module {mod!r} (file {module.__file__!r}):"
        f" there is no Microframe instance named {_quoted_or(_APP_NAMES)},"
        " no other Microframe instance at module level, and no factory named"
        f" {_quoted_or(_FACTORY_NAMES)} returning one. "
        + _HOW_TO_POINT.format(target=f"{mod}:name")
    )


def _parse_app_name(app_name: str) -> tuple[str, list[t.Any], dict[str, t.Any]]:
    """Split ``'name'`` or ``'name(literal args)'`` into name, args and kwargs."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        expr = None

    if isinstance(expr, ast.Name):
        return expr.id, [], {}

    if not isinstance(expr, ast.Call):
        raise NoAppException(
            f"Could not parse {app_name!r} as a variable name or a factory call."
            " Write 'module:name' or 'module:factory(args)', for example"
            " 'hello:app' or \"hello:create_app('dev')\"."
        )

    if not isinstance(expr.func, ast.Name):
        raise NoAppException(
            f"The factory in {app_name!r} must be a plain name defined in the"
            " module, like 'create_app(...)', not an attribute or expression."
        )

    try:
        args = [ast.literal_eval(arg) for arg in expr.args]
        kwargs = {
            kw.arg: ast.literal_eval(kw.value)
            for kw in expr.keywords
            if kw.arg is not None
        }
    except ValueError:
        raise NoAppException(
            f"The arguments in {app_name!r} must be Python literals (strings,"
            " numbers, lists, dicts, True/False/None); variables and calls are not"
            " evaluated."
        ) from None

    return expr.func.id, args, kwargs


def find_app_by_string(module: ModuleType, app_name: str) -> Microframe:
    """Return the app named by ``app_name`` in ``module``, calling it if a factory.

    ``app_name`` is a variable name or a call such as ``create_app('dev')``
    whose arguments are literals (they are parsed, never evaluated).
    """
    microframe_class = _microframe_class()
    mod = module.__name__
    name, args, kwargs = _parse_app_name(app_name)

    try:
        attr = getattr(module, name)
    except AttributeError:
        raise NoAppException(
            f"Module {mod!r} (file {module.__file__!r}) has no attribute {name!r}."
            f" Check the name after the ':' in {f'{mod}:{app_name}'!r}."
        ) from None

    if inspect.isfunction(attr):
        called, app = _call_factory(attr, args, kwargs)

        if not called:
            raise NoAppException(
                f"The factory {name!r} in module {mod!r} cannot be called as"
                f" {app_name!r}: the arguments do not match its signature"
                f" {name}{inspect.signature(attr)}."
            )
    else:
        app = attr

    if isinstance(app, microframe_class):
        return app

    raise NoAppException(
        f"{f'{mod}:{app_name}'!r} gave {type(app).__name__} {app!r}, not a"
        " Microframe app. Point '--app' or MICROFRAME_APP at a Microframe"
        " instance or at a factory that returns one."
    )


def prepare_import(path: str) -> str:
    """Turn a file or package path into an importable module name.

    The folder above the outermost package is put first on :data:`sys.path`
    so the import finds it; ``'src/pkg/mod.py'`` with ``src/pkg/__init__.py``
    gives ``'pkg.mod'``.
    """
    path = os.path.realpath(path)
    stem, ext = os.path.splitext(path)

    if ext == ".py":
        path = stem

    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts: list[str] = []

    while True:
        path, part = os.path.split(path)
        parts.append(part)

        if not os.path.isfile(os.path.join(path, "__init__.py")):
            break

    if sys.path[0] != path:
        sys.path.insert(0, path)

    return ".".join(reversed(parts))


def _is_missing_module(exc: ImportError, module_name: str) -> bool:
    """Whether ``exc`` says ``module_name`` (or a parent package) does not exist."""
    missing = exc.name

    if not isinstance(exc, ModuleNotFoundError) or missing is None:
        return False

    return module_name == missing or module_name.startswith(f"{missing}.")


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Microframe: ...


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = ...
) -> Microframe | None: ...


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Microframe | None:
    """Import ``module_name`` and return the app in it, named or discovered.

    When the module does not exist, raise NoAppException, or return ``None``
    if ``raise_if_not_found`` is false. An ImportError raised by the module's
    own code is always reported, with its traceback.
    """
    try:
        __import__(module_name)
    except ImportError as e:
        if not _is_missing_module(e, module_name):
            raise NoAppException(
                f"Importing {module_name!r} failed because the module itself"
                f" raised an ImportError:\n\n{traceback.format_exc()}"
            ) from None

        if not raise_if_not_found:
            return None

        raise NoAppException(
            f"Could not import {module_name!r}: no such module on sys.path (the"
            f" current directory is {os.getcwd()!r}). Check the spelling, run the"
            " command from the folder that contains it, or give a file path. "
            + _HOW_TO_POINT.format(target="module:name")
        ) from None

    module = sys.modules[module_name]

    if app_name is None:
        return find_best_app(module)

    return find_app_by_string(module, app_name)
