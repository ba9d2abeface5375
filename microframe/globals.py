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


class _ContextProxy(LocalProxy):  # type: ignore[type-arg]
    """A :class:`werkzeug.local.LocalProxy` to the active context (or one attribute).

    It is a ``LocalProxy`` in every way (``_get_current_object()``,
    ``isinstance`` checks, operators); the operations views use most (reading
    and setting attributes, items and membership) find the object in one step
    instead of through werkzeug's general lookup.
    """

    __slots__ = ("_microframe_attr", "_microframe_unbound", "_microframe_var")

    def __init__(self, var: ContextVar[t.Any], attr: str | None, unbound: str) -> None:
        super().__init__(var, attr, unbound_message=unbound)
        object.__setattr__(self, "_microframe_var", var)
        object.__setattr__(self, "_microframe_attr", attr)
        object.__setattr__(self, "_microframe_unbound", unbound)

    def _microframe_target(self) -> t.Any:
        # What _get_current_object() returns, with the same error when unbound.
        ctx = self._microframe_var.get(None)
        if ctx is None:
            raise RuntimeError(self._microframe_unbound)
        attr = self._microframe_attr
        return ctx if attr is None else getattr(ctx, attr)

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._microframe_target(), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(self._microframe_target(), name, value)

    def __getitem__(self, key: t.Any) -> t.Any:
        return self._microframe_target()[key]

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        self._microframe_target()[key] = value

    def __contains__(self, item: t.Any) -> bool:
        return item in self._microframe_target()


_no_app_msg = """\
Working outside of application context: this needs an active microframe app.
Code that uses current_app or g must run inside a view, a hook or a CLI command,
or inside an app context you push yourself:

    with app.app_context():
        ...
"""
_cv_app: ContextVar[AppContext] = ContextVar("microframe.app_ctx")
#: The active application context.
app_ctx: AppContext = _ContextProxy(  # type: ignore[assignment]
    _cv_app, None, _no_app_msg
)
#: The app handling the current request or owning the active app context.
current_app: Microframe = _ContextProxy(  # type: ignore[assignment]
    _cv_app, "app", _no_app_msg
)
#: A namespace for data that lives as long as the app context (one request).
g: _AppCtxGlobals = _ContextProxy(  # type: ignore[assignment]
    _cv_app, "g", _no_app_msg
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
request_ctx: RequestContext = _ContextProxy(  # type: ignore[assignment]
    _cv_request, None, _no_req_msg
)
#: The request being handled.
request: Request = _ContextProxy(  # type: ignore[assignment]
    _cv_request, "request", _no_req_msg
)
#: The session of the request being handled.
session: SessionMixin = _ContextProxy(  # type: ignore[assignment]
    _cv_request, "session", _no_req_msg
)
