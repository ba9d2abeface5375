"""The server loops behind ``app.serve()``: werkzeug's handler, or waitress.

Both take a socket that :func:`bind` has already bound and set listening, run
on a daemon thread, and stop within a deadline: first refuse new connections
(closing the listening socket frees the port at once), then give requests in
flight until the deadline, then cut what is left.

:class:`ThreadedServer` runs werkzeug's WSGI request handler with one thread
per connection. Its loop waits on the listening socket and a wake-up socket
together, so stopping never waits out a poll interval; connections that have
not sent a request yet are closed instead of waited for. :class:`WaitressServer`
runs waitress's event loop and thread pool, stopped from inside the loop
through waitress's trigger.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import select
import selectors
import socket
import threading
import time
import typing as t

from werkzeug.serving import (
    BaseWSGIServer,
    WSGIRequestHandler,
    get_sockaddr,
    select_address_family,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_RESPONSE_KEY = "microframe.serving.response"

#: Access lines (INFO), and server errors of apps without a logger of their own.
logger = logging.getLogger("microframe.serving")


class ServerBindError(OSError):
    """The server could not listen on the requested host and port.

    ``host`` and ``port`` say where; ``errno`` is the operating system's code
    (``errno.EADDRINUSE`` when the port is taken).
    """

    def __init__(self, code: int, message: str, host: str, port: int) -> None:
        super().__init__(code, message)
        self.host = host
        self.port = port


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host`` and ``port`` and listening.

    :raises ServerBindError: the address cannot be bound (port in use, not an
        address of this machine, ...), with what to do about it.
    :raises ValueError: ``host`` is a Unix socket or ``port`` is out of range.
    """
    if host.startswith("unix://"):
        raise ValueError(
            f"serve() listens on TCP, not on the Unix socket {host!r}. Pass an IP"
            " address such as host='127.0.0.1', or serve the app with gunicorn or"
            " waitress for a Unix socket."
        )
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(
            f"port must be an int from 0 to 65535, not {port!r}; port=0 picks a"
            " free port."
        )
    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Rebind a port whose last connections linger in TIME_WAIT. Windows'
        # SO_REUSEADDR would also share a port in use, so it gets the
        # exclusive option instead.
        reuse = getattr(socket, "SO_EXCLUSIVEADDRUSE", socket.SO_REUSEADDR)
        sock.setsockopt(socket.SOL_SOCKET, reuse, 1)
        sock.bind(get_sockaddr(host, port, family))
        sock.listen(128)
    except OSError as e:
        sock.close()
        where = f"{host}:{port}"
        if e.errno == errno.EADDRINUSE:
            message = (
                f"Cannot serve on {where}: the port is already in use (by another"
                " program, or another server in this process). Pass port=0 to"
                " pick a free port, or stop whatever listens there."
            )
        elif e.errno == errno.EADDRNOTAVAIL:
            message = (
                f"Cannot serve on {where}: {host!r} is not an address of this"
                " machine. Pass host='127.0.0.1' (this machine only), and port=0"
                " to pick a free port."
            )
        else:
            message = (
                f"Cannot serve on {where}: {e.strerror or e}. Check the host"
                " name, or pass host='127.0.0.1' and port=0 to pick a free port."
            )
        raise ServerBindError(e.errno or 0, message, host, port) from e
    return sock


