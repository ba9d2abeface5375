"""The context-bound proxies: ``current_app``, ``g``, ``request`` and ``session``.

Each proxy looks up the context that is active in the current thread or asyncio
task (they are backed by :mod:`contextvars`), so the same import works in every
request handled concurrently.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

from werkzeug.local import LocalProxy

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Microframe
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

_no_app_msg = """\
Working outside of application context: this needs an active microframe app.
Code that uses current_app or g must run inside a view, a hook or a CLI command,
or inside an app context you push yourself:

    with app.app_context():
        ...
"""
_cv_app: ContextVar[AppContext] = ContextVar("microframe.app_ctx")
#: The active application context.
app_ctx: AppContext = LocalProxy(  # type: ignore[assignment]
    _cv_app, unbound_message=_no_app_msg
)
#: The app handling the current request or owning the active app context.
current_app: Microframe = LocalProxy(  # type: ignore[assignment]
    _cv_app, "app", unbound_message=_no_app_msg
)
#: A namespace for data that lives as long as the app context (one request).
g: _AppCtxGlobals = LocalProxy(  # type: ignore[assignment]
    _cv_app, "g", unbound_message=_no_app_msg
)

_no_req_msg = """\
Working outside of request context: there is no request being handled.
Code that uses request or session must run inside a view or a request hook.
In a test or a notebook, push a request context yourself:

    with app.test_request_context("/path"):
        ...
"""
_cv_request: ContextVar[RequestContext] = ContextVar("microframe.request_ctx")
#: The active request context.
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_request, unbound_message=_no_req_msg
)
#: The request being handled.
request: Request = LocalProxy(  # type: ignore[assignment]
    _cv_request, "request", unbound_message=_no_req_msg
)
#: The session of the request being handled.
session: SessionMixin = LocalProxy(  # type: ignore[assignment]
    _cv_request, "session", unbound_message=_no_req_msg
)
