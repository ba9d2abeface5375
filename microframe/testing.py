"""The test client and CLI runner returned by ``app.test_client()`` and friends."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import typing as t
from contextlib import ExitStack, closing, contextmanager
from copy import copy
from io import BytesIO
from urllib.parse import urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.test import Client, run_wsgi_app
from werkzeug.wrappers import Request as BaseRequest
from werkzeug.wsgi import get_current_url

from .cli import ScriptInfo

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.datastructures import Headers
    from werkzeug.test import TestResponse

    from .app import Microframe
    from .ctx import RequestContext
    from .sessions import SessionMixin


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """werkzeug's ``EnvironBuilder`` that takes its defaults from an app.

    The host comes from ``SERVER_NAME`` (default ``localhost``), the script
    root from ``APPLICATION_ROOT`` and the scheme from ``PREFERRED_URL_SCHEME``;
    ``json=`` bodies use the app's JSON provider.
    """

    def __init__(
        self,
        app: Microframe,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is None:
            base_url, path = _base_url_from_config(app, path, subdomain, url_scheme)
        elif subdomain or url_scheme:
            raise ValueError(
                "Pass either base_url, or subdomain/url_scheme, not both: base_url"
                " already contains the scheme and host."
            )
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` request bodies with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


def _base_url_from_config(
    app: Microframe, path: str, subdomain: str | None, url_scheme: str | None
) -> tuple[str, str]:
    # The base URL the app's config implies, and the path without the scheme
    # and host a full URL may carry (those win over the config).
    config = app.config
    parts = urlsplit(path)
    host = parts.netloc or ".".join(
        filter(None, (subdomain, config.get("SERVER_NAME") or "localhost"))
    )
    scheme = parts.scheme or url_scheme or config["PREFERRED_URL_SCHEME"]
    root = config["APPLICATION_ROOT"].lstrip("/")
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return f"{scheme}://{host}/{root}", target


# A URL EnvironBuilder passes through unchanged: an absolute path (and query)
# of characters that need no quoting or decoding.
_PLAIN_KWARGS = frozenset({"method", "data", "content_type", "json"})
_PLAIN_URL = re.compile(
    r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*)?"
)


def _werkzeug_version() -> str:
    return importlib.metadata.version("werkzeug")


class MicroframeClient(Client):
    """The test client: werkzeug's :class:`~werkzeug.test.Client` for an app.

    Cookies persist between requests, ``json=`` sends JSON, and
    ``follow_redirects=True`` follows redirects. Used as a context manager
    (``with app.test_client() as c:``) it keeps the last request's context
    pushed, so ``request`` and ``session`` can be inspected after a request.
    """

    application: Microframe

    #: Whether the contexts of the next request are kept (inside ``with``).
    preserve_context = False

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        #: Environ values every request gets, unless the request sets them.
        self.environ_base = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_werkzeug_version()}",
        }
        # Contexts the last request left for inspection, and their exits.
        self._new_contexts: list[t.ContextManager[t.Any]] = []
        self._context_stack = ExitStack()

    @contextmanager
    def session_transaction(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Iterator[SessionMixin]:
        """Open the client's session for reading and changing it outside a request.

        ::

            with client.session_transaction() as session:
                session["user_id"] = 1
            client.get("/")   # the request sees user_id

        Arguments are those of ``app.test_request_context()``.
        """
        if self._cookies is None:
            raise TypeError(
                "session_transaction() needs cookies, but this client was created"
                " with use_cookies=False. Use app.test_client(use_cookies=True)."
            )
        app = self.application
        interface = app.session_interface
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            opened = interface.open_session(app, ctx.request)
        if opened is None:
            raise RuntimeError(
                f"The session interface {interface!r} did not open a session. Is"
                " SECRET_KEY set? Set app.secret_key or app.config['SECRET_KEY']."
            )
        yield opened
        if not interface.is_null_session(opened):
            self._store_session(ctx, opened)

    def _store_session(self, ctx: RequestContext, opened: SessionMixin) -> None:
        # Save the session as a response would, and take its cookies.
        app = self.application
        carrier = app.response_class()
        with ctx:
            app.session_interface.save_session(app, opened, carrier)
        request = ctx.request
        self._update_cookies_from_response(
            request.host.partition(":")[0],
            request.path,
            carrier.headers.getlist("Set-Cookie"),
        )

    def _copy_environ(self, other: WSGIEnvironment) -> WSGIEnvironment:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _plain_environ(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> WSGIEnvironment | None:
        # The environ EnvironBuilder would build for the most common test
        # requests — a plain path, maybe a method, a bytes or JSON body, no
        # headers, default host config — made directly, at a fraction of the
        # cost. Anything else returns None and goes through EnvironBuilder.
        if len(args) > 1 or kwargs.keys() - _PLAIN_KWARGS:
            return None
        url = args[0] if args else "/"
        method = kwargs.get("method", "GET")
        data = kwargs.get("data")
        content_type = kwargs.get("content_type")
        if kwargs.get("json") is not None:
            if data is not None:
                return None  # EnvironBuilder's error to raise
            data = self.application.json.dumps(kwargs["json"]).encode()
            if content_type is None:
                content_type = "application/json"
        config = self.application.config
        if (
            type(url) is not str
            or type(method) is not str
            or not (data is None or type(data) is bytes)
            or not (content_type is None or type(content_type) is str)
            or not _PLAIN_URL.fullmatch(url)
            or url.startswith("//")  # a host, to urlsplit
            or config["SERVER_NAME"] is not None
            or config["APPLICATION_ROOT"] != "/"
            or config["PREFERRED_URL_SCHEME"] != "http"
        ):
            return None
        path, _, query = url.partition("?")
        raw_uri = f"{path}?{query}" if query else path
        environ = self._copy_environ({})
        environ.update(
            {
                "REQUEST_METHOD": method,
                "SCRIPT_NAME": "",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "REQUEST_URI": raw_uri,
                "RAW_URI": raw_uri,
                "SERVER_NAME": "localhost",
                "SERVER_PORT": "80",
                "HTTP_HOST": "localhost",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "http",
                "wsgi.input": BytesIO(data or b""),
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": False,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }
        )
        if data is not None:
            environ["CONTENT_LENGTH"] = str(len(data))
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        return environ

    def _request_for(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        # The request to send: from a builder, an environ or a request given
        # as the first argument, else from EnvironBuilder's arguments.
        given = args[0] if args else None
        if isinstance(given, werkzeug.test.EnvironBuilder):
            builder = copy(given)
            builder.environ_base = self._copy_environ(builder.environ_base or {})  # type: ignore[arg-type]
            return builder.get_request()
        if isinstance(given, dict):
            return EnvironBuilder.from_environ(
                given, app=self.application, environ_base=self._copy_environ({})
            ).get_request()
        if isinstance(given, BaseRequest):
            request = copy(given)
            request.environ = self._copy_environ(request.environ)
            return request
        environ = self._plain_environ(args, kwargs)
        if environ is not None:
            return BaseRequest(environ)
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        with closing(EnvironBuilder(self.application, *args, **kwargs)) as builder:
            return builder.get_request()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request to the app; takes werkzeug's ``open`` arguments."""
        request = self._request_for(args, kwargs)
        # The previous request's kept contexts go before the next one runs.
        self._context_stack.close()
        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]
        self._keep_new_contexts()
        return response

    def _keep_new_contexts(self) -> None:
        # Re-enter them in the order the request pushed them (app context
        # first), so the request context reuses the kept app context; after
        # redirects the last request's context ends up on top.
        kept, self._new_contexts = self._new_contexts, []
        for manager in kept:
            self._context_stack.enter_context(manager)

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Run the app for one request, keeping the cookies up to date."""
        # werkzeug works out the request URL twice per request to match
        # cookies, which is a third of a small request's time; with no cookie
        # stored and none set, there is nothing to match.
        jar = self._cookies
        if jar:
            return super().run_wsgi_app(environ, buffered)
        if jar is not None:
            environ.pop("HTTP_COOKIE", None)
        rv = run_wsgi_app(self.application, environ, buffered=buffered)
        if jar is not None:
            set_cookie = rv[2].getlist("Set-Cookie")
            if set_cookie:
                url = urlsplit(get_current_url(environ))
                self._update_cookies_from_response(
                    url.hostname or "localhost", url.path, set_cookie
                )
        return rv

    def __enter__(self) -> MicroframeClient:
        if self.preserve_context:
            raise RuntimeError(
                "This client is already in a `with` block; nested `with client:`"
                " blocks are not supported. Use one block, or a second client."
            )
        self.preserve_context = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.preserve_context = False
        self._context_stack.close()


class MicroframeCliRunner(CliRunner):
    """A click runner for an app's commands: ``app.test_cli_runner()``."""

    def __init__(self, app: Microframe, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        #: The app whose commands :meth:`invoke` runs by default.
        self.app = app

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Invoke ``cli`` (default: ``app.cli``) with ``args`` and this app loaded."""
        kwargs.setdefault("obj", ScriptInfo(create_app=lambda: self.app))
        return super().invoke(self.app.cli if cli is None else cli, args, **kwargs)
