"""How an exception raised while handling a request becomes a response.

Three layers, each a method of the app so that it can be overridden:

- ``handle_http_exception``: an :class:`~werkzeug.exceptions.HTTPException`
  goes to the handler registered for its code or class, else it is its own
  response (werkzeug renders the error page);
- ``handle_user_exception``: any exception from a hook or a view goes to a
  registered handler; without one it is raised again;
- ``handle_exception``: what is still unhandled becomes a 500 (or is raised
  to the caller when ``PROPAGATE_EXCEPTIONS`` says so, as in tests).

Handlers are looked up by scope (the request's blueprints, innermost first,
then the app) and, within a scope, by the status code before the class; the
closest class in the exception's MRO wins.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import (
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
)
from werkzeug.routing import RoutingException

from ..globals import request
from ..signals import got_request_exception

if t.TYPE_CHECKING:  # pragma: no cover
    import collections.abc as cabc

    from .. import typing as ft
    from ..app import Microframe
    from ..wrappers import Response

_HandlerTable = dict[type[Exception], "ft.ErrorHandlerCallable"]


def _tables(
    app: Microframe, code: int | None, blueprints: cabc.Sequence[str]
) -> cabc.Iterator[_HandlerTable]:
    # Registered handler tables in the order they are consulted: by code in
    # every scope, then by class in every scope.
    spec = app.error_handler_spec
    keys = (code, None) if code is not None else (None,)
    scopes: tuple[str | None, ...] = (*blueprints, None)
    for key in keys:
        for scope in scopes:
            by_code = spec.get(scope)
            table = by_code.get(key) if by_code else None
            if table:
                yield table


def find_handler(
    app: Microframe, exc: Exception, blueprints: cabc.Sequence[str]
) -> ft.ErrorHandlerCallable | None:
    """The registered handler for ``exc`` in a request of ``blueprints``, if any."""
    if not app.error_handler_spec:
        return None
    exc_class, code = app._get_exc_class_and_code(type(exc))
    lineage = exc_class.__mro__
    for table in _tables(app, code, blueprints):
        found = next((table[cls] for cls in lineage if cls in table), None)
        if found is not None:
            return found
    return None


def trap_http_exception(app: Microframe, exc: Exception) -> bool:
    """Whether an HTTP error should be raised like a Python error, not handled.

    ``TRAP_HTTP_EXCEPTIONS`` traps all; ``TRAP_BAD_REQUEST_ERRORS`` traps 400s
    (by default, only missing-key errors in debug mode).
    """
    config = app.config
    if config["TRAP_HTTP_EXCEPTIONS"]:
        return True
    setting = config["TRAP_BAD_REQUEST_ERRORS"]
    if setting is None:
        # Unset: only a missing form key, and only while debugging.
        return app.debug and isinstance(exc, BadRequestKeyError)
    return bool(setting) and isinstance(exc, BadRequest)


def handle_http_exception(
    app: Microframe, exc: HTTPException
) -> HTTPException | ft.ResponseReturnValue:
    """Answer an HTTP error with its registered handler, or the error page.

    Routing redirects and errors without a code are returned as they are.
    """
    # Routing redirects and code-less exceptions are responses of their own.
    answerable = exc.code is not None and not isinstance(exc, RoutingException)
    handler = find_handler(app, exc, request.blueprints) if answerable else None
    if handler is None:
        return exc
    return app.ensure_sync(handler)(exc)  # type: ignore[no-any-return]


def handle_user_exception(
    app: Microframe, exc: Exception
) -> HTTPException | ft.ResponseReturnValue:
    """Handle an exception from a hook or view with a registered handler.

    HTTP errors go to :meth:`~Microframe.handle_http_exception`; anything
    without a handler is raised again, for :meth:`~Microframe.handle_exception`.
    """
    if isinstance(exc, BadRequestKeyError) and (
        app.debug or app.config["TRAP_BAD_REQUEST_ERRORS"]
    ):
        exc.show_exception = True  # the missing key goes into the page
    if isinstance(exc, HTTPException) and not app.trap_http_exception(exc):
        return app.handle_http_exception(exc)
    handler = find_handler(app, exc, request.blueprints)
    if handler is not None:
        return app.ensure_sync(handler)(exc)  # type: ignore[no-any-return]
    raise exc


def _propagates(app: Microframe) -> bool:
    setting = app.config["PROPAGATE_EXCEPTIONS"]
    if setting is not None:
        return bool(setting)
    return bool(app.testing or app.debug)


def handle_exception(app: Microframe, exc: Exception) -> Response:
    """Answer an unhandled exception with a 500 (or re-raise it when testing).

    Sends ``got_request_exception``, then raises the exception again when
    ``PROPAGATE_EXCEPTIONS`` is on (by default in testing and debug mode).
    Otherwise it logs it and passes an
    :class:`~werkzeug.exceptions.InternalServerError` whose
    ``original_exception`` is ``exc`` to a registered 500 handler.
    """
    if got_request_exception.receivers:
        got_request_exception.send(app, _async_wrapper=app.ensure_sync, exception=exc)
    if _propagates(app):
        raise exc
    app.log_exception((type(exc), exc, exc.__traceback__))
    wrapped = InternalServerError(original_exception=exc)
    handler = find_handler(app, wrapped, request.blueprints)
    result: ft.ResponseReturnValue | HTTPException = wrapped
    if handler is not None:
        result = app.ensure_sync(handler)(wrapped)
    return app.finalize_request(result, from_error_handler=True)
