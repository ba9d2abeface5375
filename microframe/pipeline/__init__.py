"""The request pipeline: what happens to one request, in one place.

:class:`~microframe.app.Microframe` holds what was registered; this module
holds what a request does with it. Every request takes the same way::

    respond            push the contexts, answer, pop them (teardown)
    └ full_dispatch_request
      ├ preprocess_request     url_value_preprocessors, before_request
      ├ dispatch_request       the view (or the routing error, or OPTIONS)
      └ finalize_request
        ├ make_response        the view's value as a response
        └ process_response     after_this_request, after_request, the session

Each step is called through the app (``app.preprocess_request()``, ...), so a
subclass or a patched method takes part exactly where Flask would call it.

What only changes when the app is changed is worked out once, in a
:class:`Plan`: which hooks run, in which order, for a request of each
blueprint; whether the session can be opened lazily. The hook registries tell
the app when they change (:mod:`microframe.pipeline.hooks`), and the next request
builds a new plan.
"""

from __future__ import annotations

import sys
import typing as t

from ..globals import _cv_app, _cv_request
from ..signals import (
    appcontext_tearing_down,
    request_finished,
    request_started,
    request_tearing_down,
)
from ..wrappers import Request as _StockRequest
from .hooks import inherited

if t.TYPE_CHECKING:  # pragma: no cover
    import collections.abc as cabc

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .. import typing as ft
    from ..app import Microframe
    from ..ctx import RequestContext
    from ..routing import Rule
    from ..sessions import SecureCookieSessionInterface, SessionInterface
    from ..wrappers import Response

_Hook = t.Callable[..., t.Any]

# Marks "no exception was passed" (None means "there was none").
_sentinel: t.Any = object()


class ChainHooks(t.NamedTuple):
    """The hooks a request of one blueprint chain runs, in calling order."""

    #: Whether the hooks below are already sync (see :attr:`Plan.presynced`).
    presynced: bool

    #: ``url_value_preprocessor`` functions: the app's, then outer to inner.
    preprocessors: tuple[_Hook, ...]
    #: ``before_request`` functions, in the same order.
    before: tuple[_Hook, ...]
    #: ``after_request`` functions: innermost blueprint first, each scope's in
    #: reverse registration order, the app's last.
    after: tuple[_Hook, ...]
    #: ``teardown_request`` functions, in the order of ``after``.
    teardown: tuple[_Hook, ...]
    #: ``url_defaults`` functions for endpoints of the chain, as ``before``.
    url_defaults: tuple[_Hook, ...]


#: The stock ``Request.blueprint``: derived from the endpoint alone.
_STOCK_BLUEPRINT = _StockRequest.blueprint


def _scopes_outward(blueprint: str | None) -> list[str | None]:
    # "a.b" -> ["a.b", "a", None]: the blueprint, its parents, the app.
    scopes: list[str | None] = []
    name = blueprint
    while name:
        scopes.append(name)
        name = name.rpartition(".")[0]
    scopes.append(None)
    return scopes


