"""One request on a kept-alive connection, for :mod:`~microframe.embedding.httpserver`.

A worker runs werkzeug's WSGI request handler on a socket whose request head
the server loop has already read: :class:`_RequestInput` replays that head
before reading the rest from the socket, :class:`_SocketWriter` writes the
reply, and the handler refuses or skips request bodies it must not wait for.
The app's response is recorded in the environ so the server can close it.
"""

from __future__ import annotations

import io
import logging
import socket
import typing as t

from werkzeug.serving import WSGIRequestHandler

from .backends import (
    MAX_SKIPPED_BODY,
    logger,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .httpserver import ThreadedServer


_RESPONSE_KEY = "microframe.serving.response"


class _Response:
    """The app's response iterable: ``close()`` runs once, and it knows if it ended."""

    def __init__(self, iterable: t.Iterable[bytes]) -> None:
        self._iterable = iterable
        self._closed = False
        #: Whether the app produced its whole body without raising.
        self.complete = False

    def __iter__(self) -> t.Iterator[bytes]:
        yield from self._iterable
        self.complete = True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        close = getattr(self._iterable, "close", None)
        if close is not None:
            close()


def _record_response(app: WSGIApplication) -> WSGIApplication:
    # werkzeug's handler skips ``close()`` of the response when draining the
    # request body fails after a client disconnects; the handler closes the
    # recorded iterable itself, so teardown and stream_with_context cleanup run.
    # The record also tells whether the body went out whole (keep-alive).
    def recorded(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        response = _Response(app(environ, start_response))
        environ[_RESPONSE_KEY] = response
        return response

    return recorded


class _Job:
    """A connection whose request head has fully arrived, ready for a worker."""

    __slots__ = ("address", "head", "rest", "sock")

    def __init__(
        self, sock: socket.socket, address: t.Any, head: bytes, rest: bytes
    ) -> None:
        self.sock = sock
        self.address = address
        self.head = head
        self.rest = rest


class _RequestInput(io.RawIOBase):
    """The bytes of one request: its head from memory, then exactly its body.

    The body comes from what arrived with the head, then from the socket, and
    ends after ``Content-Length`` bytes: the next request on a keep-alive
    connection is never read as this one's body (it stays in :attr:`rest`).
    """

    def __init__(self, sock: socket.socket, head: bytes, rest: bytes) -> None:
        super().__init__()
        self._sock = sock
        self._head = memoryview(head)
        self.rest = rest
        #: Body bytes still to read; ``None`` reads until the connection ends.
        self.body_left: int | None = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            count = min(len(view), len(self._head))
            view[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        want = len(view) if self.body_left is None else min(len(view), self.body_left)
        if want == 0:
            return 0
        if self.rest:
            count = min(want, len(self.rest))
            view[:count] = self.rest[:count]
            self.rest = self.rest[count:]
        else:
            count = self._sock.recv_into(view, want)
            if count == 0:  # the client went away mid-body
                self.body_left = 0
                return 0
        if self.body_left is not None:
            self.body_left -= count
        return count


class _SocketWriter(io.BufferedIOBase):
    """Writes go out whole (``sendall``); closing it leaves the socket open."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: t.Any) -> int:
        self._sock.sendall(data)
        return len(data)


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's WSGI handler for one request whose head is already read.

    It keeps the connection open after the response (HTTP/1.1 keep-alive)
    when the response is framed, the request body was read to its end and
    the server is not stopping; otherwise it sends ``Connection: close``.
    """

    protocol_version = "HTTP/1.1"
    server: ThreadedServer
    request: _Job

    def setup(self) -> None:
        job = self.request
        self.connection = job.sock
        self.input = _RequestInput(job.sock, job.head, job.rest)
        self.rfile = io.BufferedReader(self.input)
        self.wfile = _SocketWriter(job.sock)
        self.close_connection = True
        self._framed_body = False

    def handle(self) -> None:
        try:
            self.handle_one_request()
        except (ConnectionError, TimeoutError) as e:
            self.connection_dropped(e)

    def connection_dropped(
        self, error: BaseException, environ: WSGIEnvironment | None = None
    ) -> None:
        self.close_connection = True

    def run_wsgi(self) -> None:
        self._framed_body = self._expect_body()
        try:
            super().run_wsgi()
        finally:
            environ = getattr(self, "environ", None)
            response = environ.pop(_RESPONSE_KEY, None) if environ else None
            if response is not None:
                response.close()
            if response is None or not response.complete or not self._skip_body():
                self.close_connection = True

    def _skip_body(self) -> bool:
        """Read what the app left of the body, so the next request can follow."""
        left = self.input.body_left
        if left is None or left > MAX_SKIPPED_BODY:
            return left == 0
        try:
            while self.rfile.read(65536):
                pass
        except OSError:
            return False
        return self.input.body_left == 0

    def _expect_body(self) -> bool:
        # The body's length, so reading it stops where the next request starts.
        # A chunked (or unreadable) length reads to the end and closes after.
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.input.body_left = None
            return False
        length = self.headers.get("Content-Length")
        if length is None:
            return True
        if not length.strip().isdigit():
            self.input.body_left = 0
            return False
        self.input.body_left = int(length)
        return True

    def send_header(self, keyword: str, value: str) -> None:
        # werkzeug ends every response with "Connection: close"; leave it out
        # when this connection can carry the client's next request.
        if (
            keyword.lower() == "connection"
            and value.lower() == "close"
            and self._framed_body
            and (self.input.body_left or 0) <= MAX_SKIPPED_BODY
            and self.request_version == "HTTP/1.1"
            and not self.close_connection
            and not self.server.stopping
        ):
            return
        super().send_header(keyword, value)

    @property
    def keep_alive(self) -> bool:
        """Whether the connection can carry another request after this one."""
        return not self.close_connection and not self.server.stopping

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s" %s %s', self.requestline, code, size)

    def log(self, type: str, message: str, *args: t.Any) -> None:
        # Errors here are the client's (a malformed request): a warning on the
        # serving logger. The app's own errors reach the server's log().
        level = logging.WARNING if type == "error" else logging.INFO
        text = f"{self.address_string()} - {message % args if args else message}"
        logger.log(level, "%s", self.server.redact(text))
