"""Application and request contexts, and the helpers that work with them.

A context is pushed for every request (and by ``app.app_context()`` or
``app.test_request_context()``); the proxies in :mod:`microframe.globals` read
the innermost one. Contexts live in :mod:`contextvars`, so concurrent requests in
threads or asyncio tasks each see their own.
"""

from __future__ import annotations

import contextvars
import sys
import typing as t
from functools import wraps

from werkzeug.exceptions import HTTPException

from . import signals
from .globals import _cv_app, _cv_request
from .pipeline import _sentinel, plan_for
from .routing.matching import match_request, url_adapter_for

if t.TYPE_CHECKING:  # pragma: no cover
    from types import TracebackType

    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.routing import MapAdapter

    from .app import Microframe
    from .sessions import SessionMixin
    from .typing import AfterRequestCallable
    from .wrappers import Request

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class _AppCtxGlobals:
    """The ``g`` namespace: a plain object for data that lives as long as a context.

    ``g.user = user`` in a ``before_request`` hook makes ``g.user`` readable by the
    view and the templates of the same request. It supports ``in``, iteration over
    names, and the dict-like ``get``, ``pop`` and ``setdefault``.

    >>> from microframe import Microframe, g
    >>> with Microframe("demo").app_context():
    ...     g.user = "ada"
    ...     g.get("user"), g.pop("user"), "user" in g, g.get("user", "nobody")
    ('ada', 'ada', False, 'nobody')
    """

    def __getattr__(self, name: str) -> t.Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """Return the attribute ``name``, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove and return ``name``; ``default`` if given, else raise KeyError."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """Return ``name``, first setting it to ``default`` if it is not set."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<microframe.g of {ctx.app.name!r}>"
        return object.__repr__(self)


def _active_request(caller: str, advice: str) -> RequestContext:
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(f"{caller} was called outside of a request. {advice}")
    return ctx


def after_this_request(f: AfterRequestCallable[t.Any]) -> AfterRequestCallable[t.Any]:
    """Run ``f(response)`` after the current request, before ``after_request`` hooks.

    Use it in a view or a ``before_request`` hook to change only this response::

        @app.route("/")
        def index():
            @after_this_request
            def add_header(response):
                response.headers["X-Foo"] = "bar"
                return response
            return "Hello"
    """
    _active_request(
        "after_this_request()",
        "Call it from a view function or a before_request hook, while a request"
        " is handled.",
    )._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so it runs in a copy of the current request context.

    The copy makes ``request`` and ``session`` usable from a thread or a greenlet
    started by the view, after the view itself returned.
    """
    copied = _active_request(
        "copy_current_request_context()",
        "Decorate the function inside a view, while the request is handled.",
    ).copy()

    @wraps(f)
    def in_copied_context(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return t.cast(F, in_copied_context)


def has_request_context() -> bool:
    """Tell whether a request context is active (``request`` is usable)."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Tell whether an application context is active (``current_app`` is usable)."""
    return _cv_app.get(None) is not None