class Plan:
    """What requests do, decided from the app's registrations.

    A plan is valid for one registration generation of the app (setting a
    planned method such as ``ensure_sync`` on the instance starts a new one),
    one session interface and the class's ``ensure_sync``,
    ``inject_url_defaults`` and ``create_url_adapter``; :func:`plan_for` makes
    a new one when any of them changed.
    """

    def __init__(self, app: Microframe) -> None:
        self._app = app
        self.generation = app._generation
        self.session_interface = app.session_interface
        # The class's ensure_sync, watched by plan_for; one set on the instance
        # changes the generation instead (see Microframe.__setattr__).
        self.class_sync = type(app).ensure_sync
        sync = app.__dict__.get("ensure_sync") or self.class_sync
        self._chains: dict[str | None, ChainHooks] = {}
        # The same chains by endpoint, for requests whose blueprint is the
        # one the stock Request.blueprint derives from the endpoint.
        self._by_endpoint: dict[str, ChainHooks] = {}
        #: Whether hooks were made sync here; otherwise ``ensure_sync`` is
        #: asked on every call, as an override may expect.
        self.presynced = getattr(sync, "microframe_default", False) is True
        self.teardown_appcontext = self._synced(reversed(app.teardown_appcontext_funcs))
        #: Whether the session is opened only when something uses it.
        self.lazy_session = _opens_lazily(app.session_interface)
        #: Whether a session no one used is saved only when its cookie holds a
        #: permanent session to refresh (the stock cookie interface's rule).
        self.skips_untouched = _skips_untouched(app.session_interface)
        #: Whether ``url_for`` must call ``inject_url_defaults``: some
        #: ``url_defaults`` function exists, or the method is overridden.
        self.inject_impl = type(app).inject_url_defaults
        self.injects_url_defaults = any(app.url_default_functions.values()) or (
            not inherited(app, "inject_url_defaults")
        )
        #: Whether requests are matched through the map's shortcuts, which
        #: only the stock ``create_url_adapter`` allows.
        self.adapter_impl = type(app).create_url_adapter
        self.matches_directly = inherited(app, "create_url_adapter")
        #: ``Host`` headers already found to be host names (a deployment
        #: answers to few, so a flood of others is not kept).
        self.valid_hosts: set[str] = set()

    def _synced(self, funcs: cabc.Iterable[_Hook]) -> tuple[_Hook, ...]:
        if self.presynced:
            return tuple(map(self._app.ensure_sync, funcs))
        return tuple(funcs)

    def chain(self, blueprint: str | None) -> ChainHooks:
        """The hooks for a request whose endpoint is in ``blueprint``."""
        hooks = self._chains.get(blueprint)
        if hooks is None:
            hooks = self._chains[blueprint] = self._build_chain(blueprint)
        return hooks

    def chain_for(self, request: _StockRequest) -> ChainHooks:
        """The hooks for ``request``: :meth:`chain` of its blueprint."""
        rule = request.url_rule
        if rule is None or type(request).blueprint is not _STOCK_BLUEPRINT:
            return self.chain(request.blueprint)
        endpoint = rule.endpoint
        hooks = self._by_endpoint.get(endpoint)
        if hooks is None:
            hooks = self.chain(request.blueprint)
            if len(self._by_endpoint) < 4096:  # endpoints are few; stay bounded
                self._by_endpoint[endpoint] = hooks
        return hooks

    def _build_chain(self, blueprint: str | None) -> ChainHooks:
        app = self._app
        inward = _scopes_outward(blueprint)[::-1]
        outward = inward[::-1]

        def forward(registry: dict[t.Any, list[_Hook]]) -> list[_Hook]:
            return [f for scope in inward for f in registry.get(scope, ())]

        def backward(registry: dict[t.Any, list[_Hook]]) -> list[_Hook]:
            return [f for scope in outward for f in reversed(registry.get(scope, ()))]

        return ChainHooks(
            presynced=self.presynced,
            preprocessors=tuple(forward(app.url_value_preprocessors)),
            before=self._synced(forward(app.before_request_funcs)),
            after=self._synced(backward(app.after_request_funcs)),
            teardown=self._synced(backward(app.teardown_request_funcs)),
            url_defaults=tuple(forward(app.url_default_functions)),
        )


def _opens_lazily(interface: SessionInterface) -> bool:
    # The cookie interface has no side effect when it opens a session or
    # leaves an untouched one alone, so it is opened on first use. Any other
    # interface is opened when the request context is pushed, as in Flask.
    from ..sessions import SecureCookieSessionInterface

    cls = type(interface)
    return (
        cls.open_session is SecureCookieSessionInterface.open_session
        and cls.save_session is SecureCookieSessionInterface.save_session
    )


def _skips_untouched(interface: SessionInterface) -> bool:
    # The stock cookie interface, its session class and should_set_cookie
    # write nothing for an unused session but a permanent one to refresh:
    # such a session need not be opened to find that out.
    from ..sessions import (
        SecureCookieSession,
        SecureCookieSessionInterface,
        SessionInterface,
    )

    return (
        isinstance(interface, SecureCookieSessionInterface)
        and _opens_lazily(interface)
        and type(interface).should_set_cookie is SessionInterface.should_set_cookie
        and interface.session_class is SecureCookieSession
    )


