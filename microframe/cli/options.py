"""The options of the ``microframe`` group: ``--app``, ``--debug``, ``--env-file``
and ``--flask-alias``, each applied as soon as click parses it.
"""

from __future__ import annotations

import os
import typing as t

import click
from click.core import ParameterSource

from ..compat import FlaskAliasError, flask_alias_installed, install_flask_alias
from .discovery import NoAppException as NoAppException
from .discovery import find_app_by_string as find_app_by_string
from .discovery import find_best_app as find_best_app
from .discovery import locate_app as locate_app
from .discovery import prepare_import as prepare_import
from .envfiles import _load_flaskenv, load_dotenv
from .scripts import ScriptInfo

if t.TYPE_CHECKING:  # pragma: no cover
    pass


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value


# Eager, and listed before --help, so that --help can list the app's commands.
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The app or app factory to load, as 'module:name'. The module may be a"
        " dotted import path or a file path. The name may be left out when it is"
        " 'app', 'application', 'create_app' or 'make_app', and may be"
        " 'factory(args)' to pass literal arguments."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # Without the flag, leave MICROFRAME_DEBUG as the environment set it.
    source = ctx.get_parameter_source(param.name or "debug")

    if source in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return

    # An env var rather than ScriptInfo, so app factories can read it too.
    os.environ["MICROFRAME_DEBUG"] = "1" if value else "0"


_debug_option = click.Option(
    ["--debug/--no-debug"],
    help="Turn debug mode on or off.",
    expose_value=False,
    callback=_set_debug,
)


def _load_env_file(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> None:
    if value is not None:
        try:
            import dotenv  # noqa: F401
        except ImportError:
            raise click.BadParameter(
                f"cannot load {value!r} because python-dotenv is not installed."
                " Install it with 'pip install python-dotenv'.",
                ctx=ctx,
                param=param,
            ) from None

    load_defaults = ctx.ensure_object(ScriptInfo).load_dotenv_defaults

    if value is not None or load_defaults:
        load_dotenv(value, load_defaults=load_defaults)


# Eager and first, so the variables it sets are seen by --app and --debug.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "Load environment variables from this file; they win over '.env' and"
        " '.microframeenv', but not over variables already set in the"
        " environment. Needs python-dotenv."
    ),
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)


def _set_flask_alias(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        try:
            install_flask_alias()
        except FlaskAliasError as e:
            raise click.BadParameter(str(e), ctx=ctx, param=param) from None

    # Installed here or by the program that runs this command line.
    if not flask_alias_installed():
        return

    if ctx.ensure_object(ScriptInfo).load_dotenv_defaults:
        _load_flaskenv()

    # Flask's variables, where microframe's own are not set.
    for name in ("APP", "DEBUG"):
        flask_value = os.environ.get(f"FLASK_{name}")

        if flask_value is not None:
            os.environ.setdefault(f"MICROFRAME_{name}", flask_value)


def _refuse_flask_command(ctx: click.Context, name: str) -> None:
    """Say how to get ``name`` if a Flask extension provides it."""
    from importlib.metadata import entry_points

    for entry_point in entry_points(group="flask.commands", name=name):
        raise click.UsageError(
            f"No such command {name!r}. A Flask extension provides it (the"
            f" 'flask.commands' entry point {entry_point.value!r}), and Flask"
            " extensions need the Flask alias: run 'microframe --flask-alias"
            f" {name} ...' or set MICROFRAME_FLASK_ALIAS=1.",
            ctx,
        )


# Eager and after --env-file, so MICROFRAME_FLASK_ALIAS may come from a file,
# and before --app, which then sees FLASK_APP.
_flask_alias_option = click.Option(
    ["--flask-alias"],
    is_flag=True,
    help=(
        "Make 'import flask' resolve to microframe before the app is loaded, so"
        " Flask extensions work; also add 'flask.commands' entry points and read"
        " FLASK_APP, FLASK_DEBUG and '.flaskenv'. Process-wide; see"
        " microframe.compat.install_flask_alias."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_flask_alias,
)