class _CloseOnce:
    """The app's response iterable, whose ``close()`` runs exactly once."""

    def __init__(self, iterable: t.Iterable[bytes]) -> None:
        self._iterable = iterable
        self._closed = False

    def __iter__(self) -> t.Iterator[bytes]:
        return iter(self._iterable)

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
    def recorded(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        response = _CloseOnce(app(environ, start_response))
        environ[_RESPONSE_KEY] = response
        return response

    return recorded


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's WSGI handler, made stoppable and logging to our logger."""

    protocol_version = "HTTP/1.1"  # chunked streaming; werkzeug closes after each
    disable_nagle_algorithm = True
    server: ThreadedServer

    def handle_one_request(self) -> None:
        server = self.server
        if not server.begin_waiting(self.connection):
            self.close_connection = True
            return
        try:
            super().handle_one_request()
        finally:
            server.end_waiting(self.connection)

    def parse_request(self) -> bool:
        self.server.end_waiting(self.connection)
        return super().parse_request()

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            environ = getattr(self, "environ", None)
            response = environ.pop(_RESPONSE_KEY, None) if environ else None
            if response is not None:
                response.close()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s" %s %s', self.requestline, code, size)

    def log(self, type: str, message: str, *args: t.Any) -> None:
        # Errors here are the client's (a malformed request): a warning on the
        # serving logger. The app's own errors reach the server's log().
        level = logging.WARNING if type == "error" else logging.INFO
        address = self.address_string().replace("%", "%%")
        logger.log(level, f"{address} - {message}", *args)


class ThreadedServer(BaseWSGIServer):
    """One thread per connection; a loop that wakes at once when told to stop."""

    multithread = True

    def __init__(
        self,
        sock: socket.socket,
        app: WSGIApplication,
        log: logging.Logger,
        threads: int | None,
    ) -> None:
        host, port = sock.getsockname()[:2]
        # Given a descriptor, werkzeug duplicates it and never binds (nor exits).
        super().__init__(
            host, port, _record_response(app), handler=_RequestHandler, fd=sock.fileno()
        )
        sock.close()
        # A connection that is reset between select() and accept() must not
        # block the loop (and with it, stop()).
        self.socket.setblocking(False)
        self.logger = log
        self._max_threads = threads
        self._cond = threading.Condition()
        self._stopping = False
        self._active = 0
        self._waiting: set[socket.socket] = set()
        self._connections: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(
            target=self._serve, name=f"microframe-server:{self.port}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _serve(self) -> None:
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                selector.register(self._wake_r, selectors.EVENT_READ)
                while self._wait_for_capacity():
                    events = selector.select()
                    if any(key.fileobj is self._wake_r for key, _ in events):
                        return
                    try:
                        conn, address = self.socket.accept()
                        conn.setblocking(True)
                    except OSError:
                        continue
                    self._start_worker(conn, address)
        except Exception:
            self.logger.exception("The server loop on port %s failed", self.port)

    def _wait_for_capacity(self) -> bool:
        with self._cond:
            while (
                self._max_threads is not None
                and self._active >= self._max_threads
                and not self._stopping
            ):
                self._cond.wait()
            return not self._stopping

    def _start_worker(self, conn: socket.socket, address: t.Any) -> None:
        thread = threading.Thread(
            target=self._work,
            args=(conn, address),
            name=f"microframe-request:{self.port}",
            daemon=True,
        )
        with self._cond:
            self._threads = [th for th in self._threads if th.is_alive()]
            self._threads.append(thread)
            self._connections.add(conn)
            self._active += 1
        thread.start()

    def _work(self, conn: socket.socket, address: t.Any) -> None:
        try:
            self.finish_request(conn, address)
        except Exception:
            self.handle_error(conn, address)
        finally:
            self.shutdown_request(conn)
            with self._cond:
                self._connections.discard(conn)
                self._active -= 1
                self._cond.notify_all()

    def log(self, type: str, message: str, *args: t.Any) -> None:
        level = logging.ERROR if type == "error" else logging.INFO
        self.logger.log(level, message, *args)

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        self.logger.exception("Error handling the connection from %s", client_address)

    def begin_waiting(self, conn: socket.socket) -> bool:
        """Mark ``conn`` as waiting for a request; False once the server stops."""
        with self._cond:
            if self._stopping:
                return False
            self._waiting.add(conn)
            return True

    def end_waiting(self, conn: socket.socket) -> None:
        """A request started arriving on ``conn`` (or the connection ended)."""
        with self._cond:
            self._waiting.discard(conn)

    def stop(self, deadline: float) -> bool:
        with self._cond:
            self._stopping = True
            waiting = list(self._waiting)
            self._cond.notify_all()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")
        current = threading.current_thread()
        if self._thread is not current:
            self._thread.join(_remaining(deadline))
        self.server_close()  # refuse new connections; the port is free again
        for conn in waiting:
            # A connection that has sent nothing yet is not a request in flight.
            if not _readable(conn):
                _shutdown(conn, socket.SHUT_RD)
        with self._cond:
            threads = [th for th in self._threads if th is not current]
        for thread in threads:
            thread.join(_remaining(deadline))
        stragglers = [th for th in threads if th.is_alive()]
        if stragglers:
            # Out of time: cut the connections so blocked reads and writes end.
            with self._cond:
                connections = list(self._connections)
            for conn in connections:
                _shutdown(conn, socket.SHUT_RDWR)
        self._wake_r.close()
        self._wake_w.close()
        return not stragglers and not self._thread.is_alive()


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _readable(conn: socket.socket) -> bool:
    try:
        return bool(select.select([conn], [], [], 0)[0])
    except (OSError, ValueError):
        return False


def _shutdown(conn: socket.socket, how: int) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(how)


class WaitressServer:
    """waitress's event loop on a thread, stopped through its trigger."""

    def __init__(
        self,
        sock: socket.socket,
        app: WSGIApplication,
        threads: int | None,
        options: dict[str, t.Any],
    ) -> None:
        from waitress.server import create_server

        self.port: int = sock.getsockname()[1]
        adjustments = dict(options)
        if threads is not None:
            adjustments["threads"] = threads
        try:
            self._server = create_server(app, map={}, sockets=[sock], **adjustments)
        except ValueError as e:
            raise TypeError(
                f"waitress rejected the serve() options {sorted(options)!r}: {e}."
                " Pass only waitress adjustments (threads=, channel_timeout=,"
                " connection_limit=, ...) with backend='waitress'."
            ) from None
        self._thread = threading.Thread(
            target=self._server.run, name=f"microframe-server:{self.port}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _in_loop(self, func: t.Callable[[], None], deadline: float) -> None:
        # waitress's map belongs to its loop thread: run ``func`` there.
        done = threading.Event()

        def thunk() -> None:
            try:
                func()
            finally:
                done.set()

        if self._thread.is_alive():
            self._server.trigger.pull_trigger(thunk)
            done.wait(_remaining(deadline))
        else:  # pragma: no cover -- the loop died on its own
            thunk()

    def _busy(self) -> bool:
        from waitress.channel import HTTPChannel

        while True:
            try:
                channels = list(self._server._map.values())
                break
            except RuntimeError:  # pragma: no cover -- the loop changed the map
                continue
        return any(
            isinstance(ch, HTTPChannel) and (ch.requests or ch.total_outbufs_len)
            for ch in channels
        )

    def stop(self, deadline: float) -> bool:
        from waitress import wasyncore

        server = self._server
        # Stop accepting: close only the listening socket (its close() would
        # also close the trigger we still need).
        self._in_loop(lambda: wasyncore.dispatcher.close(server), deadline)
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.002)
        finished = not self._busy()

        def close_all() -> None:
            for obj in list(server._map.values()):
                if obj is not server.trigger:
                    obj.handle_close()
            server.trigger.close()

        self._in_loop(close_all, deadline)
        self._thread.join(_remaining(deadline))
        server.task_dispatcher.shutdown(
            cancel_pending=True, timeout=_remaining(deadline)
        )
        return finished and not self._thread.is_alive()


class Backend(t.Protocol):
    """What :class:`~microframe.serving.Server` needs of a server loop."""

    port: int

    def start(self) -> None: ...

    def stop(self, deadline: float) -> bool: ...

    @property
    def alive(self) -> bool: ...