def plan_for(app: Microframe) -> Plan:
    """The app's current plan, rebuilt if registrations changed since."""
    plan: Plan | None = app._plan
    cls = type(app)
    if (
        plan is None
        or plan.generation != app._generation
        or plan.session_interface is not app.session_interface
        or plan.class_sync is not cls.ensure_sync
        or plan.inject_impl is not cls.inject_url_defaults
        or plan.adapter_impl is not cls.create_url_adapter
    ):
        plan = app._plan = Plan(app)
    return plan


def _hooks_of(app: Microframe, ctx: RequestContext) -> ChainHooks:
    # The request's hooks, worked out once per request from the current plan
    # (callers use ctx._hooks directly while ctx._plan is still app._plan).
    plan = ctx._plan
    if plan is None or plan is not app._plan:
        plan = ctx._plan = plan_for(app)
    hooks: ChainHooks = plan.chain_for(ctx.request)
    ctx._hooks = hooks
    return hooks


# -- the steps ---------------------------------------------------------------------


def respond(
    app: Microframe, environ: WSGIEnvironment, start_response: StartResponse
) -> cabc.Iterable[bytes]:
    """The WSGI application (``Microframe.wsgi_app``).

    Pushes the request context, answers (:meth:`~Microframe.full_dispatch_request`,
    or :meth:`~Microframe.handle_exception` for an unhandled error) and pops
    the context, which runs the teardown functions. Wrap this, not the app,
    with WSGI middleware: ``app.wsgi_app = ProxyFix(app.wsgi_app)``.
    """
    ctx = app.request_context(environ)
    try:
        # Anything raised while the context is pushed or the request dispatched
        # is remembered for teardown; an Exception is also answered with an
        # error page.
        try:
            ctx.push()
            response = app.full_dispatch_request()
        except Exception as exc:
            ctx._failure = exc
            response = app.handle_exception(exc)
        except BaseException as exc:
            ctx._failure = exc
            raise
        return response(environ, start_response)
    finally:
        keep = environ.get("werkzeug.debug.preserve_context")
        if keep is not None:
            _keep_for_debugger(keep)
        failure = ctx._failure
        if failure is not None and app.should_ignore_error(failure):
            failure = None
        ctx.pop(failure)


def _keep_for_debugger(keep: t.Callable[[t.Any], None]) -> None:
    # The debugger's console evaluates code in the failed request's contexts.
    keep(_cv_app.get())
    keep(_cv_request.get())


def full_dispatch_request(app: Microframe) -> Response:
    """Run the hooks and the view, then turn the result into a response.

    Sends ``request_started``, runs :meth:`~Microframe.preprocess_request` and
    (unless a hook answered) :meth:`~Microframe.dispatch_request`; an exception
    from either goes to :meth:`~Microframe.handle_user_exception`. The result
    goes to :meth:`~Microframe.finalize_request`.
    """
    if not app._got_first_request:
        app._got_first_request = True
    rv: ft.ResponseReturnValue
    try:
        if request_started.receivers:
            request_started.send(app, _async_wrapper=app.ensure_sync)
        rv = app.preprocess_request()  # type: ignore[assignment]
        if rv is None:
            rv = app.dispatch_request()
    except Exception as exc:
        rv = app.handle_user_exception(exc)
    return app.finalize_request(rv)


def preprocess_request(app: Microframe) -> ft.ResponseReturnValue | None:
    """Run ``url_value_preprocessor`` then ``before_request`` functions.

    The app's run first, then the blueprint's (outermost first). A
    ``before_request`` function that returns a value stops the chain and
    that value becomes the response.
    """
    ctx = _cv_request.get()
    hooks = ctx._hooks
    if hooks is None or ctx._plan is not app._plan:
        hooks = _hooks_of(app, ctx)
    if hooks.preprocessors:
        req = ctx.request
        endpoint, view_args = req.endpoint, req.view_args
        for preprocess in hooks.preprocessors:
            preprocess(endpoint, view_args)
    presynced = hooks.presynced
    for hook in hooks.before:
        early = hook() if presynced else app.ensure_sync(hook)()
        if early is not None:
            return early  # type: ignore[no-any-return]
    return None


def dispatch_request(app: Microframe) -> ft.ResponseReturnValue:
    """Call the view of the matched rule with its arguments.

    Raises the routing error when matching failed, and answers OPTIONS for
    rules that provide it automatically.
    """
    req = _cv_request.get().request
    if req.routing_exception is not None:
        app.raise_routing_exception(req)
    rule: Rule = req.url_rule  # type: ignore[assignment]
    if req.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
        return app.make_default_options_response()
    view = app.ensure_sync(app.view_functions[rule.endpoint])
    return view(**req.view_args)  # type: ignore[no-any-return,arg-type]


