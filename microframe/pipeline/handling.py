"""The application's request-handling methods, in the order a request meets them.

URL matching and building, each step of :mod:`microframe.pipeline`, error
handling and teardown. They stay methods of the app so that a subclass or a
patched method takes part exactly where Flask would call it; each delegates
to :mod:`microframe.pipeline`, :mod:`microframe.pipeline.errors` or
:mod:`microframe.routing.urls`.
"""

from __future__ import annotations

import inspect
import sys
import typing as t
from types import FunctionType

from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError, MapAdapter, RequestRedirect
from werkzeug.utils import redirect as _wz_redirect
from werkzeug.wrappers import Response as BaseResponse

from .. import pipeline
from .. import typing as ft
from ..ctx import _sentinel
from ..globals import _cv_request, request
from ..pipeline import errors, responses
from ..pipeline.hooks import overridable
from ..pipeline.responses import describe_function
from ..routing import urls
from ..wrappers import Request, Response

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Microframe


_CO_COROUTINE = inspect.CO_COROUTINE


# -- URL matching and building -----------------------------------------------


@overridable
def create_url_adapter(app: Microframe, request: Request | None) -> MapAdapter | None:
    """Bind the URL map to a request, or to ``SERVER_NAME`` outside one.

    Returns ``None`` outside a request when ``SERVER_NAME`` is not set.
    """
    return urls.create_url_adapter(app, request)


def raise_routing_exception(app: Microframe, request: Request) -> t.NoReturn:
    """Raise the routing error of ``request`` (404, 405, or a redirect).

    In debug mode a redirect that would lose a form body raises an error
    explaining the missing trailing slash instead.
    """
    exc = t.cast(HTTPException, request.routing_exception)
    if (
        not app.debug
        or not isinstance(exc, RequestRedirect)
        or exc.code in {307, 308}
        or request.method in {"GET", "HEAD", "OPTIONS"}
    ):
        raise exc
    raise AssertionError(
        f"A {request.method} request to {request.url!r} was redirected to"
        f" {exc.new_url!r}, and browsers drop the body of such a redirect."
        " Send the request to the canonical URL (usually with a trailing"
        " slash), or define the rule without one."
    ) from exc


@overridable
def inject_url_defaults(
    app: Microframe, endpoint: str, values: dict[str, t.Any]
) -> None:
    """Let the ``url_defaults`` functions fill in ``values`` for ``endpoint``."""
    urls.inject_url_defaults(app, endpoint, values)


def handle_url_build_error(
    app: Microframe, error: BuildError, endpoint: str, values: dict[str, t.Any]
) -> str:
    """Try the ``url_build_error_handlers``; re-raise if none returns a URL."""
    return urls.handle_url_build_error(app, error, endpoint, values)


