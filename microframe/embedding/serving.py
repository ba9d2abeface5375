"""Serving an app from a background thread: :func:`serve` and its :class:`Server`.

``app.serve()`` binds the socket itself (so a taken port raises
:class:`ServerBindError` instead of werkzeug's ``sys.exit(1)``), starts the
server loop on a daemon thread and returns a :class:`Server` handle once the
socket listens: a request sent right after ``serve()`` returns waits in the
listen backlog, it never races the start.

Two backends share the handle: ``"werkzeug"``, the default with no extra
dependency (``microframe.embedding.httpserver``: a bounded pool of workers behind a
loop that reads request heads, with timeouts and keep-alive), whose
``stop()`` returns as soon as in-flight requests are done, and
``"waitress"`` (:mod:`microframe.backends`), for programs that embed the UI
in production. Around the app, ``serve()`` puts the mount for ``url_prefix``
(:mod:`microframe.mounting`), the proxy-header fix when a proxy is trusted,
and outermost the ``Host``, ``Origin`` and token checks and the framing
policy (:mod:`microframe.access`), on every server. An app that keeps the
default ``SESSION_COOKIE_NAME`` gets ``session-<port>`` instead, so apps on
two ports of one host keep their own sessions.

Nothing here touches process-wide state: no signal handlers, no
``sys.exit``, no logging configuration. The only shared things are a registry
of running servers (so ``app.serve()`` twice returns the same handle, a
rebuilt notebook app replaces its predecessor's server,
:func:`~microframe.servers` lists them, :func:`~microframe.stop_servers` stops
them, and one ``atexit`` hook stops whatever still runs when the interpreter
exits).
"""

from __future__ import annotations

import atexit
import functools
import logging
import sys
import threading
import time
import typing as t
from urllib.parse import urlencode, urlsplit

from .. import notebook
from ..config import DefaultName
from . import access, backends, mounting
from .backends import Backend, WaitressServer, bind, logger
from .backends import ServerBindError as ServerBindError
from .httpserver import ThreadedServer

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ..notebook import InlineFrame

__all__ = [
    "Server",
    "ServerBindError",
    "serve",
    "server_for",
    "servers",
    "stop_servers",
]

BACKENDS = ("werkzeug", "waitress")
_DEFAULT_STOP_TIMEOUT = 5.0


