"""An app served over HTTP from a background thread, recording what it handles.

:class:`LiveServer` runs the app with ``microframe.serving.serve`` on a free
port (so parallel test processes never collide) and records every request its
threads handle, like the recording client does::

    with LiveServer(app) as server:
        server.session.get("/users/42")
        server.history.last.endpoint      # "user"
"""

from __future__ import annotations

import threading
import typing as t
from urllib.parse import urljoin

from werkzeug.datastructures import Headers

from .exchange import RecordedResponse
from .recording import (
    EXCHANGE_KEY,
    PRESERVE_CONTEXT,
    ContextHook,
    Recorder,
    RecordingControls,
    current_exchange,
)

if t.TYPE_CHECKING:  # pragma: no cover
    import requests
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from microframe import Microframe
    from microframe.serving import Server

    from .exchange import Exchange
    from .history import History
    from .signals import SignalSpec

#: How long reading the history waits for requests still being answered.
SETTLE_TIMEOUT = 5.0


class RecordingMiddleware:
    """Wraps a WSGI app so that every request it answers becomes an exchange."""

    def __init__(self, app: WSGIApplication, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder
        self._in_flight = 0
        self._settled = threading.Condition()

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        recorder = self.recorder
        if not recorder.recording:
            return self.app(environ, start_response)
        with self._settled:
            self._in_flight += 1
        exchange = recorder.begin(environ, snapshot=True)
        environ[EXCHANGE_KEY] = exchange
        environ[PRESERVE_CONTEXT] = ContextHook(exchange, environ.get(PRESERVE_CONTEXT))

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], object]:
            exchange.response = RecordedResponse(status, Headers(headers))
            return start_response(status, headers, exc_info)

        token = current_exchange.set(exchange)
        try:
            iterable = self.app(environ, recording_start_response)
        except BaseException as e:
            exchange.exception = e
            self._finish(exchange, [])
            raise
        finally:
            current_exchange.reset(token)
        return _RecordedBody(iterable, exchange, self)

    def _finish(self, exchange: Exchange, chunks: list[bytes]) -> None:
        if exchange.response is not None:
            exchange.response._body = b"".join(chunks)
        self.recorder.end(exchange)
        with self._settled:
            self._in_flight -= 1
            self._settled.notify_all()

    def wait_settled(self, timeout: float) -> bool:
        """Wait until no request is being answered; ``False`` on timeout."""
        with self._settled:
            return self._settled.wait_for(lambda: self._in_flight == 0, timeout)


class _RecordedBody:
    """The app's response body, read in its exchange and kept for the record."""

    def __init__(
        self,
        iterable: t.Iterable[bytes],
        exchange: Exchange,
        middleware: RecordingMiddleware,
    ) -> None:
        self._iterable = iterable
        self._iterator = iter(iterable)
        self._exchange = exchange
        self._middleware = middleware
        self._chunks: list[bytes] = []
        self._closed = False

    def __iter__(self) -> _RecordedBody:
        return self

    def __next__(self) -> bytes:
        token = current_exchange.set(self._exchange)
        try:
            chunk = next(self._iterator)
        finally:
            current_exchange.reset(token)
        self._chunks.append(chunk)
        return chunk

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        token = current_exchange.set(self._exchange)
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        except BaseException as e:
            self._exchange.exception = e
            raise
        finally:
            current_exchange.reset(token)
            self._middleware._finish(self._exchange, self._chunks)


class _Dispatcher:
    """The WSGI app a server runs: whatever the current live server records."""

    def __init__(self) -> None:
        self.target: WSGIApplication | None = None

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        target = self.target
        if target is None:
            body = b"No test is using this live server right now."
            start_response(
                "503 Service Unavailable",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return target(environ, start_response)


class SharedServer:
    """One background server that live servers take turns on (session scope)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from microframe.serving import serve

        self.dispatcher = _Dispatcher()
        self.server: Server = serve(self.dispatcher, host, port)

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.server.stop()


class LiveServer(RecordingControls):
    """``app`` served from a background thread on a free port, recording requests.

    :param app: the app to serve.
    :param host: the address to listen on (loopback by default).
    :param port: the port; ``0`` (default) picks a free one.
    :param signals: more signals to record in each exchange (see
        :class:`~microframe_testing.RecordingClient`).
    :param shared: a :class:`SharedServer` to run on instead of starting one.
    """

    def __init__(
        self,
        app: Microframe,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        signals: t.Iterable[SignalSpec] = (),
        shared: SharedServer | None = None,
    ) -> None:
        self.app = app
        self._recorder = Recorder(app, signals)
        self._middleware = RecordingMiddleware(app, self._recorder)
        self._owned = shared is None
        self._shared = shared if shared is not None else SharedServer(host, port)
        self._shared.dispatcher.target = self._middleware
        self._session: requests.Session | None = None

    @property
    def server(self) -> Server:
        """The running :class:`microframe.serving.Server`."""
        return self._shared.server

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:53817``."""
        return self.server.url

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self.server.port

    def url_for(self, endpoint: str, **values: t.Any) -> str:
        """The full URL of ``endpoint`` on this server (``app.url_for`` rules)."""
        from microframe.helpers import url_for

        with self.app.test_request_context(base_url=self.url):
            return url_for(endpoint, _external=True, **values)

    @property
    def session(self) -> requests.Session:
        """A ``requests.Session`` whose relative URLs go to this server."""
        if self._session is None:
            self._session = _session_class()(self.url)  # type: ignore[call-arg]
        return self._session

    @property
    def history(self) -> History:
        """The exchanges the server handled, once those in progress finish."""
        self._middleware.wait_settled(SETTLE_TIMEOUT)
        return self._recorder.history

    def stop(self) -> None:
        """Close the session, stop serving (unless shared) and stop recording."""
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._shared.dispatcher.target is self._middleware:
            self._shared.dispatcher.target = None
        if self._owned:
            self._shared.stop()
        self._middleware.wait_settled(SETTLE_TIMEOUT)
        self._recorder.close()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<LiveServer {self.app.name!r} at {self.url}>"


def _session_class() -> type[requests.Session]:
    try:
        import requests
    except ImportError:
        raise RuntimeError(
            "live_server.session needs the requests package. Install it with:"
            " pip install 'microframe-wsgi-testing[live]'"
        ) from None

    class BaseURLSession(requests.Session):
        """A ``requests.Session`` that sends relative URLs to ``base_url``."""

        def __init__(self, base_url: str) -> None:
            super().__init__()
            self.base_url = base_url

        def request(  # type: ignore[override]
            self, method: str, url: str, *args: t.Any, **kwargs: t.Any
        ) -> requests.Response:
            return super().request(
                method, urljoin(f"{self.base_url}/", url), *args, **kwargs
            )

    return BaseURLSession