def url_for(
    app: Microframe,
    /,
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build a URL for ``endpoint``; see :func:`microframe.url_for`."""
    return urls.url_for(app, endpoint, _anchor, _method, _scheme, _external, values)


def redirect(app: Microframe, location: str, code: int = 302) -> BaseResponse:
    """A redirect response to ``location`` using :attr:`response_class`."""
    return _wz_redirect(location, code=code, Response=app.response_class)


# -- request handling: each step delegates to microframe.pipeline ----------
# The steps stay methods so that a subclass or a patched method is called
# exactly where Flask calls it; microframe.pipeline says what each does.


@overridable
def ensure_sync(
    app: Microframe, func: t.Callable[..., t.Any]
) -> t.Callable[..., t.Any]:
    """Return ``func``, or a sync wrapper of it when it is a coroutine function."""
    if type(func) is FunctionType:
        is_async = bool(func.__code__.co_flags & _CO_COROUTINE) or (
            "_is_coroutine_marker" in func.__dict__
        )
    else:
        is_async = inspect.iscoroutinefunction(func)
    return app.async_to_sync(func) if is_async else func


def async_to_sync(
    app: Microframe, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
) -> t.Callable[..., t.Any]:
    """Wrap a coroutine function to run it to completion from sync code.

    Uses asgiref, installed with ``pip install 'microframe[async]'``.
    """
    try:
        from asgiref.sync import async_to_sync
    except ImportError:
        raise RuntimeError(
            f"{describe_function(func)} is an async function, and running it"
            " needs asgiref. Install it with: pip install 'microframe[async]'"
        ) from None
    return async_to_sync(func)


def full_dispatch_request(app: Microframe) -> Response:
    """Run the hooks and the view, then turn the result into a response."""
    return pipeline.full_dispatch_request(app)


def preprocess_request(app: Microframe) -> ft.ResponseReturnValue | None:
    """Run ``url_value_preprocessor`` then ``before_request`` functions.

    The app's run first, then the blueprint's (outermost first). A
    ``before_request`` function that returns a value stops the chain and
    that value becomes the response.
    """
    return pipeline.preprocess_request(app)


def dispatch_request(app: Microframe) -> ft.ResponseReturnValue:
    """Call the view of the matched rule with its arguments.

    Raises the routing error when matching failed, and answers OPTIONS for
    rules that provide it automatically.
    """
    return pipeline.dispatch_request(app)


def finalize_request(
    app: Microframe,
    rv: ft.ResponseReturnValue | HTTPException,
    from_error_handler: bool = False,
) -> Response:
    """Make the response, run ``after_request`` work and send ``request_finished``.

    When called for an error handler's result, a failure here is logged
    instead of raised, so the error response is still sent.
    """
    return pipeline.finalize_request(app, rv, from_error_handler)


def make_default_options_response(app: Microframe) -> Response:
    """The automatic OPTIONS response: empty, with an ``Allow`` header."""
    response = app.response_class()
    adapter = _cv_request.get().url_adapter
    if adapter is not None:
        response.allow.update(adapter.allowed_methods())
    return response


def should_ignore_error(app: Microframe, error: BaseException | None) -> bool:
    """Whether teardown functions should see ``error`` as ``None`` (never)."""
    return False


def make_response(
    app: Microframe, rv: ft.ResponseReturnValue | HTTPException
) -> Response:
    """Turn a view's return value into :attr:`response_class`.

    Accepts str, bytes, dict and list (as JSON), an iterator or generator,
    a response object, any WSGI callable, and tuples ``(body, status)``,
    ``(body, headers)`` and ``(body, status, headers)``.
    """
    return responses.make_response(app, rv)


def process_response(app: Microframe, response: Response) -> Response:
    """Run ``after_this_request`` and ``after_request`` functions; save the session.

    ``after_request`` functions run innermost blueprint first, the app's
    last, each in reverse registration order.
    """
    return pipeline.process_response(app, response)


# -- errors: see microframe.errors ---------------------------------------------


def trap_http_exception(app: Microframe, e: Exception) -> bool:
    """Whether an HTTP error should be raised like a Python error, not handled.

    ``TRAP_HTTP_EXCEPTIONS`` traps all; ``TRAP_BAD_REQUEST_ERRORS`` traps 400s
    (by default, only missing-key errors in debug mode).
    """
    return errors.trap_http_exception(app, e)


def handle_http_exception(
    app: Microframe, e: HTTPException
) -> HTTPException | ft.ResponseReturnValue:
    """Answer an HTTP error with its registered handler, or the error page."""
    return errors.handle_http_exception(app, e)


def handle_user_exception(
    app: Microframe, e: Exception
) -> HTTPException | ft.ResponseReturnValue:
    """Handle an exception from a hook or view with a registered handler.

    HTTP errors go to :meth:`handle_http_exception`; anything without a
    handler is re-raised for :meth:`handle_exception`.
    """
    return errors.handle_user_exception(app, e)


def handle_exception(app: Microframe, e: Exception) -> Response:
    """Answer an unhandled exception with a 500 (or re-raise it when testing).

    Sends ``got_request_exception``, logs the error, and passes an
    :class:`~werkzeug.exceptions.InternalServerError` whose
    ``original_exception`` is ``e`` to a registered 500 handler.
    """
    return errors.handle_exception(app, e)


def log_exception(
    app: Microframe,
    exc_info: tuple[type, BaseException, t.Any] | tuple[None, None, None],
) -> None:
    """Log an unhandled exception with the request's path and method."""
    app.logger.error(
        f"Exception on {request.path} [{request.method}]", exc_info=exc_info
    )


# -- teardown --------------------------------------------------------------


def do_teardown_request(
    app: Microframe,
    exc: BaseException | None = _sentinel,  # type: ignore[assignment]
) -> None:
    """Run the ``teardown_request`` functions (innermost blueprint first)."""
    pipeline.do_teardown_request(app, sys.exc_info()[1] if exc is _sentinel else exc)


def do_teardown_appcontext(
    app: Microframe,
    exc: BaseException | None = _sentinel,  # type: ignore[assignment]
) -> None:
    """Run the ``teardown_appcontext`` functions in reverse registration order."""
    pipeline.do_teardown_appcontext(app, sys.exc_info()[1] if exc is _sentinel else exc)
