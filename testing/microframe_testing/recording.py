"""The machinery behind exchanges: the :class:`Recorder` a client or server owns.

A request being recorded is the *current exchange* of the thread that runs
it (a :class:`~contextvars.ContextVar`), so the receivers and the log handler
know where a template, a flash, a signal or a log record belongs even when a
live server's threads and the test's thread run side by side.

What it costs per request: a few small objects, a context variable set and
reset, a handler added to and removed from the root logger, and two environ
keys: the exchange, and the hook the app already calls to hand over its
contexts (``werkzeug.debug.preserve_context``), which tells the exchange the
endpoint. The receivers stay connected while the recorder lives (they are
weakly referenced, and :meth:`Recorder.close` disconnects them), because
connecting a receiver costs more than a request's worth of recording.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import typing as t
from contextlib import contextmanager
from contextvars import ContextVar

from blinker import ANY, Signal

from .exchange import Exchange, RecordedRequest, RenderedTemplate
from .history import History
from .signals import SignalCall, SignalSpec, resolve_signals, signal_name

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

    from microframe import Microframe

#: The environ key through which a microframe app hands its contexts over.
PRESERVE_CONTEXT = "werkzeug.debug.preserve_context"
#: The environ key holding the exchange of a request being recorded.
EXCHANGE_KEY = "microframe_testing.exchange"

#: The exchange of the request this thread (or task) is handling, if recorded.
current_exchange: ContextVar[Exchange | None] = ContextVar(
    "microframe_testing.current_exchange", default=None
)

#: Built-in signals every recorder watches: they say what a request did.
RECORDED_BUILTINS = (
    "template-rendered",
    "before-render-template",
    "message-flashed",
    "got-request-exception",
)


def exchange_now() -> Exchange | None:
    """The exchange being recorded in this thread, if any.

    That is the current exchange while the app handles a request, and the
    exchange of the request whose context is pushed while a streamed body
    (``stream_with_context``, ``stream_template``) is read afterwards.
    """
    exchange = current_exchange.get()
    if exchange is None:
        from microframe.globals import _cv_request

        ctx = _cv_request.get(None)
        if ctx is not None:
            exchange = ctx.request.environ.get(EXCHANGE_KEY)
    return exchange


def read_body(environ: WSGIEnvironment) -> bytes:
    """The request body, read so that the app can still read it afterwards."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()
    length = environ.get("CONTENT_LENGTH")
    if not length and "wsgi.input_terminated" not in environ:
        return b""
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        position = stream.tell()
        body: bytes = stream.read()
        stream.seek(position)
        return body
    if "wsgi.input_terminated" in environ:
        body = stream.read()
    else:
        body = stream.read(int(str(length)))
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class _Receiver:
    """Adds the sends of one signal to the current exchange of its recorder."""

    __slots__ = ("__weakref__", "kind", "name", "signal", "token")

    def __init__(self, token: object, signal: Signal) -> None:
        self.token = token
        self.signal = signal
        self.name = signal_name(signal)
        self.kind = self.name if self.name in RECORDED_BUILTINS else ""

    def __call__(self, sender: t.Any, /, **kwargs: t.Any) -> None:
        exchange = exchange_now()
        if exchange is None or exchange._token is not self.token:
            return
        call = SignalCall(self.name, self.signal, sender, kwargs)
        if exchange._signals is None:
            exchange._signals = [call]
        else:
            exchange._signals.append(call)
        kind = self.kind
        if kind == "template-rendered":
            template = kwargs["template"]
            rendered = RenderedTemplate(
                template.name, dict(kwargs["context"]), template
            )
            if exchange._templates is None:
                exchange._templates = [rendered]
            else:
                exchange._templates.append(rendered)
        elif kind == "message-flashed":
            flashed = (kwargs["category"], kwargs["message"])
            if exchange._flashes is None:
                exchange._flashes = [flashed]
            else:
                exchange._flashes.append(flashed)
        elif kind == "got-request-exception":
            exchange.exception = kwargs["exception"]


class _LogHandler(logging.Handler):
    """Keeps the records emitted during its recorder's current exchange."""

    def __init__(self, token: object) -> None:
        super().__init__()
        self.token = token
        self._users = 0
        self._users_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        exchange = exchange_now()
        if exchange is not None and exchange._token is self.token:
            if exchange._logs is None:
                exchange._logs = [record]
            else:
                exchange._logs.append(record)

    def attach(self, loggers: tuple[logging.Logger, ...]) -> None:
        with self._users_lock:
            self._users += 1
            if self._users == 1:
                for logger in loggers:
                    logger.addHandler(self)

    def detach(self, loggers: tuple[logging.Logger, ...]) -> None:
        with self._users_lock:
            self._users -= 1
            if self._users == 0:
                for logger in loggers:
                    logger.removeHandler(self)


