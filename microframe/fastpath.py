"""The fast lane: answering common return values without a response object.

A view that returns a plain string, a dict or a list, or a request that ends
in an HTTP error nobody handles, needs no response object when nothing could
see or change one (no ``after_request`` work, no session to save, no
``request_finished`` receiver, the default response class). The app then
writes status, headers and body straight to the server: the same bytes
werkzeug's :class:`~werkzeug.wrappers.Response` would produce.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import RoutingException

from .signals import request_finished
from .wrappers import Response

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Microframe
    from .ctx import RequestContext

_PLAIN_HTML = "text/html; charset=utf-8"


def _plain_http_error(e: HTTPException) -> bool:
    # An error page werkzeug renders from the exception alone.
    if e.response is not None or e.code is None or isinstance(e, RoutingException):
        return False
    cls = type(e)
    return (
        cls.get_response is HTTPException.get_response
        and cls.get_body is HTTPException.get_body
        and cls.get_description is HTTPException.get_description
        and cls.get_headers in (HTTPException.get_headers, MethodNotAllowed.get_headers)
    )


_status_lines: dict[int, str] = {}
_error_pages: dict[tuple[t.Any, ...], tuple[str, list[tuple[str, str]], bytes]] = {}


def _error_page(e: HTTPException) -> tuple[str, list[tuple[str, str]], bytes]:
    # The page werkzeug renders depends only on the class, the description and
    # (for 405) the allowed methods, so it is rendered once per combination.
    key = (type(e), e.code, e.description, tuple(getattr(e, "valid_methods", ()) or ()))
    page = _error_pages.get(key)
    if page is None:
        if len(_error_pages) >= 256:
            _error_pages.clear()
        page = _error_pages[key] = (
            _status_line(e.code),  # type: ignore[arg-type]
            e.get_headers(),
            e.get_body().encode(),
        )
    return page


def _status_line(code: int) -> str:
    line = _status_lines.get(code)
    if line is None:
        reason = HTTP_STATUS_CODES.get(code, "unknown")
        line = _status_lines[code] = f"{code} {reason.upper()}"
    return line


def lean_response(
    app: Microframe, ctx: RequestContext, rv: t.Any
) -> tuple[str, list[tuple[str, str]], list[bytes]] | None:
    """The WSGI answer ``(status, headers, body)`` for ``rv``, or ``None``.

    Covers the common return values — a plain string, a dict or list for
    JSON, an HTTP error nobody handles — when nothing could see or change the
    response object. Status, headers and body are exactly what werkzeug's
    Response would send; ``None`` means "build the response as usual".
    """
    if (
        app.response_class is not Response
        or ctx._after_request_functions
        or app.after_request_funcs
        or ctx._session is not None
        or "HTTP_COOKIE" in ctx.request.environ
        or request_finished.receivers
    ):
        return None
    kind = type(rv)
    headers: list[tuple[str, str]]
    if kind is str:
        status = "200 OK"
        headers = [("Content-Type", _PLAIN_HTML)]
        body = rv.encode()
    elif kind is dict or kind is list:
        lean_json = getattr(app.json, "_lean_response_body", None)
        text = None if lean_json is None else lean_json(rv)
        if text is None:
            return None
        status = "200 OK"
        headers = [("Content-Type", app.json.mimetype)]  # type: ignore[attr-defined]
        body = text.encode()
    elif isinstance(rv, HTTPException) and _plain_http_error(rv):
        status, page_headers, body = _error_page(rv)
        headers = list(page_headers)
    else:
        return None
    headers.append(("Content-Length", str(len(body))))
    if ctx.request.method == "HEAD":
        return status, headers, []
    return status, headers, [body]