class Server:
    """A running server: where it listens, and how to stop it.

    Returned by ``app.serve()``. Use it as a context manager to stop it on
    exit, call :meth:`stop`, or :meth:`wait` for it in a script::

        with app.serve() as server:
            requests.get(server.url + "/health")
    """

    def __init__(
        self,
        app: t.Any,
        backend: Backend,
        *,
        backend_name: str,
        host: str,
        url_prefix: str,
        token: str | None,
        proxy_base: str | None,
        key: tuple[t.Any, ...],
    ) -> None:
        self.app = app
        #: ``"werkzeug"`` or ``"waitress"``.
        self.backend = backend_name
        #: The host the socket is bound to, as given to ``serve()``.
        self.host = host
        #: The port the socket is bound to (the one picked for ``port=0``).
        self.port = backend.port
        #: The path the app is served under (``""`` for the root).
        self.url_prefix = url_prefix
        #: The access token, or ``None`` when the server needs none.
        self.token = token
        #: The proxy path or URL displayed links go through, or ``None``.
        self.proxy_base = proxy_base
        self._backend = backend
        self._key = key
        self._stop_lock = threading.Lock()
        self._stopped = threading.Event()
        self._clean_stop = True

    @property
    def url(self) -> str:
        """The app's base URL on this machine, without a trailing slash or token.

        ``http://127.0.0.1:53817``, or ``http://127.0.0.1:53817/admin`` under
        a URL prefix. A wildcard bind (``0.0.0.0``) shows as loopback.
        """
        return f"http://{_url_host(self.host)}:{self.port}{self.url_prefix}"

    @property
    def running(self) -> bool:
        """Whether the server is accepting requests."""
        return not self._stopped.is_set() and self._backend.alive

    def browser_url(self, path: str = "/") -> str:
        """The URL a person opens for ``path``: through the proxy, with the token."""
        if not path.startswith("/"):
            path = f"/{path}"
        base = self.proxy_base
        if base is None:
            base = f"http://{_url_host(self.host)}:{self.port}"
        url = f"{base.rstrip('/')}{self.url_prefix}{path}"
        if self.token is not None:
            separator = "&" if "?" in url else "?"
            url = f"{url}{separator}{urlencode({access.TOKEN_PARAM: self.token})}"
        return url

    def display(self, path: str = "/", height: int = 400) -> InlineFrame | None:
        """Show the page at ``path`` inline, in an IFrame ``height`` pixels high.

        In IPython or Jupyter the frame is displayed right away; elsewhere the
        frame object is returned (its ``_repr_html_`` is the IFrame).
        """
        return notebook.display_frame(self.browser_url(path), height)

    def stop(self, timeout: float = _DEFAULT_STOP_TIMEOUT) -> bool:
        """Stop serving and release the port; return within ``timeout`` seconds.

        New connections are refused at once; requests in flight get until
        the timeout to finish. Returns ``True`` when everything stopped in
        time, ``False`` when requests were still running (their connections
        are cut, their threads left to finish). Stopping twice is harmless.
        """
        with self._stop_lock:
            if self._stopped.is_set():
                return self._clean_stop
            deadline = time.monotonic() + timeout
            clean = self._backend.stop(deadline)
            _forget(self)
            self._clean_stop = clean
            self._stopped.set()
        if not clean:
            _logger_for(self.app).warning(
                "The server at %s stopped with requests still running after %s s;"
                " their connections were closed. Give stop(timeout=...) more time"
                " if they need it.",
                self.url,
                timeout,
            )
        return clean

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (or ``timeout`` passes); Ctrl-C stops it.

        Returns whether the server has stopped. On Ctrl-C the server is
        stopped and ``wait`` returns ``True`` instead of raising, so a script
        ending in ``server.wait()`` exits cleanly.
        """
        try:
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self._stopped.is_set() and self._backend.alive:
                step = 0.5  # also notice a loop that died on its own
                if deadline is not None:
                    step = min(step, deadline - time.monotonic())
                    if step <= 0:
                        return False
                self._stopped.wait(step)
            return True
        except KeyboardInterrupt:
            self.stop()
            return True

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _repr_html_(self) -> str:
        return notebook.server_repr_html(self)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Server {_app_name(self.app)!r} at {self.url} {state}>"


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def _app_name(app: t.Any) -> str:
    return str(getattr(app, "name", None) or type(app).__name__)


def _logger_for(app: t.Any) -> logging.Logger:
    app_logger = getattr(app, "logger", None)
    return app_logger if isinstance(app_logger, logging.Logger) else logger


# -- the registry of running servers ----------------------------------------------

_lock = threading.RLock()
_running: dict[int, Server] = {}  # by id() of the app; an entry keeps the app alive


def _forget(server: Server) -> None:
    with _lock:
        if _running.get(id(server.app)) is server:
            del _running[id(server.app)]


def server_for(app: t.Any) -> Server | None:
    """The running server of ``app`` started by ``serve()``, or ``None``."""
    with _lock:
        server = _running.get(id(app))
    if server is not None and server.app is app and server.running:
        return server
    return None


def servers() -> list[Server]:
    """Every server started by ``serve()`` that is still running, oldest first.

    In a notebook, ``for server in microframe.servers(): print(server)`` shows
    what is listening; :func:`~microframe.stop_servers` stops them all.
    """
    with _lock:
        running = list(_running.values())
    return [server for server in running if server.running]


def stop_servers(timeout: float = _DEFAULT_STOP_TIMEOUT) -> bool:
    """Stop every server started by ``serve()``; return whether all stopped cleanly.

    Each gets up to ``timeout`` seconds for the requests it is handling (see
    :meth:`microframe.Server.stop`).
    """
    with _lock:
        running = list(_running.values())
    clean = [server.stop(timeout) for server in running]  # stop every one
    return all(clean)


def _stop_all() -> None:
    stop_servers(timeout=1.0)


atexit.register(_stop_all)


def _replaced(app: t.Any, replace: bool | None) -> list[Server]:
    """The running servers of other apps named like ``app`` that it replaces.

    ``replace=None`` replaces them only under IPython, where re-running a
    cell builds a new app of the same name; ``True`` always, ``False`` never.
    """
    if replace is None:
        replace = notebook.running_in_ipython()
    if not replace:
        return []
    name = _app_name(app)
    with _lock:
        return [
            server
            for server in _running.values()
            if server.app is not app and _app_name(server.app) == name
        ]


# -- serve() -------------------------------------------------------------------


def serve(
    app: t.Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    backend: str = "werkzeug",
    token: str | bool | None = None,
    url_prefix: str | None = None,
    proxy_url: str | None = None,
    allowed_hosts: t.Iterable[str] | None = None,
    threads: int | None = None,
    trust_proxy: bool | int | None = None,
    replace: bool | None = None,
    **options: t.Any,
) -> Server:
    """Serve a WSGI app from a background thread; return once it listens.

    ``app`` is a :class:`~microframe.Microframe` or any WSGI callable.

    :param host: the address to bind; loopback by default. Binding anything
        else without a token logs a warning. Whatever the address, requests
        whose ``Host`` header names another server are refused (DNS
        rebinding), and so are POST, PUT, PATCH and DELETE requests from
        another site's pages (``Origin``).
    :param port: the port; ``0`` picks a free one (see ``server.port``).
    :param backend: ``"werkzeug"`` (default) or ``"waitress"`` (needs
        ``pip install 'microframe-wsgi[waitress]'``).
    :param token: ``True`` for a new random token, or the token to require:
        the first visit needs ``?token=...`` (then a signed cookie is set) or
        an ``Authorization: Bearer`` header. The token is hidden in every
        log line, and removed from the URL before the app sees it.
    :param url_prefix: serve the app under this path, e.g. ``"/admin"``.
    :param proxy_url: the Jupyter server's base URL (``.../user/me/``, links
        then go through ``.../proxy/<port>/``), or any proxy URL containing
        ``{port}``. Defaults to the ``SERVE_PROXY_URL`` config key, then to
        ``JUPYTERHUB_SERVICE_PREFIX`` from the environment.
    :param allowed_hosts: more ``Host`` names the server answers to (and
        origins it accepts state-changing requests from, and whose pages may
        frame it); ``"*"`` allows any ``Host``.
    :param threads: the most requests handled at once (default: 16 for
        werkzeug, waitress's default of 4 for waitress).
    :param trust_proxy: how many proxies' ``X-Forwarded-*`` headers to trust.
        ``None`` (default) trusts one when a proxy is configured or detected.
        ``X-Forwarded-Prefix`` is prepended to ``url_prefix``. A request
        jupyter-server-proxy forwards from this machine is served at its
        ``<base>/proxy/<port>`` path in any case, except with ``False`` (see
        :class:`~microframe.notebook.JupyterProxyFix`).
    :param replace: whether to stop the running servers of other apps with
        the same name first (one message on stderr says so). ``None``
        (default) does so under IPython: re-running a notebook's cells builds
        a new app, and its server replaces the old one's instead of leaving
        it listening with the old code. ``False`` keeps them; ``True`` always
        replaces them.
    :param options: for the werkzeug backend, ``header_timeout`` (seconds to
        send a request head, and the longest pause while sending a body or
        taking a response; default 10), ``keepalive_timeout`` (seconds an
        idle connection stays open between requests; default 15) and
        ``connection_limit`` (open connections; past it the longest-waiting
        idle one is closed; default 1000). For ``backend="waitress"``,
        waitress adjustments (defaults tuned for an embedded UI:
        ``connection_limit=1000``, ``channel_timeout=15``, poll()).

    Calling it again for an app that is serving returns the running server
    when the arguments are the same, and stops it first when they differ.
    :func:`~microframe.servers` lists the running servers,
    :func:`~microframe.stop_servers` stops them.
    """
    if backend not in BACKENDS:
        raise ValueError(
            f"Unknown server backend {backend!r}; pass backend='werkzeug' (the"
            " default) or backend='waitress'."
        )
    _check_options(backend, options)
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive int or None, not {threads!r}.")
    if not callable(app):
        raise TypeError(
            f"serve() needs a WSGI application (a Microframe app or any WSGI"
            f" callable), not {type(app).__name__} {app!r}."
        )
    if backend == "waitress":
        _require_waitress()
    _proxy_hops(trust_proxy, None)  # validates it before anything is bound
    prefix = mounting.normalize_prefix(url_prefix) if url_prefix else ""
    if isinstance(allowed_hosts, str):
        raise TypeError(
            f"allowed_hosts must be a list of host names, not the string"
            f" {allowed_hosts!r}; write allowed_hosts=[{allowed_hosts!r}]."
        )
    hosts = tuple(allowed_hosts) if allowed_hosts is not None else None
    key = (
        host,
        port,
        backend,
        token,
        prefix,
        proxy_url,
        hosts,
        threads,
        trust_proxy,
        sorted(options.items()),
    )

    with _lock:
        current = server_for(app)
        if current is not None:
            if current._key == key:
                return current
            current.stop()
        for old in _replaced(app, replace):
            old.stop()
            print(
                f" * Stopped the server of the earlier app {_app_name(app)!r} at"
                f" {old.url}: this app of the same name replaces it"
                " (serve(replace=False) keeps both).",
                file=sys.stderr,
            )
        server = _start(
            app,
            host,
            port,
            backend=backend,
            token=access.make_token(token),
            prefix=prefix,
            proxy_url=proxy_url,
            allowed_hosts=hosts,
            threads=threads,
            trust_proxy=trust_proxy,
            options=options,
            key=key,
        )
        _running[id(app)] = server

    log = _logger_for(app)
    if not access.is_loopback(host) and server.token is None:
        access.warn_exposed(log, host, server.port)
    if server.token is not None:
        print(
            f" * Serving {_app_name(app)!r} at {server.browser_url()}", file=sys.stderr
        )
    return server


#: serve() options of the werkzeug backend, with their defaults.
WERKZEUG_OPTIONS: dict[str, float] = {
    "header_timeout": backends.HEADER_TIMEOUT,
    "keepalive_timeout": backends.KEEPALIVE_TIMEOUT,
    "connection_limit": backends.CONNECTION_LIMIT,
}


def _check_options(backend: str, options: dict[str, t.Any]) -> None:
    for name in ("use_reloader", "use_debugger"):
        if options.get(name):
            raise ValueError(
                f"serve() runs the server on a background thread, where werkzeug's"
                f" reloader and debugger cannot run ({name}=True). Use"
                " app.run(debug=True) or 'microframe run --debug' in the"
                " foreground for them."
            )
        options.pop(name, None)
    if backend != "werkzeug":
        return
    unknown = sorted(set(options) - set(WERKZEUG_OPTIONS))
    if unknown:
        raise TypeError(
            f"serve() got options {unknown!r} that the werkzeug backend does"
            f" not take (it takes {', '.join(WERKZEUG_OPTIONS)}). Other options"
            " are waitress adjustments: pass backend='waitress' with them, or"
            " leave them out."
        )
    for name, value in options.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if (
            not number
            or value <= 0
            or (name == "connection_limit" and not isinstance(value, int))
        ):
            kind = "int" if name == "connection_limit" else "number of seconds"
            raise ValueError(
                f"serve() option {name}= must be a positive {kind}, not {value!r}"
                f" (the default is {WERKZEUG_OPTIONS[name]!r})."
            )


def _require_waitress() -> None:
    try:
        import waitress  # noqa: F401
    except ImportError:
        raise RuntimeError(
            "backend='waitress' needs the waitress package. Install it with:"
            " pip install 'microframe-wsgi[waitress]'"
        ) from None


def _start(
    app: t.Any,
    host: str,
    port: int,
    *,
    backend: str,
    token: str | None,
    prefix: str,
    proxy_url: str | None,
    allowed_hosts: tuple[str, ...] | None,
    threads: int | None,
    trust_proxy: bool | int | None,
    options: dict[str, t.Any],
    key: tuple[t.Any, ...],
) -> Server:
    sock = bind(host, port)
    try:
        bound_port: int = sock.getsockname()[1]
        config = getattr(app, "config", None)
        proxy_base = notebook.proxy_base(bound_port, proxy_url, config)
        hops = _proxy_hops(trust_proxy, proxy_base)
        wsgi: WSGIApplication = app
        if prefix:
            wsgi = mounting.mount({prefix: wsgi})
        if trust_proxy != 0:  # None, True or a number of proxies
            wsgi = notebook.JupyterProxyFix(wsgi, bound_port)
        if hops:
            wsgi = mounting.ProxyFix(
                wsgi, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
            )
            if backend == "waitress":
                options = {"clear_untrusted_proxy_headers": False, **options}
        wsgi = _GuardByHost(
            functools.partial(
                access.AccessGuard,
                wsgi,
                token=token,
                served_hosts=(host, sock.getsockname()[0]),
                port=bound_port,
                frame_origins=_proxy_origin(proxy_base),
            ),
            (*(allowed_hosts or ()), *_proxy_host(proxy_base)),
            bound_port,
        )
        impl: Backend
        if backend == "werkzeug":
            impl = ThreadedServer(
                sock,
                wsgi,
                _logger_for(app),
                threads=threads or backends.DEFAULT_THREADS,
                redact=access.redact_token,
                **options,
            )
        else:
            impl = WaitressServer(sock, wsgi, threads, options)
    except BaseException:
        sock.close()
        raise
    _name_session_cookie(app, bound_port)
    server = Server(
        app,
        impl,
        backend_name=backend,
        host=host,
        url_prefix=prefix,
        token=token,
        proxy_base=proxy_base,
        key=key,
    )
    try:
        impl.start()
    except RuntimeError as e:  # no thread can be started right now
        impl.stop(time.monotonic())  # frees the port
        raise RuntimeError(
            f"serve() could not start the server thread for {_app_name(app)!r}"
            f" ({e}); the port is released. Free memory or threads, then call"
            " serve() again."
        ) from e
    return server


def _name_session_cookie(app: t.Any, port: int) -> None:
    # Browsers send a cookie to every port of a host: two apps served on two
    # ports of 127.0.0.1 would share one "session" cookie. A name the app set
    # itself is left alone.
    config = getattr(app, "config", None)
    if config is None:
        return
    name = config.get("SESSION_COOKIE_NAME")
    if isinstance(name, DefaultName):
        config["SESSION_COOKIE_NAME"] = DefaultName(f"session-{port}")


class _GuardByHost:
    """The access checks, also answering to the host Jupyter's proxy was asked at.

    A request that jupyter-server-proxy forwarded names the Jupyter server's
    host (``hub.example.org``) in ``Host``: the host the displayed link points
    at. Such a request gets a guard that allows that host too (see
    :func:`microframe.notebook.proxied_host`); any other gets the plain one.
    """

    _MOST_HOSTS = 16

    def __init__(
        self,
        make: t.Callable[..., access.AccessGuard],
        allowed_hosts: tuple[str, ...],
        port: int,
    ) -> None:
        self._make = make
        self._allowed = allowed_hosts
        self._port = port
        self._direct = make(allowed_hosts=allowed_hosts)
        self._proxied: dict[str, access.AccessGuard] = {}

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        host = notebook.proxied_host(environ, self._port)
        if host is None:
            return self._direct(environ, start_response)
        guard = self._proxied.get(host)
        if guard is None:
            if len(self._proxied) >= self._MOST_HOSTS:
                self._proxied.clear()
            guard = self._make(allowed_hosts=(*self._allowed, host))
            self._proxied[host] = guard
        return guard(environ, start_response)


def _proxy_hops(trust_proxy: bool | int | None, proxy_base: str | None) -> int:
    if trust_proxy is None:
        return 1 if proxy_base is not None else 0
    if isinstance(trust_proxy, bool):
        return int(trust_proxy)
    if not isinstance(trust_proxy, int) or trust_proxy < 0:
        raise ValueError(
            f"trust_proxy must be True, False, None or a number of proxies, not"
            f" {trust_proxy!r}."
        )
    return trust_proxy


def _proxy_host(proxy_base: str | None) -> tuple[str, ...]:
    if proxy_base is None:
        return ()
    netloc = urlsplit(proxy_base).netloc
    return (netloc,) if netloc else ()


def _proxy_origin(proxy_base: str | None) -> tuple[str, ...]:
    # The page that frames the app through a proxy is a page of the proxy.
    if proxy_base is None:
        return ()
    parts = urlsplit(proxy_base)
    return (f"{parts.scheme}://{parts.netloc}",) if parts.netloc else ()
