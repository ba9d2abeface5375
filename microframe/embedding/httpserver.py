"""The default server behind ``app.serve()``: a selector loop and a bounded pool.

One thread owns the listening socket and every connection between requests:
it accepts, reads request heads without blocking, and closes connections that
take longer than ``header_timeout`` to send a head or stay idle past
``keepalive_timeout``. A connection whose head is complete goes to one of at
most ``threads`` worker threads, which runs werkzeug's WSGI request handler on
it (werkzeug parses the request and builds the environ) and hands a kept-alive
connection back to the loop. Idle or slow clients cost a socket, never a
thread, and the thread count never exceeds ``threads + 1``.

Failures to accept (out of descriptors) or to start a worker are logged and
survived: the loop closes its longest-waiting idle connection, or tries the
worker again shortly, and goes on.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import logging
import selectors
import socket
import threading
import time
import typing as t

from werkzeug.serving import BaseWSGIServer

from .backends import (
    CONNECTION_LIMIT,
    DEFAULT_THREADS,
    HEADER_TIMEOUT,
    KEEPALIVE_TIMEOUT,
    MAX_HEAD,
    remaining,
)
from .handler import _Job, _record_response, _RequestHandler

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication

__all__ = ["ThreadedServer"]


class _Connection:
    """A connection the loop owns: the bytes of a request head read so far."""

    __slots__ = ("address", "buffer", "deadline", "idle", "sock")

    def __init__(
        self, sock: socket.socket, address: t.Any, deadline: float, idle: bool
    ) -> None:
        self.sock = sock
        self.address = address
        self.buffer = bytearray()
        self.deadline = deadline
        #: Between requests on a kept-alive connection (no byte of the next yet).
        self.idle = idle


def _head_end(buffer: bytearray) -> int:
    """Where the request head in ``buffer`` ends (after its blank line), or -1."""
    ends = [
        found + len(mark)
        for mark in (b"\r\n\r\n", b"\n\n")
        if (found := buffer.find(mark)) >= 0
    ]
    return min(ends) if ends else -1


def _status_reply(status: str) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".encode()
    )


#: accept() errors that mean "out of descriptors or memory for now".
_RESOURCE_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class ThreadedServer(BaseWSGIServer):
    """A selector loop that reads request heads, and a bounded pool of workers.

    One thread owns the listening socket and every connection that is between
    requests: it accepts, reads request heads without blocking and closes
    connections that take longer than ``header_timeout`` to send a head or
    stay idle longer than ``keepalive_timeout``. A connection whose head is
    complete goes to one of at most ``threads`` workers, which runs werkzeug's
    WSGI handler on it and hands a kept-alive connection back to the loop. So
    slow or idle clients cost a socket each, never a thread.
    """

    multithread = True

    def __init__(
        self,
        sock: socket.socket,
        app: WSGIApplication,
        log: logging.Logger,
        *,
        threads: int = DEFAULT_THREADS,
        header_timeout: float = HEADER_TIMEOUT,
        keepalive_timeout: float = KEEPALIVE_TIMEOUT,
        connection_limit: int = CONNECTION_LIMIT,
        redact: t.Callable[[str], str] = str,
    ) -> None:
        host, port = sock.getsockname()[:2]
        # Given a descriptor, werkzeug duplicates it and never binds (nor exits).
        super().__init__(
            host, port, _record_response(app), handler=_RequestHandler, fd=sock.fileno()
        )
        sock.close()
        self.socket.setblocking(False)
        self.logger = log
        self.redact = redact
        self.max_threads = threads
        self.header_timeout = header_timeout
        self.keepalive_timeout = keepalive_timeout
        self.connection_limit = connection_limit
        self.stopping = False
        self._cond = threading.Condition()
        self._jobs: collections.deque[_Job] = collections.deque()
        self._busy: set[socket.socket] = set()
        self._returned: list[_Connection] = []
        self._workers: list[threading.Thread] = []
        self._idle_workers = 0
        self._worker_failures = 0
        self._open = 0  # connections accepted and not closed yet
        # Owned by the loop thread:
        self._waiting: dict[socket.socket, _Connection] = {}
        self._resume_accept = 0.0
        self._accept_trouble = False
        self._sweep = min(0.25, header_timeout / 4, keepalive_timeout / 4)
        self._next_sweep = 0.0
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._thread = threading.Thread(
            target=self._serve, name=f"microframe-server:{self.port}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- the loop ------------------------------------------------------------------

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ)
            try:
                while not self.stopping:
                    try:
                        self._turn(selector)
                    except Exception:
                        # The loop goes on: it is the only way in to the app.
                        self.logger.exception(
                            "Error in the server loop on port %s", self.port
                        )
                        time.sleep(0.01)
            finally:
                with self._cond:
                    returned, self._returned = self._returned, []
                for conn in [*self._waiting.values(), *returned]:
                    self._close(conn.sock)
                self._waiting.clear()

    def _turn(self, selector: selectors.BaseSelector) -> None:
        """One round of the loop: take connections back, accept, read, expire."""
        now = time.monotonic()
        self._take_back(selector, now)
        with self._cond:
            full = self._open >= self.connection_limit
        wanted = now >= self._resume_accept and (not full or bool(self._waiting))
        try:
            listening = selector.get_key(self.socket) is not None
        except KeyError:
            listening = False
        if wanted and not listening:
            selector.register(self.socket, selectors.EVENT_READ)
        elif listening and not wanted:
            selector.unregister(self.socket)
        timeout: float | None = None
        if self._waiting or self._starved():
            timeout = self._sweep
        if not wanted:
            timeout = min(self._sweep, max(0.0, self._resume_accept - now))
        for key, _ in selector.select(timeout):
            try:
                if key.fileobj is self._wake_r:
                    self._drain_wake()
                elif key.fileobj is self.socket:
                    self._accept(selector)
                else:
                    self._read(selector, key.data)
            except Exception:
                # One connection's trouble is logged and ends that connection.
                self.logger.exception("Error reading a request on port %s", self.port)
                if key.data is not None:
                    self._drop(selector, key.data)
        self._expire(selector, time.monotonic())
        if self._starved():
            self._add_worker()

    def _make_room(self, selector: selectors.BaseSelector) -> bool:
        """Whether one more connection fits, closing the oldest waiting one if not.

        Connections busy in workers are never closed to make room.
        """
        with self._cond:
            full = self._open >= self.connection_limit
        if full and self._waiting:
            self._drop(selector, next(iter(self._waiting.values())))
            return True
        return not full

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass

    def wake(self) -> None:
        """Make the loop go round (a connection came back, or stop())."""
        with contextlib.suppress(OSError):  # full: a wake-up is pending anyway
            self._wake_w.send(b"\0")

    def _accept(self, selector: selectors.BaseSelector) -> None:
        now = time.monotonic()
        for _ in range(64):  # then let the connections already here have a turn
            if not self._make_room(selector):
                return
            try:
                sock, address = self.socket.accept()
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno in _RESOURCE_ERRORS:
                    self._out_of_resources(selector, e, now)
                    return
                continue  # the client gave up before we took it
            self._accept_trouble = False
            with self._cond:
                self._open += 1
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(sock, address, now + self.header_timeout, idle=False)
            self._waiting[sock] = conn
            selector.register(sock, selectors.EVENT_READ, conn)

    def _out_of_resources(
        self, selector: selectors.BaseSelector, error: OSError, now: float
    ) -> None:
        if not self._accept_trouble:
            self._accept_trouble = True
            self.logger.warning(
                "The server on port %s cannot accept connections: %s. It closes"
                " its longest-waiting idle connection and keeps serving; raise"
                " the open files limit ('ulimit -n') or lower connection_limit=.",
                self.port,
                error.strerror or error,
            )
        if self._waiting:
            self._drop(selector, next(iter(self._waiting.values())))
        self._resume_accept = now + 0.05

    def _read(self, selector: selectors.BaseSelector, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(selector, conn)
            return
        if conn.idle:
            conn.idle = False
            conn.deadline = time.monotonic() + self.header_timeout
        conn.buffer += data
        self._check_head(selector, conn)

    def _check_head(self, selector: selectors.BaseSelector, conn: _Connection) -> None:
        buffer = conn.buffer
        if buffer.startswith((b"\r", b"\n")):  # blank lines before a request line
            del buffer[: len(buffer) - len(buffer.lstrip(b"\r\n"))]
        end = _head_end(buffer)
        if end < 0:
            if len(buffer) > MAX_HEAD:
                self._reply_and_drop(
                    selector, conn, "431 Request Header Fields Too Large"
                )
            return
        selector.unregister(conn.sock)
        del self._waiting[conn.sock]
        self._submit(
            _Job(conn.sock, conn.address, bytes(buffer[:end]), bytes(buffer[end:]))
        )

    def _expire(self, selector: selectors.BaseSelector, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._sweep
        late = [conn for conn in self._waiting.values() if conn.deadline <= now]
        for conn in late:
            if conn.buffer:
                self._reply_and_drop(selector, conn, "408 Request Timeout")
            else:
                self._drop(selector, conn)

    def _reply_and_drop(
        self, selector: selectors.BaseSelector, conn: _Connection, status: str
    ) -> None:
        with contextlib.suppress(OSError):  # best effort: the loop never blocks
            conn.sock.send(_status_reply(status))
        self._drop(selector, conn)

    def _drop(self, selector: selectors.BaseSelector, conn: _Connection) -> None:
        if self._waiting.pop(conn.sock, None) is not None:
            selector.unregister(conn.sock)
        self._close(conn.sock)

    def _close(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.close()
        with self._cond:
            self._open -= 1

    def _take_back(self, selector: selectors.BaseSelector, now: float) -> None:
        with self._cond:
            returned, self._returned = self._returned, []
        for conn in returned:
            conn.deadline = now + self.keepalive_timeout
            self._waiting[conn.sock] = conn
            selector.register(conn.sock, selectors.EVENT_READ, conn)
            if conn.buffer:  # the client sent its next request already
                conn.idle = False
                conn.deadline = now + self.header_timeout
                self._check_head(selector, conn)

    # -- the workers ---------------------------------------------------------------

    def _submit(self, job: _Job) -> None:
        with self._cond:
            self._jobs.append(job)
            self._cond.notify()
            more = self._idle_workers < len(self._jobs)
        if more:
            self._add_worker()

    def _starved(self) -> bool:
        with self._cond:
            return (
                bool(self._jobs)
                and self._idle_workers == 0
                and (len(self._workers) < self.max_threads)
            )

    def _add_worker(self) -> None:
        with self._cond:
            self._workers = [th for th in self._workers if th.is_alive()]
            if len(self._workers) >= self.max_threads or self.stopping:
                return
            thread = threading.Thread(
                target=self._work, name=f"microframe-worker:{self.port}", daemon=True
            )
            try:
                thread.start()
            except RuntimeError as e:  # no memory or threads left, for now
                self._worker_failures += 1
                if self._worker_failures == 1:
                    self.logger.warning(
                        "The server on port %s could not start a worker thread"
                        " (%s); %d running workers keep serving and it tries again"
                        " shortly. Lower threads= or free memory.",
                        self.port,
                        e,
                        len(self._workers),
                    )
                return
            self._worker_failures = 0
            self._workers.append(thread)

    def _work(self) -> None:
        while True:
            with self._cond:
                self._idle_workers += 1
                while not self._jobs and not self.stopping:
                    self._cond.wait()
                self._idle_workers -= 1
                if not self._jobs:
                    return
                job = self._jobs.popleft()
                self._busy.add(job.sock)
            try:
                self._handle(job)
            finally:
                with self._cond:
                    self._busy.discard(job.sock)

    def _handle(self, job: _Job) -> None:
        keep: bytes | None = None
        try:
            job.sock.settimeout(self.header_timeout)
            handler = _RequestHandler(
                t.cast(t.Any, job), job.address, self
            )  # serves it
            if handler.keep_alive:
                keep = handler.input.rest
        except Exception:
            self.handle_error(job.sock, job.address)
        if keep is None:
            with contextlib.suppress(OSError):
                job.sock.shutdown(socket.SHUT_WR)
            self._close(job.sock)
            return
        job.sock.setblocking(False)
        conn = _Connection(job.sock, job.address, 0.0, idle=True)
        conn.buffer += keep
        with self._cond:
            kept = not self.stopping
            if kept:
                self._returned.append(conn)
        if kept:
            self.wake()
        else:
            self._close(job.sock)

    def log(self, type: str, message: str, *args: t.Any) -> None:
        level = logging.ERROR if type == "error" else logging.INFO
        self.logger.log(level, message, *args)

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        self.logger.exception("Error handling the connection from %s", client_address)

    # -- stopping ------------------------------------------------------------------

    def stop(self, deadline: float) -> bool:
        with self._cond:
            self.stopping = True
            self._cond.notify_all()
        self.wake()
        current = threading.current_thread()
        if self._thread is not current and self._thread.ident is not None:
            self._thread.join(remaining(deadline))
        self.server_close()  # refuse new connections; the port is free again
        with self._cond:
            workers = [th for th in self._workers if th is not current]
        for thread in workers:
            thread.join(remaining(deadline))
        stragglers = [th for th in workers if th.is_alive()]
        with self._cond:
            busy = list(self._busy) if stragglers else []
            unserved, self._jobs = list(self._jobs), collections.deque()
        for sock in busy:
            # Out of time: cut the connections so blocked reads and writes end.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for job in unserved:  # no worker could be started to serve them
            self._close(job.sock)
        self._wake_r.close()
        self._wake_w.close()
        return not stragglers and not unserved and not self._thread.is_alive()
