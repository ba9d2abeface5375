"""What a view may return, and how each kind becomes a response.

A view returns a body, optionally with a status and headers in a tuple:

==========================  ===============================================
body                        becomes
==========================  ===============================================
``str``, ``bytes``          the response body (``text/html`` by default)
``dict``, ``list``          a JSON response through ``app.json``
an iterator or generator    a streamed body
an ``HTTPException``        its error page
a response object           itself (converted to ``app.response_class``)
any other WSGI callable     its response
==========================  ===============================================

Tuples are ``(body, status, headers)``, ``(body, status)`` or
``(body, headers)``; headers may be a dict, a list of pairs or ``Headers``.
"""

from __future__ import annotations

import collections.abc as cabc
import sys
import typing as t

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ..globals import _cv_request
from ..wrappers import Response as OwnResponse

if t.TYPE_CHECKING:  # pragma: no cover
    from .. import typing as ft
    from ..app import Microframe
    from ..wrappers import Response

_HEADER_TYPES = (Headers, dict, tuple, list)
_VALID = "a string, dict, list, tuple, Response or WSGI callable"


def describe_function(func: t.Any) -> str:
    """``module.qualname`` of a function, for error messages."""
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or repr(func)
    return f"{module}.{name}"


def describe_view(app: Microframe) -> str:
    """Name the view of the current request, for error messages."""
    ctx = _cv_request.get(None)
    endpoint = ctx.request.endpoint if ctx is not None else None
    view = app.view_functions.get(endpoint) if endpoint else None
    if view is None:
        return f"The view for endpoint {endpoint!r}"
    return f"The view function {describe_function(view)} (endpoint {endpoint!r})"


def _unpack(app: Microframe, rv: t.Any) -> tuple[t.Any, t.Any, t.Any]:
    # (body, status, headers) out of whatever tuple shape the view used.
    if not isinstance(rv, tuple):
        return rv, None, None
    size = len(rv)
    if size == 3:
        return rv
    if size == 2:
        body, extra = rv
        if isinstance(extra, _HEADER_TYPES):
            return body, None, extra
        return body, extra, None
    raise TypeError(
        f"{describe_view(app)} returned a tuple of {size} items; a response tuple"
        " is (body, status, headers), (body, status) or (body, headers)."
    )


# The methods an HTTP error renders its page with; a class that keeps
# werkzeug's own gets a page that depends on its code and description only.
_PAGE_METHODS = ("get_response", "get_body", "get_description", "get_headers")
_plain_classes: dict[type[HTTPException], bool] = {}
_pages: dict[tuple[type[HTTPException], int, str | None], bytes] = {}


def _plain_error_page(exc: HTTPException, cls: type[Response]) -> bytes | None:
    # The body werkzeug would render for exc, when the response it would
    # build is exactly cls(body, code, mimetype="text/html"); else None.
    if exc.response is not None or exc.code is None:
        return None
    kind = type(exc)
    plain = _plain_classes.get(kind)
    if plain is None:
        plain = _plain_classes[kind] = all(
            getattr(kind, name) is getattr(HTTPException, name)
            for name in _PAGE_METHODS
        )
    if not plain or cls.__init__ is not OwnResponse.__init__:
        return None
    key = (kind, exc.code, exc.description)
    page = _pages.get(key)
    if page is None:
        if len(_pages) >= 256:
            _pages.clear()
        page = _pages[key] = exc.get_body().encode()
    return page


def _convert(app: Microframe, body: t.Any, status: t.Any, headers: t.Any) -> Response:
    # The body as app.response_class; status and headers are applied by the
    # caller unless the constructor took them already (it clears them then).
    cls = app.response_class
    if isinstance(body, (str, bytes, bytearray, cabc.Iterator)):
        return cls(body, status, headers)  # type: ignore[arg-type]
    if isinstance(body, (dict, list)):
        return app.json.response(body)
    environ = _cv_request.get().request.environ
    if isinstance(body, HTTPException):
        # An unhandled error alone was answered by make_response; here it came
        # in a tuple with a status or headers: werkzeug renders its page.
        return cls.force_type(body.get_response(environ), environ)  # type: ignore[return-value]
    if isinstance(body, BaseResponse) or callable(body):
        try:
            return cls.force_type(body, environ)  # type: ignore[return-value]
        except TypeError as e:
            raise TypeError(
                f"{e}\n{describe_view(app)} returned an object of type"
                f" {type(body).__name__!r} that is not a valid response. Return"
                f" {_VALID}."
            ).with_traceback(sys.exc_info()[2]) from None
    raise TypeError(
        f"{describe_view(app)} returned an object of type {type(body).__name__!r},"
        f" which is not a valid response. Return {_VALID}."
    )


def make_response(
    app: Microframe, rv: ft.ResponseReturnValue | HTTPException
) -> Response:
    """Turn a view's return value into :attr:`~Microframe.response_class`.

    Accepts str, bytes, dict and list (as JSON), an iterator or generator,
    a response object, any WSGI callable, an HTTP error, and tuples
    ``(body, status)``, ``(body, headers)`` and ``(body, status, headers)``.
    """
    kind = type(rv)
    if kind is str:  # the most common value: nothing to unpack or check
        return app.response_class(rv)  # type: ignore[arg-type]
    if kind is dict:
        return app.json.response(rv)
    if kind is app.response_class:  # jsonify(), redirect(): ready as they are
        return rv  # type: ignore[return-value]
    if isinstance(rv, HTTPException):
        page = _plain_error_page(rv, app.response_class)
        if page is not None:  # an unhandled error: its page, nothing to unpack
            return app.response_class(page, rv.code, mimetype="text/html")
    body, status, headers = _unpack(app, rv)
    if body is None:
        raise TypeError(
            f"{describe_view(app)} returned None (did it end without a return"
            f" statement?). Return a response value: {_VALID}."
        )
    if isinstance(body, app.response_class):
        response = body
    else:
        taken = isinstance(body, (str, bytes, bytearray, cabc.Iterator))
        response = _convert(app, body, status, headers)
        if taken:
            return response
    if status is not None:
        if isinstance(status, (str, bytes, bytearray)):
            response.status = status  # type: ignore[assignment]
        else:
            response.status_code = status
    if headers:
        response.headers.update(headers)
    return response
