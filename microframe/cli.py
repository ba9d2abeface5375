"""The ``microframe`` command line: ``run``, ``shell``, ``routes`` and groups.

``microframe --app hello run`` imports ``hello``, finds the app in it (see
``microframe.discovery``) and serves it; ``app.cli`` and blueprint ``cli``
groups add the project's own commands. Only this module and discovery import
:mod:`click`; the app imports them lazily so that importing microframe stays
cheap.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
import typing as t
from functools import update_wrapper

import click
from click.core import ParameterSource

from .compat import FlaskAliasError, flask_alias_installed, install_flask_alias
from .discovery import _DEFAULT_FILES, _HOW_TO_POINT, _active_app, _quoted_or
from .discovery import NoAppException as NoAppException
from .discovery import find_app_by_string as find_app_by_string
from .discovery import find_best_app as find_best_app
from .discovery import locate_app as locate_app
from .discovery import prepare_import as prepare_import
from .globals import current_app
from .helpers import get_debug_flag, get_load_dotenv

if t.TYPE_CHECKING:  # pragma: no cover
    import ssl
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .app import Microframe


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def get_version(ctx: click.Context, param: click.Parameter, value: t.Any) -> None:
    """Print the Python, microframe and Werkzeug versions and exit (``--version``)."""
    if not value or ctx.resilient_parsing:
        return

    import importlib.metadata
    import platform

    click.echo(
        f"Python {platform.python_version()}\n"
        f"Microframe {importlib.metadata.version('microframe')}\n"
        f"Werkzeug {importlib.metadata.version('werkzeug')}",
        color=ctx.color,
    )
    ctx.exit()


version_option = click.Option(
    ["--version"],
    help="Show the microframe version.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


def _split_import_path(value: str) -> tuple[str, str | None]:
    """Split ``'module:name'``; a colon before a slash (``C:\\``) is a drive."""
    match = re.search(r":(?![\\/])", value)

    if match is None:
        return value, None

    return value[: match.start()], value[match.end() :]


class ScriptInfo:
    """What the command line knows about the app to load, and the loaded app.

    :class:`MicroframeGroup` makes one and passes it to commands as the click
    context object (use :data:`pass_script_info` to receive it). Make one
    yourself to drive commands from a script or a test.

    :param app_import_path: ``'module:name'`` or a file path; ``None`` looks
        for ``wsgi.py`` or ``app.py`` in the current directory.
    :param create_app: a function returning the app; wins over the path.
    :param set_debug_flag: set ``app.debug`` from ``MICROFRAME_DEBUG``.
    :param load_dotenv_defaults: whether the default ``.env`` and
        ``.microframeenv`` files should be loaded (ScriptInfo only records it;
        ``MICROFRAME_SKIP_DOTENV`` can turn it off).
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Microframe] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        #: Free-form data to share between commands.
        self.data: dict[t.Any, t.Any] = {}
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Microframe | None = None

    def load_app(self) -> Microframe:
        """Return the app, finding and loading it on the first call only."""
        if self._loaded_app is not None:
            return self._loaded_app

        app: Microframe | None

        if self.create_app is not None:
            app = self.create_app()

            if app is None:
                raise NoAppException(
                    f"The create_app function {self.create_app!r} returned None."
                    " It must return the Microframe app, for example end it with"
                    " 'return app'."
                )
        elif self.app_import_path:
            path, name = _split_import_path(self.app_import_path)
            app = locate_app(prepare_import(path), name)
        else:
            app = None

            for filename in _DEFAULT_FILES:
                app = locate_app(prepare_import(filename), None, False)

                if app is not None:
                    break

        if app is None:
            raise NoAppException(
                "Could not locate a microframe app: no '--app' option or"
                " MICROFRAME_APP environment variable was given, and there is no"
                f" {_quoted_or(_DEFAULT_FILES)} in the current"
                f" directory {os.getcwd()!r}. "
                + _HOW_TO_POINT.format(target="module:name")
            )

        if self.set_debug_flag:
            app.debug = get_debug_flag()

        self._loaded_app = app
        return app


