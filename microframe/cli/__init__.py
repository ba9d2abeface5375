"""The ``microframe`` command line: ``run``, ``shell``, ``routes`` and groups.

``microframe --app hello run`` imports ``hello``, finds the app in it (see
``microframe.cli.discovery``) and serves it; ``app.cli`` and blueprint ``cli``
groups add the project's own commands. Only this module and discovery import
:mod:`click`; the app imports them lazily so that importing microframe stays
cheap.
"""

from __future__ import annotations

import os
import traceback
import typing as t

import click

from ..compat import flask_alias_installed
from .commands import CertParamType as CertParamType
from .commands import SeparatedPathType as SeparatedPathType
from .commands import routes_command as routes_command
from .commands import run_command as run_command
from .commands import shell_command as shell_command
from .commands import show_server_banner as show_server_banner
from .discovery import NoAppException as NoAppException
from .discovery import find_app_by_string as find_app_by_string
from .discovery import find_best_app as find_best_app
from .discovery import locate_app as locate_app
from .discovery import prepare_import as prepare_import
from .envfiles import load_dotenv as load_dotenv
from .options import (
    _app_option,
    _debug_option,
    _env_file_option,
    _flask_alias_option,
    _refuse_flask_command,
)
from .scripts import AppGroup as AppGroup
from .scripts import ScriptInfo as ScriptInfo
from .scripts import _enter_app_context
from .scripts import get_version as get_version
from .scripts import pass_script_info as pass_script_info
from .scripts import version_option as version_option
from .scripts import with_appcontext as with_appcontext

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Microframe


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class MicroframeGroup(AppGroup):
    """The ``microframe`` command group: app options plus the app's commands.

    It adds ``--env-file``, ``--flask-alias``, ``--app``,
    ``--debug/--no-debug`` and ``--version``, the ``run``, ``shell`` and
    ``routes`` commands, commands from the ``microframe.commands`` entry point
    group, and the commands on the loaded app's ``app.cli``. Options read
    ``MICROFRAME_*`` environment variables (``MICROFRAME_APP``,
    ``MICROFRAME_DEBUG``, ``MICROFRAME_FLASK_ALIAS``, ...).

    With the Flask alias on (``--flask-alias``, or
    :func:`microframe.compat.install_flask_alias` called before), it also adds
    the ``flask.commands`` entry points of Flask extensions, reads
    ``.flaskenv`` after the other dotenv files, and takes ``FLASK_APP`` and
    ``FLASK_DEBUG`` where ``MICROFRAME_APP`` and ``MICROFRAME_DEBUG`` are unset.

    :param add_default_commands: add ``run``, ``shell`` and ``routes``.
    :param create_app: a function returning the app, instead of discovery.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load the default ``.env`` and ``.microframeenv``
        files, searched from the current directory upwards.
    :param set_debug_flag: set ``app.debug`` from ``MICROFRAME_DEBUG``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., Microframe] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        # Options do their work in callbacks, so a custom group callback
        # keeps them working.
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        params.extend(
            (_env_file_option, _flask_alias_option, _app_option, _debug_option)
        )

        if add_version_option:
            params.append(version_option)

        context_settings = dict(extra.pop("context_settings", None) or {})
        context_settings.setdefault("auto_envvar_prefix", "MICROFRAME")
        super().__init__(params=params, context_settings=context_settings, **extra)

        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag

        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)

        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return

        from importlib.metadata import entry_points

        # Flask extensions' commands (Flask-Migrate's 'db', ...) import flask,
        # so they only work with the alias; microframe's own win a clash.
        groups = ["microframe.commands"]

        if flask_alias_installed():
            groups.insert(0, "flask.commands")

        for group in groups:
            for entry_point in entry_points(group=group):
                self.add_command(entry_point.load(), entry_point.name)

        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Find a built-in or plugin command, else one on the app's ``cli``.

        Built-in commands work even when the app cannot be loaded; otherwise
        the load error is printed and ``None`` returned. The app context is
        pushed for the app's commands and their parameter callbacks.
        """
        self._load_plugin_commands()
        command = super().get_command(ctx, name)

        if command is not None:
            return command

        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None

        _enter_app_context(ctx, app)
        command = app.cli.get_command(ctx, name)

        if command is None and not flask_alias_installed():
            _refuse_flask_command(ctx, name)

        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List built-in, plugin and app commands, reporting app load errors."""
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))

        try:
            names.update(
                ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx)
            )
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")

        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        """Make the click context, with a :class:`ScriptInfo` as its object.

        Also sets ``MICROFRAME_RUN_FROM_CLI=true`` so a stray ``app.run()`` at
        module level does not start a server while the app is being imported.
        """
        os.environ["MICROFRAME_RUN_FROM_CLI"] = "true"

        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )

        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse arguments; process env file and app first when only help shows.

        Help triggered by no arguments bypasses eager options, and the app's
        commands would be missing from it without this.
        """
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            _env_file_option.handle_parse_result(ctx, {}, [])
            _flask_alias_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])

        try:
            return super().parse_args(ctx, args)
        except Exception:
            # click drops a context whose parsing fails (usage errors, help
            # shown for no arguments) without closing it; close it here so an
            # app context pushed while listing commands is popped again.
            ctx.close()
            raise


cli = MicroframeGroup(
    name="microframe",
    help="""\
Run and manage microframe apps.

Say which app to load with the '--app' option or the 'MICROFRAME_APP'
environment variable, or keep it in a 'wsgi.py' or 'app.py' file in the
current directory.
""",
)


def main() -> None:
    """Run the ``microframe`` command line (the console script entry point)."""
    cli.main()