class Recorder:
    """Records the requests an app handles, for a client or a live server.

    :param app: the app whose signals and logs are recorded.
    :param signals: more signals to record in each exchange's ``signals``
        (a Signal, a Namespace, or ``"module:name"``). The built-in signals
        that say what a request did (templates, flashes, exceptions) and
        blinker's default namespace are always recorded; pass
        ``microframe.signals.signals_namespace`` for the lifecycle signals
        (``request-started``, ``appcontext-pushed``, ...) too.
    """

    def __init__(self, app: Microframe, signals: t.Iterable[SignalSpec] = ()) -> None:
        from blinker import default_namespace

        from microframe.signals import signals_namespace

        self.app = app
        #: Every exchange recorded, in order.
        self.history = History()
        #: Whether requests are recorded (``False`` pauses recording).
        self.recording = True
        self._token = object()
        self._receivers: list[_Receiver] = []
        self._log_handler = _LogHandler(self._token)
        # Make the app's logger now: made while our handler sits on the root
        # logger, it would think logging is configured and skip its own handler.
        logger = getattr(app, "logger", None)
        root = logging.getLogger()
        if isinstance(logger, logging.Logger) and not logger.propagate:
            self._loggers: tuple[logging.Logger, ...] = (root, logger)
        else:
            self._loggers = (root,)
        for name in RECORDED_BUILTINS:
            self._connect(signals_namespace[name], app)
        self.watch(*default_namespace.values(), *signals)

    def _connect(self, signal: Signal, sender: t.Any = ANY) -> None:
        receiver = _Receiver(self._token, signal)
        self._receivers.append(receiver)
        signal.connect(receiver, sender=sender, weak=True)

    def watch(self, *signals: SignalSpec) -> None:
        """Record these signals in each exchange too.

        Built-in signals are recorded when the app sends them, others
        whoever sends them.
        """
        from microframe.signals import signals_namespace

        builtins = set(map(id, signals_namespace.values()))
        known = {id(receiver.signal) for receiver in self._receivers}
        for signal in resolve_signals(*signals):
            if id(signal) not in known:
                known.add(id(signal))
                sender = self.app if id(signal) in builtins else ANY
                self._connect(signal, sender)

    def close(self) -> None:
        """Disconnect the receivers; recording stops, the history stays."""
        self.recording = False
        for receiver in self._receivers:
            receiver.signal.disconnect(receiver)
        self._receivers.clear()

    # -- one request -----------------------------------------------------------

    def begin(self, environ: WSGIEnvironment, snapshot: bool = False) -> Exchange:
        """Start recording the request in ``environ``; pair with :meth:`end`.

        ``snapshot`` keeps a copy of the environ's strings instead of the
        environ itself (a server's environ holds its socket and streams).
        """
        body = read_body(environ)
        if snapshot:
            environ = {k: v for k, v in environ.items() if isinstance(v, str)}
        request = RecordedRequest(environ, body)
        exchange = Exchange(self.app, request, self._token, time.time())
        exchange._clock = time.perf_counter()
        self.history._append(exchange)
        self._log_handler.attach(self._loggers)
        return exchange

    def end(self, exchange: Exchange) -> None:
        """Stop recording ``exchange``'s request: the app has returned."""
        exchange.duration = time.perf_counter() - exchange._clock
        self._log_handler.detach(self._loggers)


class RecordingControls:
    """What a recording client and a live server both offer about their record."""

    _recorder: Recorder

    @property
    def history(self) -> History:
        """Every exchange recorded so far, in order."""
        return self._recorder.history

    @property
    def last(self) -> Exchange:
        """The latest exchange; ``LookupError`` when there is none."""
        return self.history.last

    @property
    def recording(self) -> bool:
        """Whether requests are recorded; set it to pause or resume."""
        return self._recorder.recording

    @recording.setter
    def recording(self, value: bool) -> None:
        self._recorder.recording = value

    @contextmanager
    def paused(self) -> t.Iterator[None]:
        """Make requests without recording them inside the ``with`` block."""
        before = self._recorder.recording
        self._recorder.recording = False
        try:
            yield
        finally:
            self._recorder.recording = before

    def watch(self, *signals: SignalSpec) -> None:
        """Record these signals (Signal, Namespace or ``"module:name"``) too."""
        self._recorder.watch(*signals)


class ContextHook:
    """The ``preserve_context`` environ hook: reads what the app decided.

    The app calls it with its app and request contexts as the request ends;
    the request tells the exchange the rule (so the endpoint) and view args.
    ``then`` is the hook that was there before (the client's ``with client:``).
    """

    __slots__ = ("exchange", "then")

    def __init__(
        self, exchange: Exchange, then: t.Callable[[t.Any], None] | None
    ) -> None:
        self.exchange = exchange
        self.then = then

    def __call__(self, ctx: t.Any) -> None:
        request = getattr(ctx, "request", None)
        if request is not None:
            self.exchange.url_rule = request.url_rule
            self.exchange._view_args = request.view_args
        if self.then is not None:
            self.then(ctx)
