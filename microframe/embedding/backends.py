"""What the server loops behind ``app.serve()`` share, and the waitress one.

Both loops take a socket that :func:`bind` has already bound and set
listening, run on daemon threads, and stop within a deadline: first refuse
new connections (closing the listening socket frees the port at once), then
give requests in flight until the deadline, then cut what is left. A
connection that has not sent a whole request head is not a request in flight.

The default, ``microframe.embedding.httpserver.ThreadedServer``, needs nothing
beyond werkzeug. :class:`WaitressServer` runs waitress's event loop and thread
pool, tuned for a UI embedded in a program. Both satisfy :class:`Backend`.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
import typing as t

from werkzeug.serving import get_sockaddr, select_address_family

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: Access lines (INFO), and server errors of apps without a logger of their own.
logger = logging.getLogger("microframe.serving")

#: Workers of the default backend: the most requests handled at once.
DEFAULT_THREADS = 16
#: Seconds a client has to send a request head; also the longest wait for
#: more of its body, or for it to take more of the response.
HEADER_TIMEOUT = 10.0
#: Seconds a kept-alive connection may stay idle between requests.
KEEPALIVE_TIMEOUT = 15.0
#: Connections open at once; past it, the longest-waiting idle one is closed.
CONNECTION_LIMIT = 1000
#: The largest request head (request line and headers) read, in bytes.
MAX_HEAD = 64 * 1024
#: The most of a request body the app left unread that is read and dropped to
#: keep the connection; past it, the connection closes after the response.
MAX_SKIPPED_BODY = 1024 * 1024


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


def remaining(deadline: float) -> float:
    """Seconds left until ``deadline`` (a ``time.monotonic()`` value), at least 0."""
    return max(0.0, deadline - time.monotonic())


#: waitress adjustments for a UI embedded in a program, unless serve() gets
#: others: many connections (browsers open several, and idle ones are cheap
#: in waitress's event loop), poll() so descriptors past 1024 work, and idle
#: connections closed after a while.
WAITRESS_DEFAULTS: dict[str, t.Any] = {
    "connection_limit": CONNECTION_LIMIT,
    "channel_timeout": KEEPALIVE_TIMEOUT,
    "cleanup_interval": 5,
    "asyncore_use_poll": True,
}


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
        adjustments = {**WAITRESS_DEFAULTS, **options}
        if threads is not None:
            adjustments["threads"] = threads
        self._local = threading.local()
        try:
            self._server = create_server(
                self._marked(app), map={}, sockets=[sock], **adjustments
            )
        except ValueError as e:
            raise TypeError(
                f"waitress rejected the serve() options {sorted(options)!r}: {e}."
                " Pass only waitress adjustments (threads=, channel_timeout=,"
                " connection_limit=, ...) with backend='waitress'."
            ) from None
        self._thread = threading.Thread(
            target=self._server.run, name=f"microframe-server:{self.port}", daemon=True
        )

    def _marked(self, app: WSGIApplication) -> WSGIApplication:
        # Marks the thread while it runs a view, so stop() knows it is called
        # from one (and must not wait for the reply it is part of).
        local = self._local

        def marked(
            environ: WSGIEnvironment, start_response: StartResponse
        ) -> t.Iterable[bytes]:
            local.in_view = True
            try:
                return app(environ, start_response)
            finally:
                local.in_view = False

        return marked

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
            done.wait(remaining(deadline))
        else:  # pragma: no cover -- the loop died on its own
            thunk()

    def _busy(self) -> int:
        """How many connections have a whole request in flight (or replies to send)."""
        from waitress.channel import HTTPChannel

        while True:
            try:
                channels = list(self._server._map.values())
                break
            except RuntimeError:  # pragma: no cover -- the loop changed the map
                continue
        return sum(
            1
            for ch in channels
            if isinstance(ch, HTTPChannel) and (ch.requests or ch.total_outbufs_len)
        )

    def _wait_until_idle(self, busy: int, deadline: float) -> bool:
        while self._busy() > busy and time.monotonic() < deadline:
            time.sleep(0.002)
        return self._busy() <= busy

    def stop(self, deadline: float) -> bool:
        from waitress import wasyncore

        server = self._server
        # Stop accepting: close only the listening socket (its close() would
        # also close the trigger we still need).
        self._in_loop(lambda: wasyncore.dispatcher.close(server), deadline)
        if getattr(self._local, "in_view", False):
            # Called from a view: its reply goes out after this returns, so
            # wait for the others only, and close down once the reply is sent.
            finished = self._wait_until_idle(1, deadline)
            closer = threading.Thread(
                target=self._close_down,
                args=(deadline,),
                name=f"microframe-stop:{self.port}",
                daemon=True,
            )
            closer.start()
            return finished
        return self._close_down(deadline)

    def _close_down(self, deadline: float) -> bool:
        finished = self._wait_until_idle(0, deadline)
        server = self._server

        def close_all() -> None:
            for obj in list(server._map.values()):
                if obj is not server.trigger:
                    obj.handle_close()
            server.trigger.close()

        self._in_loop(close_all, deadline)
        if self._thread.ident is not None:  # it may never have started
            self._thread.join(remaining(deadline))
        server.task_dispatcher.shutdown(
            cancel_pending=True, timeout=remaining(deadline)
        )
        return finished and not self._thread.is_alive()


class Backend(t.Protocol):
    """What :class:`~microframe.serving.Server` needs of a server loop."""

    port: int

    def start(self) -> None: ...

    def stop(self, deadline: float) -> bool: ...

    @property
    def alive(self) -> bool: ...
