"""What one recorded request/response pair holds: :class:`Exchange` and its parts.

A recording client or live server makes an exchange per request it handles.
The request and response parts are read lazily from what the request already
had (the WSGI environ, the test response), so recording costs little until a
test looks at it.
"""

from __future__ import annotations

import json
import logging
import traceback
import typing as t

from werkzeug.datastructures import EnvironHeaders, Headers
from werkzeug.wsgi import get_current_url

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
    from jinja2 import Template
    from werkzeug.routing import Rule
    from werkzeug.test import TestResponse

    from microframe import Microframe

    from .signals import SignalCall

_JSON_TYPES = ("application/json",)


def _is_json(mimetype: str) -> bool:
    return mimetype in _JSON_TYPES or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _mimetype(headers: Headers) -> str:
    return (headers.get("Content-Type") or "").partition(";")[0].strip().lower()


def _load_json(body: bytes, mimetype: str, what: str) -> t.Any:
    if not _is_json(mimetype):
        raise ValueError(
            f"The {what} is {mimetype or 'untyped'!r}, not JSON, so it has no .json."
            f" Read .text instead, or check the Content-Type the {what} was sent with."
        )
    return json.loads(body)


def _template_label(template: RenderedTemplate) -> str:
    return repr(template.name) if template.name is not None else "<string>"


class RenderedTemplate(t.NamedTuple):
    """A template rendered during a request, with the context it was given."""

    #: The template's name (``None`` for ``render_template_string``).
    name: str | None
    #: The variables the template was rendered with (context processors included).
    context: dict[str, t.Any]
    #: The Jinja template object.
    template: Template


class RecordedRequest:
    """The request of an exchange: method, URL, headers and body."""

    __slots__ = ("_headers", "body", "environ")

    def __init__(self, environ: WSGIEnvironment, body: bytes) -> None:
        #: The WSGI environ the app was called with.
        self.environ = environ
        #: The raw request body.
        self.body = body
        self._headers: Headers | None = None

    @property
    def method(self) -> str:
        """The HTTP method, upper case."""
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

    @property
    def url(self) -> str:
        """The full URL, with scheme, host, script root, path and query string."""
        return get_current_url(self.environ)

    @property
    def path(self) -> str:
        """The path below the script root, as the app routed it (``/users/42``)."""
        return str(self.environ.get("PATH_INFO") or "/")

    @property
    def query_string(self) -> str:
        """The query string, without the ``?``."""
        return str(self.environ.get("QUERY_STRING", ""))

    @property
    def full_path(self) -> str:
        """The path with its query string (``/search?q=ada``)."""
        query = self.query_string
        return f"{self.path}?{query}" if query else self.path

    @property
    def headers(self) -> Headers:
        """The request headers."""
        if self._headers is None:
            self._headers = Headers(EnvironHeaders(self.environ))
        return self._headers

    @property
    def mimetype(self) -> str:
        """The body's media type, without parameters (``application/json``)."""
        return _mimetype(self.headers)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    @property
    def json(self) -> t.Any:
        """The body parsed as JSON; ``ValueError`` when it is not JSON."""
        return _load_json(self.body, self.mimetype, "request")

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.full_path}>"


class RecordedResponse:
    """The response of an exchange: status, headers and body."""

    __slots__ = ("_body", "_source", "headers", "status")

    def __init__(
        self,
        status: str,
        headers: Headers,
        body: bytes | None = None,
        source: TestResponse | None = None,
    ) -> None:
        #: The status line, ``"200 OK"``.
        self.status = status
        #: The response headers.
        self.headers = headers
        self._body = body
        self._source = source

    @property
    def status_code(self) -> int:
        """The status as a number."""
        return int(self.status.split(None, 1)[0])

    @property
    def body(self) -> bytes:
        """The body bytes (reading a streamed test response to the end)."""
        if self._body is None:
            self._body = self._source.get_data() if self._source is not None else b""
        return self._body

    @property
    def mimetype(self) -> str:
        """The body's media type, without parameters (``text/html``)."""
        return _mimetype(self.headers)

    @property
    def location(self) -> str | None:
        """The ``Location`` header, if any."""
        return self.headers.get("Location")

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    @property
    def json(self) -> t.Any:
        """The body parsed as JSON; ``ValueError`` when it is not JSON."""
        return _load_json(self.body, self.mimetype, "response")

    def __repr__(self) -> str:
        return f"<RecordedResponse {self.status}>"


