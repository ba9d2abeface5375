"""The built-in commands: ``run``, ``shell`` and ``routes``, and the types of
``run``'s options.
"""

from __future__ import annotations

import os
import sys
import traceback
import typing as t

import click

from ..globals import current_app
from ..helpers import get_debug_flag
from .discovery import NoAppException as NoAppException
from .discovery import find_app_by_string as find_app_by_string
from .discovery import find_best_app as find_best_app
from .discovery import locate_app as locate_app
from .discovery import prepare_import as prepare_import
from .options import _debug_option
from .scripts import ScriptInfo, pass_script_info, with_appcontext

if t.TYPE_CHECKING:  # pragma: no cover
    import ssl
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


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
