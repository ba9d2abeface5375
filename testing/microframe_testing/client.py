"""The request-recording test client: :class:`RecordingClient`.

It is microframe's test client (cookies, ``json=``, ``follow_redirects``,
``with client:``, ``session_transaction``) that also records every request as
an :class:`~microframe_testing.exchange.Exchange`::

    client = RecordingClient(app)
    response = client.get("/users/42")
    response.exchange.endpoint        # "user"
    client.history.filter(status=404)
"""

from __future__ import annotations

import typing as t

from werkzeug.test import TestResponse

from microframe.testing import MicroframeClient

from .exchange import RecordedResponse
from .recording import (
    EXCHANGE_KEY,
    PRESERVE_CONTEXT,
    ContextHook,
    Recorder,
    RecordingControls,
)
from .recording import current_exchange as _current

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.datastructures import Headers

    from .exchange import Exchange
    from .signals import SignalSpec

_missing = object()


class _NotRecorded:
    """``response.exchange`` of a response made while recording was paused."""

    def __get__(self, response: object, owner: type | None = None) -> t.Any:
        if response is None:
            return self
        raise AttributeError(
            "This response has no exchange: it was made while the client's"
            " recording was paused (client.paused() or client.recording = False)."
        )


class RecordedTestResponse(TestResponse):
    """A test response that knows the :class:`Exchange` it came from."""

    __test__ = False
    if t.TYPE_CHECKING:  # pragma: no cover
        #: Everything recorded about the request that made this response.
        exchange: Exchange
        #: The redirect responses followed to get here.
        history: tuple[RecordedTestResponse, ...]
    else:
        exchange = _NotRecorded()


class RecordingClient(RecordingControls, MicroframeClient):
    """microframe's test client, recording each request as an exchange.

    ``RecordingClient(app)`` or ``RecordingClient(app, signals=[my_signal])``;
    the other arguments are those of ``app.test_client()``. Every response has
    ``.exchange``; :attr:`history` lists them all and :attr:`last` is the
    latest. Call :meth:`close` (the ``client`` fixture does) to disconnect the
    signal receivers when done; they are weakly referenced, so a client that
    is thrown away disconnects them too.
    """

    def __init__(
        self, *args: t.Any, signals: t.Iterable[SignalSpec] = (), **kwargs: t.Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._recorder = Recorder(self.application, signals)
        self._pending: Exchange | None = None
        wrapper = self.response_wrapper
        if wrapper is TestResponse:
            self.response_wrapper = RecordedTestResponse
        elif not issubclass(wrapper, RecordedTestResponse):
            self.response_wrapper = type(
                "RecordedTestResponse", (RecordedTestResponse, wrapper), {}
            )

    # -- the record ----------------------------------------------------------------

    def close(self) -> None:
        """Stop recording and disconnect the receivers; the history stays."""
        self._recorder.close()

    # -- requests ----------------------------------------------------------------

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Run the app for one request (each redirect hop too), recording it."""
        recorder = self._recorder
        if not recorder.recording:
            self._pending = None
            return self._run(environ, buffered)
        exchange = recorder.begin(environ)
        # The app gets a copy of the environ: it keeps the exchange (for a body
        # streamed in the request's context later), the request's own does not.
        environ[EXCHANGE_KEY] = exchange
        previous = environ.get(PRESERVE_CONTEXT, _missing)
        environ[PRESERVE_CONTEXT] = ContextHook(
            exchange, None if previous is _missing else previous
        )
        token = _current.set(exchange)
        try:
            app_iter, status, headers = self._run(environ, buffered)
        except BaseException as e:
            exchange.exception = e
            raise
        finally:
            _current.reset(token)
            del environ[EXCHANGE_KEY]
            if previous is _missing:
                del environ[PRESERVE_CONTEXT]
            else:
                environ[PRESERVE_CONTEXT] = previous
            recorder.end(exchange)
        exchange.response = RecordedResponse(status, headers)
        self._pending = exchange
        return app_iter, status, headers

    def _run(
        self, environ: WSGIEnvironment, buffered: bool
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        return super().run_wsgi_app(environ, buffered)

    def _attach(self, response: TestResponse) -> RecordedTestResponse:
        exchange = self._pending
        if exchange is not None and "exchange" not in response.__dict__:
            response.exchange = exchange  # type: ignore[attr-defined]
            t.cast(RecordedResponse, exchange.response)._source = response
        return t.cast(RecordedTestResponse, response)

    def resolve_redirect(
        self, response: TestResponse, buffered: bool = False
    ) -> TestResponse:
        """Follow a redirect (werkzeug's), after tying the hop to its exchange."""
        self._attach(response)
        return super().resolve_redirect(response, buffered=buffered)

    def open(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send a request; the response's ``.exchange`` is its record."""
        self._pending = None
        return self._attach(super().open(*args, **kwargs))

    def get(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send a ``GET`` request."""
        kwargs["method"] = "GET"
        return self.open(*args, **kwargs)

    def post(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send a ``POST`` request."""
        kwargs["method"] = "POST"
        return self.open(*args, **kwargs)

    def put(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send a ``PUT`` request."""
        kwargs["method"] = "PUT"
        return self.open(*args, **kwargs)

    def patch(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send a ``PATCH`` request."""
        kwargs["method"] = "PATCH"
        return self.open(*args, **kwargs)

    def delete(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send a ``DELETE`` request."""
        kwargs["method"] = "DELETE"
        return self.open(*args, **kwargs)

    def head(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send a ``HEAD`` request."""
        kwargs["method"] = "HEAD"
        return self.open(*args, **kwargs)

    def options(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send an ``OPTIONS`` request."""
        kwargs["method"] = "OPTIONS"
        return self.open(*args, **kwargs)

    def trace(self, *args: t.Any, **kwargs: t.Any) -> RecordedTestResponse:
        """Send a ``TRACE`` request."""
        kwargs["method"] = "TRACE"
        return self.open(*args, **kwargs)
