"""Reading ``.microframeenv``, ``.env`` (and ``.flaskenv``) with python-dotenv."""

from __future__ import annotations

import os
import typing as t

import click

from .discovery import NoAppException as NoAppException
from .discovery import find_app_by_string as find_app_by_string
from .discovery import find_best_app as find_best_app
from .discovery import locate_app as locate_app
from .discovery import prepare_import as prepare_import

if t.TYPE_CHECKING:  # pragma: no cover
    pass


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def load_dotenv(
    path: str | os.PathLike[str] | None = None, load_defaults: bool = True
) -> bool:
    """Set environment variables from dotenv files; return whether any were read.

    ``.microframeenv`` and ``.env`` are searched from the current directory
    upwards when ``load_defaults`` is true. Priority, highest first: variables
    already in the environment (never overwritten), the file at ``path``,
    ``.env``, ``.microframeenv``.

    Needs python-dotenv; without it nothing is loaded, ``False`` is
    returned, and a tip to install it is printed if such files exist.
    """
    try:
        import dotenv
    except ImportError:
        defaults = [name for name in (".env", ".microframeenv") if os.path.isfile(name)]

        if path or defaults:
            files = [os.fspath(path)] if path else defaults
            found = ", ".join(repr(name) for name in files)
            click.secho(
                f" * Tip: {found} not loaded because python-dotenv is not"
                " installed. Install it with 'pip install python-dotenv'.",
                fg="yellow",
                err=True,
            )

        return False

    data: dict[str, str | None] = {}

    if load_defaults:
        for name in (".microframeenv", ".env"):
            found_path = dotenv.find_dotenv(name, usecwd=True)

            if found_path:
                data.update(dotenv.dotenv_values(found_path, encoding="utf-8"))

    if path is not None and os.path.isfile(path):
        data.update(dotenv.dotenv_values(path, encoding="utf-8"))

    for key, value in data.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value

    return bool(data)


def _load_flaskenv() -> None:
    """Set variables from the nearest ``.flaskenv`` that are not set yet."""
    try:
        import dotenv
    except ImportError:
        if os.path.isfile(".flaskenv"):
            click.secho(
                " * Tip: '.flaskenv' not loaded because python-dotenv is not"
                " installed. Install it with 'pip install python-dotenv'.",
                fg="yellow",
                err=True,
            )
        return

    path = dotenv.find_dotenv(".flaskenv", usecwd=True)

    if path:
        dotenv.load_dotenv(path, override=False, encoding="utf-8")