#: Decorator passing the current :class:`ScriptInfo` as the first argument.
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run a click command callback inside the app's application context.

    The app is loaded through the :class:`ScriptInfo` when no app context is
    active yet; the context stays pushed until the command (including its
    subcommands) finishes. Commands on ``app.cli`` and blueprint groups get
    this automatically.
    """

    def in_app_context(*args: t.Any, **kwargs: t.Any) -> t.Any:
        _enter_app_context(click.get_current_context())
        return f(*args, **kwargs)

    return update_wrapper(in_app_context, f)  # type: ignore[return-value]


def _enter_app_context(ctx: click.Context, app: Microframe | None = None) -> None:
    """Push ``app``'s context (default: the ScriptInfo's app) until ``ctx`` ends.

    Nothing is pushed when that app's context is already the active one, or,
    without ``app``, when any app context is active.
    """
    active = _active_app()

    if app is None:
        if active is not None:
            return
        app = ctx.ensure_object(ScriptInfo).load_app()

    if active is not app:
        ctx.with_resource(app.app_context())


class AppGroup(click.Group):
    """A click group whose commands run inside the app context.

    :meth:`command` wraps callbacks in :func:`with_appcontext` (pass
    ``with_appcontext=False`` to opt out) and :meth:`group` makes
    :class:`AppGroup` subgroups. ``app.cli`` is one of these.
    """

    @t.overload
    def command(self, __func: t.Callable[..., t.Any]) -> click.Command: ...

    @t.overload
    def command(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Command]: ...

    def command(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Command] | click.Command:
        """Register a command like :meth:`click.Group.command`, in the app context.

        Works with or without parentheses. ``with_appcontext=False`` leaves the
        callback unwrapped.
        """
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)

            command: click.Command = super(AppGroup, self).command(*args, **kwargs)(f)
            return command

        if len(args) == 1 and not kwargs and callable(args[0]):
            return self.command()(args[0])

        return decorator

    @t.overload
    def group(self, __func: t.Callable[..., t.Any]) -> click.Group: ...

    @t.overload
    def group(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Group]: ...

    def group(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Group] | click.Group:
        """Register a subgroup like :meth:`click.Group.group`, as an AppGroup.

        Works with or without parentheses; pass ``cls`` for another class.
        """
        if len(args) == 1 and not kwargs and callable(args[0]):
            return self.group()(args[0])

        kwargs.setdefault("cls", AppGroup)
        group: click.Group = super().group(*args, **kwargs)
        return group


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


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """Print the app name and debug mode, once (not again in the reloader)."""
    from werkzeug.serving import is_running_from_reloader

    lines = [
        *(
            []
            if app_import_path is None
            else [f"Serving Microframe app '{app_import_path}'"]
        ),
        *([] if debug is None else [f"Debug mode: {'on' if debug else 'off'}"]),
    ]

    # The reloader's child process would repeat what its parent printed.
    if lines and not is_running_from_reloader():
        click.echo("\n".join(f" * {line}" for line in lines))


class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """Type of ``run --cert``: a certificate file, ``'adhoc'``, or an SSLContext.

    An SSLContext is given as an import path such as ``'mymod:context'``.
    """

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        """Return a resolved file path, ``'adhoc'``, or an ``ssl.SSLContext``."""
        try:
            import ssl
        except ImportError:  # pragma: no cover - Python built without ssl
            raise click.BadParameter(
                "'--cert' needs Python built with the ssl module.", ctx, param
            ) from None

        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            text = click.STRING(value, param, ctx).lower()

        if text == "adhoc":
            from importlib.util import find_spec

            if find_spec("cryptography") is None:
                raise click.BadParameter(
                    "'--cert adhoc' makes a throwaway certificate, which needs the"
                    " cryptography library. Install it with 'pip install"
                    " cryptography'.",
                    ctx,
                    param,
                )

            return text

        from werkzeug.utils import import_string

        obj = import_string(value, silent=True)

        if isinstance(obj, ssl.SSLContext):
            return obj

        raise click.BadParameter(
            f"{value!r} is not an existing file, 'adhoc', or the import path of an"
            " ssl.SSLContext object. Pass '--cert cert.pem --key key.pem', '--cert"
            " adhoc', or '--cert module:context'.",
            ctx,
            param,
        )


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """Check ``--key`` against ``--cert``; pair them as ``(cert, key)``."""
    import ssl

    cert = ctx.params.get("cert")
    is_adhoc = cert == "adhoc"
    is_context = isinstance(cert, ssl.SSLContext)

    if value is not None:
        if is_adhoc or is_context:
            kind = "'adhoc'" if is_adhoc else "an SSLContext"
            raise click.BadParameter(
                f"'--key' is not used when '--cert' is {kind}; remove '--key'.",
                ctx,
                param,
            )

        if not cert:
            raise click.BadParameter(
                "'--key' needs '--cert' too; add '--cert <certificate file>'.",
                ctx,
                param,
            )

        ctx.params["cert"] = cert, value
    elif cert and not (is_adhoc or is_context):
        raise click.BadParameter(
            f"'--cert {cert}' is a file, so the private key is needed too; add"
            " '--key <key file>'.",
            ctx,
            param,
        )

    return value


class SeparatedPathType(click.Path):
    """A :class:`click.Path` taking several paths joined by :data:`os.pathsep`.

    Each path is checked like a single ``click.Path`` value; the result is a
    list.
    """

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        """Split ``value`` on :data:`os.pathsep` and convert each part."""
        convert_one = super().convert
        return [
            convert_one(item, param, ctx) for item in self.split_envvar_value(value)
        ]


def _failing_app(error: Exception) -> WSGIApplication:
    """A WSGI app that raises ``error`` for every request."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise error from None

    return app


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, help="The port to bind to.")
@click.option(
    "--cert",
    type=CertParamType(),
    help="Serve HTTPS with this certificate file ('adhoc' or an SSLContext import).",
    is_eager=True,
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The private key file that goes with '--cert'.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart the server when code changes. On by default in debug mode.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Show the interactive debugger on errors. On by default in debug mode.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Handle each request in its own thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=(
        "More files whose changes restart the server, separated by"
        f" {os.path.pathsep!r}."
    ),
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=(
        "fnmatch patterns of files whose changes do not restart the server,"
        f" separated by {os.path.pathsep!r}."
    ),
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Run the local development server.

    It is meant for development only: it is not hardened, tuned or kept
    stable like a production WSGI server. '--debug' turns on the reloader
    and the debugger.
    """
    from werkzeug import serving

    app: WSGIApplication

    try:
        app = info.load_app()
    except Exception as e:
        if not serving.is_running_from_reloader():
            raise

        # In the reloader, show the error now but keep the server up and
        # raise it per request, so fixing the code recovers without a restart.
        traceback.print_exc()
        app = _failing_app(e)

    debug = get_debug_flag()
    show_server_banner(debug, info.app_import_path)
    serving.run_simple(
        host,
        port,
        app,
        use_reloader=debug if reload is None else reload,
        use_debugger=debug if debugger is None else debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


run_command.params.insert(0, _debug_option)


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell inside the app's context.

    The namespace holds 'app', 'g' and whatever the app's shell context
    processors add. PYTHONSTARTUP is run first, as in the plain interpreter.
    """
    import code

    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {current_app.import_name}\n"
        f"Instance: {current_app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")

    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as f:
            exec(compile(f.read(), startup, "exec"), namespace)

    namespace.update(current_app.make_shell_context())
    # Set by site or a startup script to prepare interactive use (readline
    # history and completion by default).
    interactive_hook = getattr(sys, "__interactivehook__", None)

    if interactive_hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            # Complete names from the shell namespace, not from __main__.
            readline.set_completer(Completer(namespace).complete)

        interactive_hook()

    code.interact(banner=banner, local=namespace)


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help=(
        "How to order the routes. 'match' is the order in which microframe tries"
        " them for a request."
    ),
)
@click.option("--all-methods", is_flag=True, help="Include HEAD and OPTIONS.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every registered route with its endpoint and methods."""
    url_map = current_app.url_map
    rules = list(url_map.iter_rules())

    if not rules:
        click.echo("No routes were registered.")
        return

    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    by_host = url_map.host_matching
    domains = [(rule.host if by_host else rule.subdomain) or "" for rule in rules]
    has_domain = any(domains)
    headers = ["Endpoint", "Methods"]
    sort_keys = ["endpoint", "methods"]

    if has_domain:
        headers.append("Host" if by_host else "Subdomain")
        sort_keys.append("domain")

    headers.append("Rule")
    sort_keys.append("rule")
    rows = []

    for rule, domain in zip(rules, domains, strict=True):
        methods = ", ".join(sorted((rule.methods or set()) - hidden))
        domain_column = [domain] if has_domain else []
        rows.append([rule.endpoint, methods, *domain_column, rule.rule])

    # 'match' (and 'domain' without a domain column) keeps the map's order.
    if sort in sort_keys:
        column = sort_keys.index(sort)
        rows.sort(key=lambda row: row[column])

    widths = [
        max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)
    ]
    template = "  ".join(f"{{{i}:<{width}}}" for i, width in enumerate(widths))

    for row in [headers, ["-" * width for width in widths], *rows]:
        click.echo(template.format(*row))


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
