"""The request and response objects: werkzeug's, with what the app knows added."""

from __future__ import annotations

import io
import re
import typing as t
from http import HTTPStatus

from werkzeug.datastructures import EnvironHeaders, Headers, ImmutableMultiDict
from werkzeug.datastructures.structures import iter_multi_items
from werkzeug.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    UnsupportedMediaType,
)
from werkzeug.formparser import FormDataParser
from werkzeug.http import HTTP_STATUS_CODES, parse_cookie
from werkzeug.urls import iri_to_uri
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Request as RequestBase
from werkzeug.wrappers import Response as ResponseBase

from . import json
from .bodies import READ_AT_ONCE, URLENCODED, CappedInput, content_length, form_pairs
from .globals import _cv_app
from .routing import wsgi_path_info, wsgi_text

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.routing import Rule


T = t.TypeVar("T")


class _from_environ(t.Generic[T]):
    """A request attribute computed from the environ on first read.

    A non-data descriptor: the first read stores the value in the instance,
    so later reads (and assignments) are plain attribute access.
    """

    def __init__(self, func: t.Callable[[t.Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    @t.overload
    def __get__(self, obj: None, owner: type | None = None) -> _from_environ[T]: ...

    @t.overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> t.Any:
        if obj is None:
            return self
        value = self.func(obj)
        # setattr, not obj.__dict__: reading __dict__ would make CPython build
        # the instance's dict, which its attributes otherwise do without.
        setattr(obj, self.name, value)
        return value


class _ConfigLimit:
    """A request size limit: set on the request, else the app's config key.

    Outside an app context werkzeug's own default applies.
    """

    def __init__(self, key: str) -> None:
        self.key = key

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.override = f"_{name}"
        setattr(owner, self.override, None)  # no override until one is set

    @t.overload
    def __get__(self, obj: None, owner: type | None = None) -> _ConfigLimit: ...

    @t.overload
    def __get__(self, obj: object, owner: type | None = None) -> int | None: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> t.Any:
        if obj is None:
            return self
        value = getattr(obj, self.override)
        if value is not None:
            return value
        ctx = _cv_app.get(None)
        if ctx is None:
            return getattr(RequestBase, self.name)
        return ctx.app.config[self.key]

    def __set__(self, obj: object, value: int | None) -> None:
        setattr(obj, self.override, value)


#: Parsed ``Cookie`` headers by (header, dict class); cleared when it is full.
_parsed_cookies: dict[tuple[str, type], t.Any] = {}
_PARSED_COOKIES_MAX = 256


class Request(RequestBase):
    """The request object microframe uses by default.

    A werkzeug :class:`~werkzeug.wrappers.Request` that also knows what routing
    decided (``url_rule``, ``view_args``, ``endpoint``, ``blueprint``) and reads
    its size limits from the current app's config.
    """

    json_module: t.Any = json

    #: The rule that matched the request, or ``None`` before matching or on a miss.
    url_rule: Rule | None = None

    #: The values the URL rule extracted from the path (``None`` on a miss).
    view_args: dict[str, t.Any] | None = None

    #: The routing error (404, 405, redirect) found while matching, raised when the
    #: request is dispatched.
    routing_exception: HTTPException | None = None

    #: The request method, upper case (``GET``, ``POST``, ...).
    method: str

    #: The path below the app's root, always starting with ``/``.
    path: str

    def __init__(
        self,
        environ: WSGIEnvironment,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        # werkzeug reads eight values out of the environ here. Every request
        # needs the method and the path, so they are read now, as werkzeug
        # does; the other six (scheme, root_path, ...) are read on first use.
        self.environ = environ
        self.shallow = shallow
        self.method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        self.path = "/" + wsgi_path_info(environ).lstrip("/")
        if populate_request and not shallow:
            environ["werkzeug.request"] = self

    @_from_environ
    def scheme(self) -> str:
        """The URL scheme of the request, ``http`` or ``https``."""
        return str(self.environ.get("wsgi.url_scheme", "http"))

    @_from_environ
    def server(self) -> tuple[str, int | None] | None:
        """The server's ``(host, port)`` from the environ, or ``None``."""
        name = self.environ.get("SERVER_NAME")
        if name is None:
            return None
        try:
            port: int | None = int(self.environ.get("SERVER_PORT"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            port = None
        return name, port

    @_from_environ
    def root_path(self) -> str:
        """The prefix the app is mounted under (``SCRIPT_NAME``), no trailing slash."""
        return wsgi_text(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @_from_environ
    def query_string(self) -> bytes:
        """The raw query string, as bytes."""
        return str(self.environ.get("QUERY_STRING", "")).encode("latin1")

    @_from_environ
    def headers(self) -> Headers:
        """The request headers, read from the environ."""
        return EnvironHeaders(self.environ)

    @_from_environ
    def remote_addr(self) -> str | None:
        """The client's address as the server saw it."""
        return self.environ.get("REMOTE_ADDR")

    @_from_environ
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies the client sent, by name."""
        # One Cookie header in a WSGI environ: read it without scanning every
        # header as werkzeug's header view would. A browser sends the same
        # header request after request, so the parsed (immutable) result of a
        # recent header is shared.
        header = self.environ.get("HTTP_COOKIE", "")
        kind = self.dict_storage_class
        key = (header, kind)
        parsed = _parsed_cookies.get(key)
        if parsed is None:
            parsed = parse_cookie(header, cls=kind)
            if not issubclass(kind, ImmutableMultiDict):
                return parsed  # type: ignore[return-value]  # mutable: not shared
            if len(_parsed_cookies) >= _PARSED_COOKIES_MAX:
                _parsed_cookies.clear()
            _parsed_cookies[key] = parsed
        return parsed  # type: ignore[return-value]

    @_from_environ
    def stream(self) -> t.IO[bytes]:
        """The body as a stream, limited to what the request may send.

        A body of unknown length (chunked) that goes past
        ``MAX_CONTENT_LENGTH`` is refused with 413 when it is read, not cut
        short at the limit. A small body of known length is read at once.
        """
        environ = self.environ
        limit = self.max_content_length
        terminated = environ.get("wsgi.input_terminated")
        length = content_length(environ)
        if terminated and limit is not None and length is None:
            return CappedInput(environ["wsgi.input"], limit)  # type: ignore[return-value]
        if (
            not terminated
            and length is not None
            and length <= READ_AT_ONCE
            and (limit is None or length <= limit)
        ):
            body = environ["wsgi.input"].read(length) if length else b""
            if len(body) < length:
                raise ClientDisconnected()
            return io.BytesIO(body)
        return RequestBase.stream.fget(self)  # type: ignore[attr-defined,no-any-return]

    @property
    def is_json(self) -> bool:
        """Whether the body is JSON: ``application/json`` or ``application/*+json``."""
        if (
            self.environ.get("CONTENT_TYPE") == "application/json"
            and type(self).mimetype is RequestBase.mimetype
        ):
            return True  # the common case, without parsing the header
        return RequestBase.is_json.fget(self)  # type: ignore[attr-defined,no-any-return]

    def close(self) -> None:
        """Close the uploaded files of the request, if its form was parsed."""
        if not self._form_loaded:
            return
        files = self.__dict__.get("files")
        if files:
            for _key, value in iter_multi_items(files):
                value.close()

    #: The largest accepted body in bytes (``MAX_CONTENT_LENGTH``); a longer
    #: body is answered with 413. Set it on a request (in a ``before_request``
    #: hook, say) to override the config for that request only.
    max_content_length = _ConfigLimit("MAX_CONTENT_LENGTH")
    #: The largest non-file form field in bytes (``MAX_FORM_MEMORY_SIZE``).
    max_form_memory_size = _ConfigLimit("MAX_FORM_MEMORY_SIZE")
    #: The most fields a multipart form may have (``MAX_FORM_PARTS``).
    max_form_parts = _ConfigLimit("MAX_FORM_PARTS")  # type: ignore[assignment]

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or ``None``."""
        if self.url_rule is not None:
            return self.url_rule.endpoint  # type: ignore[no-any-return]
        return None

    @property
    def blueprint(self) -> str | None:
        """The registered name of the blueprint the endpoint belongs to, or ``None``.

        For a nested blueprint this is the full dotted name (``parent.child``).
        """
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The names of the current blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        return _blueprint_chain(name)

    # Whether the form (and the files) may have been parsed, for close().
    _form_loaded = False

    def _load_form_data(self) -> None:
        self._form_loaded = True
        if "form" not in self.__dict__ and self._default_urlencoded_parsing():
            self._parse_urlencoded_body()
        else:
            super()._load_form_data()
        ctx = _cv_app.get(None)
        if (
            ctx is not None
            and ctx.app.debug
            and self.mimetype != "multipart/form-data"
            and not self.files
        ):
            from .debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)

    def _default_urlencoded_parsing(self) -> bool:
        # A plain urlencoded body, to be parsed by werkzeug's default parser,
        # and within MAX_FORM_MEMORY_SIZE (which some werkzeug 3.1 releases
        # enforce on urlencoded bodies and later ones do not: theirs to decide).
        cls = type(self)
        if not (
            self.environ.get("CONTENT_TYPE") == URLENCODED
            and cls.form_data_parser_class is FormDataParser
            and cls.make_form_data_parser is RequestBase.make_form_data_parser
            and cls._get_stream_for_parsing is RequestBase._get_stream_for_parsing
            and cls.want_form_data_parsed is RequestBase.want_form_data_parsed
        ):
            return False
        limit = self.max_form_memory_size
        length = content_length(self.environ)
        return limit is None or length is None or length <= limit

    def _parse_urlencoded_body(self) -> None:
        # What werkzeug's form parser makes of a urlencoded body (a body that
        # is not UTF-8 gives an empty form, as its silent parser does),
        # without building a parser per request.
        cached = getattr(self, "_cached_data", None)
        stream = self.stream if cached is None else io.BytesIO(cached)
        storage = self.parameter_storage_class
        try:
            pairs = form_pairs(stream.read().decode())
        except ValueError:
            pairs = []
        self.__dict__.update(stream=stream, form=storage(pairs), files=storage())

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Turn a failed JSON parse into a 400 (bad body) or 415 (wrong type)."""
        if e is None:
            raise UnsupportedMediaType(
                "The request body was not read as JSON because its Content-Type"
                f" is {self.mimetype or 'missing'!r}; send it with"
                " 'Content-Type: application/json'."
            )
        raise BadRequest(
            f"The request body is not valid JSON: {e}. Send a well-formed JSON"
            " document with 'Content-Type: application/json'."
        )


def _blueprint_chain(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


class _Deferred:
    """The ``_list`` of :class:`_DeferredHeaders`, made on first use."""

    def __get__(self, obj: t.Any, owner: type | None = None) -> t.Any:
        if obj is None:
            return self
        content_type, length = obj._pending
        made = obj._list = [("Content-Type", content_type), ("Content-Length", length)]
        obj._pending = None  # the list is the headers from now on
        return made


class _DeferredHeaders(Headers):
    """Headers that are only a content type and a length until they are used.

    Any method of :class:`~werkzeug.datastructures.Headers` works on them: the
    first one that looks at the list makes it. :class:`Response` makes them
    without a constructor call and sets ``_pending`` to the
    ``(content type, length)`` pair.
    """

    _list = _Deferred()
    # (content type, length) until the list is made; None after, and for
    # headers made the usual way (a copy, say).
    _pending: tuple[str, str] | None = None

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Set each header of a mapping, as :meth:`Headers.update` does.

        The common case, an ``after_request`` hook adding a dict of new text
        headers, appends them in one step; anything else is werkzeug's.
        """
        mapping = args[0] if len(args) == 1 and not kwargs else None
        if type(mapping) is not dict or not self._append_new(mapping):
            super().update(*args, **kwargs)

    def set(self, _key: str, _value: t.Any, /, **kw: t.Any) -> None:
        """Set a header, replacing any with the same name (:meth:`Headers.set`).

        A new text header without options is appended at once.
        """
        if kw or not self._append_new({_key: _value}):
            super().set(_key, _value, **kw)

    def add(self, _key: str, _value: t.Any, /, **kw: t.Any) -> None:
        """Add a header, keeping any with the same name (:meth:`Headers.add`)."""
        if kw or type(_value) is not str or "\n" in _value or "\r" in _value:
            super().add(_key, _value, **kw)
        else:
            self._list.append((_key, _value))

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """The headers as the list of ``(name, value)`` pairs WSGI expects."""
        return list(self._list)

    def _append_new(self, mapping: dict[t.Any, t.Any]) -> bool:
        # Append every (name, value) of ``mapping`` if all are text headers
        # not yet present; change nothing and say False otherwise.
        items = self._list
        present = {name.lower() for name, _ in items}
        new = []
        for name, value in mapping.items():
            if type(name) is not str or type(value) is not str:
                return False
            lowered = name.lower()
            if lowered in present or "\n" in value or "\r" in value:
                return False
            present.add(lowered)
            new.append((name, value))
        items.extend(new)
        return True


class Response(ResponseBase):
    """The response object microframe uses by default.

    A werkzeug :class:`~werkzeug.wrappers.Response` whose mimetype defaults to
    ``text/html`` and whose ``json`` uses the current app's JSON provider.

    Made from a string or bytes without headers of its own, its headers are
    only a content type and a length until something reads or changes them
    (an ``after_request`` hook, a cookie); a plain buffered body is written to
    the server without werkzeug's general header pass, with the same result.
    """

    default_mimetype: str | None = "text/html"

    json_module: t.Any = json

    autocorrect_location_header = False

    def __init__(
        self,
        response: t.Iterable[bytes] | bytes | t.Iterable[str] | str | None = None,
        status: int | str | HTTPStatus | None = None,
        headers: t.Mapping[str, str | t.Iterable[str]]
        | t.Iterable[tuple[str, str]]
        | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        kind = type(response)
        label = None
        if not headers and content_type is None and (kind is str or kind is bytes):
            mimetype = mimetype or self.default_mimetype
            label = _content_types.get(mimetype) or _content_type_of(mimetype)  # type: ignore[arg-type]
        if label is None:
            super().__init__(
                response, status, headers, mimetype, content_type, direct_passthrough
            )
            return
        body: bytes = response.encode() if kind is str else response  # type: ignore[assignment,union-attr]
        headers = self.headers = _DeferredHeaders.__new__(_DeferredHeaders)
        headers._pending = (label, str(len(body)))
        self.response = [body]
        self.direct_passthrough = direct_passthrough
        self._on_close = []
        line = _STATUS_LINES.get(200 if status is None else status)  # type: ignore[arg-type]
        if line is None:
            self.status = status  # type: ignore[assignment]  # werkzeug parses the rest
        else:
            self._status_code, self._status = line

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        listed = _plain_wsgi_headers(self)
        if listed is None:
            return super().__call__(environ, start_response)
        start_response(self._status, listed)
        if environ.get("REQUEST_METHOD") == "HEAD":
            return []
        return self.response  # type: ignore[return-value]

    def _repr_html_(self) -> str:
        from .notebook import response_repr_html

        return response_repr_html(self)

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """The ``MAX_COOKIE_SIZE`` of the current app, or werkzeug's default."""
        ctx = _cv_app.get(None)
        if ctx is not None:
            return ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]
        return super().max_cookie_size


_URI_HEADERS = frozenset({"location", "content-location"})

# A URL that werkzeug's iri_to_uri returns unchanged: a path (not "//...") and
# an optional non-empty query, of characters it never percent-encodes.
_PLAIN_URI = re.compile(
    r"/(?!/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]+)?"
)


def _as_uri(value: str) -> str:
    """``iri_to_uri(value)``, at once for the plain paths redirects mostly use."""
    if _PLAIN_URI.fullmatch(value) is not None:
        return value
    return iri_to_uri(value)


def _plain_wsgi_headers(response: Response) -> list[tuple[str, str]] | None:
    # The WSGI header list werkzeug's general pass would produce, for a
    # response with a one-piece bytes body, no close callbacks and a status
    # whose headers werkzeug leaves alone (not 1xx, 204 or 304). None means
    # "let werkzeug do it".
    code = response._status_code
    body = response.response
    if (
        code < 200
        or code == 204
        or code == 304
        or response._on_close
        or response.direct_passthrough
        or type(body) is not list
        or len(body) != 1
        or type(body[0]) is not bytes
    ):
        return None
    headers = response.headers
    if type(headers) is _DeferredHeaders and headers._pending is not None:
        content_type, length = headers._pending
        return [("Content-Type", content_type), ("Content-Length", length)]
    items = headers.to_wsgi_list()
    has_length = False
    for index, (name, value) in enumerate(items):
        lowered = name.lower()
        if lowered == "content-length":
            has_length = True
        elif lowered in _URI_HEADERS:
            if response.autocorrect_location_header and lowered == "location":
                return None  # joined with the request URL: werkzeug's job
            items[index] = (name, _as_uri(value))
    if not has_length and response.automatically_set_content_length:
        items.append(("Content-Length", str(len(body[0]))))
    return items


# The (code, status line) of the statuses views and error pages send most,
# as werkzeug writes them ("404 NOT FOUND").
_STATUS_LINES: dict[int, tuple[int, str]] = {
    code: (code, f"{code} {HTTP_STATUS_CODES[code].upper()}")
    for code in (
        *(200, 201, 202, 204, 301, 302, 303, 307, 308),
        *(400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503),
    )
}

_content_types: dict[str, str] = {}


def _content_type_of(mimetype: str | None) -> str | None:
    # The Content-Type werkzeug derives from a mimetype (a charset is added to
    # text types), remembered per mimetype.
    if mimetype is None:
        return None
    label = _content_types.get(mimetype)
    if label is None:
        if len(_content_types) > 64:
            _content_types.clear()
        label = _content_types[mimetype] = get_content_type(mimetype, "utf-8")
    return label
