"""What a command needs from microframe: :class:`ScriptInfo` (which app to load),
:func:`with_appcontext`, and :class:`AppGroup` for an app's own commands.
"""

from __future__ import annotations

import os
import re
import typing as t
from functools import update_wrapper

import click

from ..helpers import get_debug_flag, get_load_dotenv
from .discovery import _DEFAULT_FILES, _HOW_TO_POINT, _active_app, _quoted_or
from .discovery import NoAppException as NoAppException
from .discovery import find_app_by_string as find_app_by_string
from .discovery import find_best_app as find_best_app
from .discovery import locate_app as locate_app
from .discovery import prepare_import as prepare_import

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Microframe


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def get_version(ctx: click.Context, param: click.Parameter, value: t.Any) -> None:
    """Print the Python, microframe and Werkzeug versions and exit (``--version``)."""
    if not value or ctx.resilient_parsing:
        return

    import importlib.metadata
    import platform

    click.echo(
        f"Python {platform.python_version()}\n"
        f"Microframe {importlib.metadata.version('microframe-wsgi')}\n"
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