def finalize_request(
    app: Microframe,
    rv: ft.ResponseReturnValue | Exception,
    from_error_handler: bool = False,
) -> Response:
    """Make the response, run ``after_request`` work and send ``request_finished``.

    When called for an error handler's result (``from_error_handler=True``),
    a failure here is logged instead of raised, so the error response is
    still sent.
    """
    response = app.make_response(rv)  # type: ignore[arg-type]
    if not from_error_handler:
        response = app.process_response(response)
        if request_finished.receivers:
            _send_finished(app, response)
        return response
    # The error page is sent even when after-request work fails on it.
    try:
        response = app.process_response(response)
        if request_finished.receivers:
            _send_finished(app, response)
    except Exception:
        app.logger.exception(
            "Request finalizing failed with an error while handling an error"
        )
    return response


def _send_finished(app: Microframe, response: Response) -> None:
    request_finished.send(app, _async_wrapper=app.ensure_sync, response=response)


def process_response(app: Microframe, response: Response) -> Response:
    """Run ``after_this_request`` and ``after_request`` functions; save the session.

    ``after_request`` functions run innermost blueprint first, the app's
    last, each in reverse registration order. Each gets the response and
    returns the one to send.
    """
    ctx = _cv_request.get()
    for once in ctx._after_request_functions:
        response = app.ensure_sync(once)(response)
    hooks = ctx._hooks
    if hooks is None or ctx._plan is not app._plan:
        hooks = _hooks_of(app, ctx)
    presynced = hooks.presynced
    for hook in hooks.after:
        response = (hook if presynced else app.ensure_sync(hook))(response)
    if ctx._session is not None or "HTTP_COOKIE" in ctx.request.environ:
        _store_session(app, ctx, response)
    return response


def _store_session(app: Microframe, ctx: RequestContext, response: Response) -> None:
    interface = app.session_interface
    opened = ctx._session
    if opened is None:
        # Never used: only a cookie that came with the request may need a
        # refresh (a permanent session).
        request = ctx.request
        if interface.get_cookie_name(app) not in request.cookies:
            return
        plan = ctx._plan
        if (
            plan is not None
            and plan.skips_untouched
            and plan.session_interface is interface
            and not t.cast(
                "SecureCookieSessionInterface", interface
            )._untouched_needs_refresh(app, request)
        ):
            return
        opened = ctx._open_session()
    if interface.is_null_session(opened):
        return
    interface.save_session(app, opened, response)


def do_teardown_request(app: Microframe, exc: BaseException | None = _sentinel) -> None:
    """Run the ``teardown_request`` functions, then send ``request_tearing_down``.

    Innermost blueprint first, the app's last, each scope's in reverse
    registration order. ``exc`` defaults to the exception being handled.
    """
    if exc is _sentinel:
        exc = sys.exc_info()[1]
    ctx = _cv_request.get()
    hooks = ctx._hooks
    if hooks is None or ctx._plan is not app._plan:
        hooks = _hooks_of(app, ctx)
    for hook in hooks.teardown:
        (hook if hooks.presynced else app.ensure_sync(hook))(exc)
    if request_tearing_down.receivers:
        request_tearing_down.send(app, _async_wrapper=app.ensure_sync, exc=exc)


def do_teardown_appcontext(
    app: Microframe, exc: BaseException | None = _sentinel
) -> None:
    """Run the ``teardown_appcontext`` functions, then send ``appcontext_tearing_down``.

    The last registered runs first. ``exc`` defaults to the exception being
    handled.
    """
    if exc is _sentinel:
        exc = sys.exc_info()[1]
    if app.teardown_appcontext_funcs:  # none registered: no plan to consult
        plan = plan_for(app)
        presynced = plan.presynced
        for hook in plan.teardown_appcontext:
            (hook if presynced else app.ensure_sync(hook))(exc)
    if appcontext_tearing_down.receivers:
        appcontext_tearing_down.send(app, _async_wrapper=app.ensure_sync, exc=exc)
