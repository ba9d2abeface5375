"""The request and response objects: werkzeug's, with what the app knows added."""

from __future__ import annotations

import typing as t

from werkzeug.datastructures import EnvironHeaders, Headers
from werkzeug.datastructures.structures import iter_multi_items
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType
from werkzeug.wrappers import Request as RequestBase
from werkzeug.wrappers import Response as ResponseBase

from . import json
from .globals import _cv_app
from .routing import wsgi_text

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
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
        value = obj.__dict__[self.name] = self.func(obj)
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

    @t.overload
    def __get__(self, obj: None, owner: type | None = None) -> _ConfigLimit: ...

    @t.overload
    def __get__(self, obj: object, owner: type | None = None) -> int | None: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> t.Any:
        if obj is None:
            return self
        value = obj.__dict__.get(self.override)
        if value is not None:
            return value
        ctx = _cv_app.get(None)
        if ctx is None:
            return getattr(RequestBase, self.name)
        return ctx.app.config[self.key]

    def __set__(self, obj: object, value: int | None) -> None:
        obj.__dict__[self.override] = value


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

    def __init__(
        self,
        environ: WSGIEnvironment,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        # werkzeug reads eight values out of the environ here; most requests
        # need two of them (method and path), so each is read on first use.
        self.environ = environ
        self.shallow = shallow
        if populate_request and not shallow:
            environ["werkzeug.request"] = self

    @_from_environ
    def method(self) -> str:
        """The request method, upper case (``GET``, ``POST``, ...)."""
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

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
    def path(self) -> str:
        """The path below the app's root, always starting with ``/``."""
        return "/" + wsgi_text(self.environ.get("PATH_INFO") or "").lstrip("/")

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
        """Close the uploaded files of the request, if any were parsed."""
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
            return t.cast(str, self.url_rule.endpoint)
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

    def _load_form_data(self) -> None:
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


class Response(ResponseBase):
    """The response object microframe uses by default.

    A werkzeug :class:`~werkzeug.wrappers.Response` whose mimetype defaults to
    ``text/html`` and whose ``json`` uses the current app's JSON provider.
    """

    default_mimetype: str | None = "text/html"

    json_module: t.Any = json

    autocorrect_location_header = False

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
