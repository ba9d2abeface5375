"""Type aliases for the values users hand to microframe and get back from it."""

from __future__ import annotations

import collections.abc as cabc
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.datastructures import Headers
    from werkzeug.sansio.response import Response

#: What a view may return as the body of its response.
ResponseValue = t.Union[
    "Response",
    str,
    bytes,
    list[t.Any],
    cabc.Mapping[str, t.Any],
    cabc.Iterator[str],
    cabc.Iterator[bytes],
    cabc.AsyncIterable[str],
    cabc.AsyncIterable[bytes],
]

#: A header value: a string, or a list of strings for repeated headers.
HeaderValue = t.Union[str, list[str], tuple[str, ...]]

#: Headers as a view may give them.
HeadersValue = t.Union[
    "Headers",
    cabc.Mapping[str, HeaderValue],
    cabc.Sequence[tuple[str, HeaderValue]],
]

#: Everything a view may return.
ResponseReturnValue = t.Union[
    ResponseValue,
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, int],
    tuple[ResponseValue, int, HeadersValue],
    "WSGIApplication",
]

#: A Response class, or a subclass of it.
ResponseClass = t.TypeVar("ResponseClass", bound="Response")

#: The key under which app-wide (``None``) or blueprint registrations are stored.
AppOrBlueprintKey = t.Optional[str]

AfterRequestCallable = t.Union[
    t.Callable[[ResponseClass], ResponseClass],
    t.Callable[[ResponseClass], t.Awaitable[ResponseClass]],
]
BeforeFirstRequestCallable = t.Union[
    t.Callable[[], None], t.Callable[[], t.Awaitable[None]]
]
BeforeRequestCallable = t.Union[
    t.Callable[[], t.Optional[ResponseReturnValue]],
    t.Callable[[], t.Awaitable[t.Optional[ResponseReturnValue]]],
]
ShellContextProcessorCallable = t.Callable[[], dict[str, t.Any]]
TeardownCallable = t.Union[
    t.Callable[[t.Optional[BaseException]], None],
    t.Callable[[t.Optional[BaseException]], t.Awaitable[None]],
]
TemplateContextProcessorCallable = t.Union[
    t.Callable[[], dict[str, t.Any]],
    t.Callable[[], t.Awaitable[dict[str, t.Any]]],
]
TemplateFilterCallable = t.Callable[..., t.Any]
TemplateGlobalCallable = t.Callable[..., t.Any]
TemplateTestCallable = t.Callable[..., bool]
URLDefaultCallable = t.Callable[[str, dict[str, t.Any]], None]
URLValuePreprocessorCallable = t.Callable[
    [t.Optional[str], t.Optional[dict[str, t.Any]]], None
]

#: An error handler receives the exception and returns a response value.
ErrorHandlerCallable = t.Union[
    t.Callable[[t.Any], ResponseReturnValue],
    t.Callable[[t.Any], t.Awaitable[ResponseReturnValue]],
]

RouteCallable = t.Union[
    t.Callable[..., ResponseReturnValue],
    t.Callable[..., t.Awaitable[ResponseReturnValue]],
]


class AppLike(t.Protocol):
    """What a module that only reads an app's identity needs of it.

    Modules below the app (the logger, say) take an ``AppLike`` instead of
    importing :class:`~microframe.Microframe` for their annotations, so they
    depend on this small contract, not on the application module.
    """

    @property
    def name(self) -> str: ...

    @property
    def debug(self) -> bool: ...
