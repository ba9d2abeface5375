"""Finding the app under test from an import path: ``"package.module:create_app"``."""

from __future__ import annotations

import importlib
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from microframe import Microframe


class AppLoadError(RuntimeError):
    """The app named by ``microframe_app`` or ``--microframe-app`` did not load."""


def _is_missing(error: ImportError, module_name: str) -> bool:
    missing = error.name
    return isinstance(error, ModuleNotFoundError) and (
        missing is not None
        and (module_name == missing or module_name.startswith(f"{missing}."))
    )


def load_app(import_path: str, where: str) -> Microframe:
    """Import ``"module:name"`` and return the app, calling ``name`` if a factory.

    ``"module"`` alone finds the app as ``microframe run`` does (``app``,
    ``application``, the only app in the module, or ``create_app()``). ``where``
    says where the path was configured, for the error messages.
    """
    from microframe import Microframe

    module_name, _, name = import_path.strip().partition(":")
    hint = (
        f"Check {where}: it should be 'package.module:name', where name is the"
        " app or a function that returns it, for example 'myapp:create_app'."
    )
    if not module_name:
        raise AppLoadError(f"The app import path {import_path!r} has no module. {hint}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        if not _is_missing(e, module_name):
            raise AppLoadError(
                f"Importing {module_name!r} for the app ({where}) failed inside the"
                f" module: {type(e).__name__}: {e}"
            ) from e
        raise AppLoadError(
            f"Cannot import {module_name!r}, the app's module ({where}): there is no"
            " such module on sys.path. Install your project (pip install -e .) or"
            " set pythonpath in the pytest configuration. " + hint
        ) from None
    if not name:
        from microframe.cli import NoAppException, find_best_app

        try:
            return find_best_app(module)
        except NoAppException as e:
            raise AppLoadError(f"{e.message} ({where})") from None
    try:
        target = getattr(module, name)
    except AttributeError:
        raise AppLoadError(
            f"Module {module_name!r} has no attribute {name!r} ({where}). " + hint
        ) from None
    app = target
    if not isinstance(target, Microframe) and callable(target):
        try:
            app = target()
        except Exception as e:
            raise AppLoadError(
                f"The app factory {import_path!r} ({where}) raised"
                f" {type(e).__name__}: {e}"
            ) from e
    if not isinstance(app, Microframe):
        raise AppLoadError(
            f"{import_path!r} ({where}) gave {type(app).__name__} {app!r}, not a"
            " Microframe app. Point it at the app or at a function returning it."
        )
    return app
