"""Running an app: ``app.run()`` in the foreground, ``app.serve()`` in the
background, test clients and the ``microframe shell`` namespace.

These are methods of :class:`~microframe.Microframe` (bound in its class body),
written here beside each other; each imports the server, the CLI or the test
client only when called, so importing the app stays cheap.
"""

from __future__ import annotations

import collections.abc as cabc
import os
import typing as t

from . import typing as ft
from .globals import g
from .helpers import get_debug_flag, get_load_dotenv
from .scaffold import setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Microframe
    from .embedding.serving import Server
    from .testing import MicroframeClient, MicroframeCliRunner

T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)


def _warn_run_inside_cli() -> None:
    import click

    click.secho(
        " * Ignoring a call to 'app.run()': the 'microframe run' command"
        " is already serving.\n   Put 'app.run()' under an"
        " 'if __name__ == \"__main__\":' guard.",
        fg="red",
    )


def _run_address(
    server_name: str | None, host: str | None, port: int | None
) -> tuple[str, int]:
    # app.run()'s address: the arguments, else SERVER_NAME's parts, else
    # 127.0.0.1:5000. Port 0 is a real choice (any free port).
    named_host, _, named_port = (server_name or "").partition(":")
    chosen_host = host or named_host or "127.0.0.1"
    if port is not None:
        return chosen_host, int(port)
    return chosen_host, int(named_port or 5000)


@setupmethod
def shell_context_processor(
    app: Microframe, f: T_shell_context_processor
) -> T_shell_context_processor:
    """Add the names in the dict ``f()`` returns to ``microframe shell``."""
    app.shell_context_processors.append(f)
    return f


def make_shell_context(app: Microframe) -> dict[str, t.Any]:
    """The namespace of ``microframe shell``: ``app``, ``g`` and processor names."""
    rv: dict[str, t.Any] = {"app": app, "g": g}
    for processor in app.shell_context_processors:
        rv.update(processor())
    return rv


def run(
    app: Microframe,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: t.Any,
) -> None:
    """Serve the app in the foreground with werkzeug's development server.

    Blocks until interrupted, like Flask's ``app.run``. Binds 127.0.0.1:5000
    unless told otherwise (or ``SERVER_NAME`` says). For a server that runs
    in the background of a notebook or program, use ``app.serve()``.
    """
    from werkzeug.serving import is_running_from_reloader, run_simple

    from . import cli

    if os.environ.get("MICROFRAME_RUN_FROM_CLI") == "true":
        # `microframe run` imported the module that calls app.run().
        if not is_running_from_reloader():
            _warn_run_inside_cli()
        return
    if get_load_dotenv(load_dotenv):
        cli.load_dotenv()
        if "MICROFRAME_DEBUG" in os.environ:
            app.debug = get_debug_flag()
    if debug is not None:
        app.debug = bool(debug)
    address = _run_address(app.config.get("SERVER_NAME"), host, port)
    for option in ("use_reloader", "use_debugger"):
        options.setdefault(option, app.debug)
    options.setdefault("threaded", True)
    cli.show_server_banner(app.debug, app.name)
    try:
        run_simple(*address, app, **options)
    finally:
        app._got_first_request = False


def serve(
    app: Microframe,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    backend: str = "werkzeug",
    token: str | bool | None = None,
    url_prefix: str | None = None,
    proxy_url: str | None = None,
    allowed_hosts: cabc.Iterable[str] | None = None,
    threads: int | None = None,
    trust_proxy: bool | int | None = None,
    replace: bool | None = None,
    **options: t.Any,
) -> Server:
    """Serve the app from a background thread; return once it listens.

    Returns a :class:`~microframe.serving.Server` with ``url``, ``port``,
    ``stop()`` and ``wait()``; ``with app.serve() as server:`` stops it on
    exit. ``port=0`` picks a free port. Calling it again with the same
    arguments returns the running server; ``replace`` says whether the
    servers of other apps with this app's name are stopped first (by default
    only under IPython). See :func:`microframe.serving.serve` for tokens, URL
    prefixes and proxies.
    """
    from .embedding.serving import serve

    return serve(
        app,
        host,
        port,
        backend=backend,
        token=token,
        url_prefix=url_prefix,
        proxy_url=proxy_url,
        allowed_hosts=allowed_hosts,
        threads=threads,
        trust_proxy=trust_proxy,
        replace=replace,
        **options,
    )


def test_client(
    app: Microframe, use_cookies: bool = True, **kwargs: t.Any
) -> MicroframeClient:
    """A werkzeug test client for this app, with cookies and session helpers.

    Use it as ``with app.test_client() as client:`` to keep the last
    request's context available after the request for assertions.
    """
    from .testing import MicroframeClient

    cls = app.test_client_class or MicroframeClient
    return cls(app, app.response_class, use_cookies=use_cookies, **kwargs)


def test_cli_runner(app: Microframe, **kwargs: t.Any) -> MicroframeCliRunner:
    """A click runner that invokes this app's CLI commands in tests."""
    from .testing import MicroframeCliRunner

    cls = app.test_cli_runner_class or MicroframeCliRunner
    return cls(app, **kwargs)