class AppContext:
    """The application context: makes ``current_app`` and ``g`` available.

    Pushed automatically for each request and for CLI commands. Push one yourself
    with ``with app.app_context():`` to use the app outside a request.
    """

    # Until something binds it (a class default saves an assignment).
    _url_adapter: t.Any = _sentinel
    # Until something reads ``g``: most requests never do.
    _g: _AppCtxGlobals | None = None

    def __init__(self, app: Microframe) -> None:
        self.app = app
        self._cv_tokens: list[contextvars.Token[AppContext]] = []

    @property
    def g(self) -> _AppCtxGlobals:
        """This context's ``g``: an ``app.app_ctx_globals_class`` made on first use."""
        g = self._g
        if g is None:
            g = self._g = self.app.app_ctx_globals_class()
        return g

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        self._g = value

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The URL adapter for building URLs without a request (needs SERVER_NAME)."""
        if self._url_adapter is _sentinel:
            self._url_adapter = self.app.create_url_adapter(None)
        return self._url_adapter  # type: ignore[no-any-return]

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    def push(self) -> None:
        """Make this the current app context."""
        self._cv_tokens.append(_cv_app.set(self))
        if signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(
                self.app, _async_wrapper=self.app.ensure_sync
            )

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Pop this context; the outermost pop runs the app teardown functions."""
        try:
            if len(self._cv_tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            current = _cv_app.get()
            _cv_app.reset(self._cv_tokens.pop())
        if current is not self:
            raise RuntimeError(
                f"Popped the wrong app context: {current!r} is active, not {self!r}."
                " Pop contexts in the reverse order they were pushed, or use them"
                " as `with` blocks."
            )
        if signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(
                self.app, _async_wrapper=self.app.ensure_sync
            )

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<AppContext of {self.app.name!r}>"


class RequestContext:
    """The request context: makes ``request`` and ``session`` available.

    Created and pushed by the app for each request; ``app.test_request_context()``
    makes one for tests and notebooks. Pushing it also pushes an app context when
    none is active for the same app. The session is opened the first time it is
    used, and the URL adapter is made the first time something needs it.
    """

    # Until the request sets them (class defaults save an assignment each).
    _url_adapter: t.Any = _sentinel
    #: The flashed messages, once read from the session.
    flashes: list[tuple[str, str]] | None = None
    _session: SessionMixin | None = None
    #: What was raised while the request was handled, for teardown.
    _failure: BaseException | None = None
    # The pipeline's plan and this request's hooks, found once.
    _plan: t.Any = None
    _hooks: t.Any = None

    def __init__(
        self,
        app: Microframe,
        environ: WSGIEnvironment,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            request = app.request_class(environ)
            request.json_module = app.json
        self.request: Request = request
        if session is not None:
            self._session = session
        self._after_request_functions: list[AfterRequestCallable[t.Any]] = []
        self._cv_tokens: list[
            tuple[contextvars.Token[RequestContext], AppContext | None]
        ] = []

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The URL map bound to this request, for matching and ``url_for``."""
        if self._url_adapter is _sentinel:
            try:
                self._url_adapter = url_adapter_for(self.app, self.request)
            except HTTPException as e:
                self.request.routing_exception = e
                self._url_adapter = None
        return self._url_adapter  # type: ignore[no-any-return]

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    def _open_session(self) -> SessionMixin:
        # The session, opened on first use, without marking it accessed.
        session = self._session
        if session is None:
            interface = self.app.session_interface
            session = interface.open_session(self.app, self.request)
            if session is None:
                session = interface.make_null_session(self.app)
            self._session = session
        return session

    @property
    def session(self) -> SessionMixin:
        """The session for this request, opened through ``app.session_interface``.

        Reading it marks the session accessed, which adds ``Vary: Cookie`` to
        the response.
        """
        session = self._open_session()
        session.accessed = True
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    def copy(self) -> RequestContext:
        """A new context for the same request and session, e.g. for a thread."""
        return self.__class__(
            self.app,
            environ=self.request.environ,
            request=self.request,
            session=self._open_session(),
        )

    def match_request(self) -> None:
        """Match the request's URL; a miss is kept as ``request.routing_exception``."""
        request = self.request
        try:
            match = match_request(self.app, request, self)
        except HTTPException as e:
            request.routing_exception = e
        else:
            if match is not None:
                request.url_rule, request.view_args = match

    def push(self) -> None:
        """Make this the current request context (and push an app context)."""
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not self.app:
            app_ctx = self.app.app_context()
            app_ctx.push()
        else:
            app_ctx = None
        self._cv_tokens.append((_cv_request.set(self), app_ctx))
        plan = self._plan = plan_for(self.app)
        if self._session is None and not plan.lazy_session:
            self._open_session()  # now, when a custom interface expects it
        self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Pop this context; the outermost pop runs the teardown_request functions."""
        token, pushed_app_ctx = self._cv_tokens[-1]
        last = len(self._cv_tokens) == 1
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        try:
            if last:
                try:
                    self.app.do_teardown_request(exc)
                finally:
                    close = getattr(self.request, "close", None)
                    if close is not None:
                        close()
        finally:
            active = _cv_request.get()
            self._cv_tokens.pop()
            _cv_request.reset(token)
            if last:
                # Let the environ forget the request object it points to.
                active.request.environ["werkzeug.request"] = None
            if pushed_app_ctx is not None:
                pushed_app_ctx.pop(exc)
        if active is not self:
            raise RuntimeError(
                f"Popped the wrong request context: {active!r} is active, not"
                f" {self!r}. Pop contexts in the reverse order they were pushed, or"
                " use them as `with` blocks."
            )

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name}>"
        )