class Exchange:
    """One request the app handled, and everything that happened during it."""

    __slots__ = (
        "__weakref__",
        "_clock",
        "_flashes",
        "_logs",
        "_signals",
        "_templates",
        "_token",
        "_view_args",
        "app",
        "duration",
        "exception",
        "request",
        "response",
        "started",
        "url_rule",
    )

    def __init__(
        self, app: Microframe, request: RecordedRequest, token: object, started: float
    ) -> None:
        #: The app that handled the request.
        self.app = app
        #: The request as the app received it.
        self.request = request
        #: The response, or ``None`` when an exception escaped the app.
        self.response: RecordedResponse | None = None
        # Made on first use: most requests flash and log nothing.
        self._templates: list[RenderedTemplate] | None = None
        self._flashes: list[tuple[str, str]] | None = None
        self._signals: list[SignalCall] | None = None
        self._logs: list[logging.LogRecord] | None = None
        #: The unhandled exception, if any (its ``__traceback__`` is kept).
        self.exception: BaseException | None = None
        #: Seconds from the start of the request until the app returned.
        self.duration = 0.0
        #: When the request started, in seconds since the epoch.
        self.started = started
        self._token = token
        self._clock = 0.0
        #: The URL rule that matched, or ``None`` (404, 405, no request context).
        self.url_rule: Rule | None = None
        self._view_args: dict[str, t.Any] | None = None

    # -- what happened during the request -------------------------------------

    @property
    def templates(self) -> list[RenderedTemplate]:
        """Templates rendered, in render order."""
        return self._templates if self._templates is not None else []

    @property
    def flashes(self) -> list[tuple[str, str]]:
        """Messages flashed, as ``(category, message)`` pairs."""
        return self._flashes if self._flashes is not None else []

    @property
    def signals(self) -> list[SignalCall]:
        """Signals sent, in order (which ones: see :class:`RecordingClient`)."""
        return self._signals if self._signals is not None else []

    @property
    def logs(self) -> list[logging.LogRecord]:
        """Log records emitted while the app handled the request."""
        return self._logs if self._logs is not None else []

    # -- what the app decided -------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule (``"user"``, ``"admin.index"``)."""
        rule = self.url_rule
        return None if rule is None else t.cast(str, rule.endpoint)

    @property
    def view_args(self) -> dict[str, t.Any]:
        """The arguments the view was called with (empty when nothing matched)."""
        args = self._view_args
        return {} if args is None else dict(args)

    # -- shortcuts ---------------------------------------------------------------

    @property
    def method(self) -> str:
        """The request's HTTP method."""
        return self.request.method

    @property
    def path(self) -> str:
        """The request's path."""
        return self.request.path

    @property
    def status_code(self) -> int | None:
        """The response status, or ``None`` when an exception escaped the app."""
        return None if self.response is None else self.response.status_code

    @property
    def traceback(self) -> str | None:
        """The formatted traceback of :attr:`exception`, or ``None``."""
        exc = self.exception
        if exc is None:
            return None
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def to_curl(self, base_url: str | None = None) -> str:
        """A ``curl`` command that sends this request again.

        ``base_url`` (``"http://127.0.0.1:5000"``) replaces the scheme and host,
        to replay a test client's request against a running server.
        """
        from .har import to_curl

        return to_curl(self, base_url)

    def summary(self) -> str:
        """One line: method, path, status, endpoint and templates."""
        if self.response is not None:
            outcome = self.response.status
        elif self.exception is not None:
            outcome = f"raised {type(self.exception).__name__}: {self.exception}"
        else:
            outcome = "no response yet"
        parts = [
            f"{self.method} {self.request.full_path} -> {outcome}",
            f"endpoint={self.endpoint!r}",
        ]
        if self.templates:
            names = ", ".join(_template_label(tpl) for tpl in self.templates)
            parts.append(f"templates=[{names}]")
        if self.flashes:
            parts.append(f"flashes={self.flashes!r}")
        if self.response is not None and self.response.location:
            parts.append(f"location={self.response.location!r}")
        if self.response is not None and self.exception is not None:
            parts.append(f"exception={self.exception!r}")
        return "  ".join(parts)

    def __repr__(self) -> str:
        status = self.response.status if self.response is not None else "(no response)"
        return (
            f"<Exchange {self.method} {self.request.full_path} {status}"
            f" endpoint={self.endpoint!r}>"
        )
