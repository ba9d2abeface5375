"""Recording and asserting blinker signals: :func:`assert_sends` and friends.

"Every signal" means, here: microframe's built-in signals (the namespace
``microframe.signals.signals_namespace``), every signal in blinker's default
namespace (those made with ``blinker.signal("name")``), and the signals you
name — a :class:`blinker.Signal`, a :class:`blinker.Namespace` of them, or an
import path ``"package.module:my_signal"``. blinker has no hook that sees every
send, so a signal made with ``Signal()`` or in your own ``Namespace`` is
recorded once it is named in one of those ways (``signals.watch(my_signal)``,
the ``microframe_signals`` ini option, or the ``signal`` you assert on).
"""

from __future__ import annotations

import importlib
import reprlib
import threading
import typing as t
from contextlib import ExitStack, contextmanager

from blinker import ANY, Namespace, Signal, default_namespace

#: What a signal may be named by: the signal, a namespace, or an import path.
SignalSpec = Signal | Namespace | str

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxdict = 6
_repr.maxlist = 6


class SignalCall(t.NamedTuple):
    """One send of a signal: which signal, by whom, with which arguments."""

    #: The signal's name (``"template-rendered"``), or its repr if unnamed.
    name: str
    #: The signal object.
    signal: Signal
    #: The sender passed to ``send``.
    sender: t.Any
    #: The keyword arguments passed to ``send``.
    kwargs: dict[str, t.Any]

    def matches(self, sender: t.Any = ANY, **expected: t.Any) -> bool:
        """Whether ``sender`` (ANY: any) sent it with kwargs including ``expected``."""
        if sender is not ANY and self.sender is not sender and self.sender != sender:
            return False
        return all(
            key in self.kwargs and self.kwargs[key] == value
            for key, value in expected.items()
        )

    def describe(self) -> str:
        """``name from sender: key=value, ...`` with long values shortened."""
        args = ", ".join(f"{k}={_repr.repr(v)}" for k, v in self.kwargs.items())
        return f"{self.name} from {_repr.repr(self.sender)}" + (
            f": {args}" if args else ""
        )


def signal_name(signal: Signal) -> str:
    """The signal's name, or its repr when it has none."""
    name = getattr(signal, "name", None)
    return name if isinstance(name, str) else repr(signal)


def resolve_signals(*specs: SignalSpec) -> list[Signal]:
    """The signals named by ``specs``; ``TypeError``/``ValueError`` for bad ones."""
    found: list[Signal] = []
    for spec in specs:
        if isinstance(spec, str):
            module_name, _, attr = spec.partition(":")
            if not attr:
                raise ValueError(
                    f"Cannot find a signal from {spec!r}: write 'module:name', for"
                    " example 'myapp.signals:order_placed' (a Signal or Namespace)."
                )
            try:
                value = getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError) as e:
                raise ValueError(
                    f"Cannot find the signal {spec!r}: {e}. Check the module and"
                    " name in the microframe_signals option or watch() call."
                ) from None
            found.extend(resolve_signals(value))
        elif isinstance(spec, Signal):
            found.append(spec)
        elif isinstance(spec, dict):  # a Namespace
            found.extend(sig for sig in spec.values() if isinstance(sig, Signal))
        else:
            raise TypeError(
                f"Expected a blinker Signal, a Namespace or a 'module:name' string,"
                f" not {type(spec).__name__} {spec!r}."
            )
    return found


def builtin_signals() -> list[Signal]:
    """microframe's built-in signals."""
    from microframe.signals import signals_namespace

    return list(signals_namespace.values())


def every_signal(*extra: SignalSpec) -> list[Signal]:
    """Built-in, blinker default-namespace and ``extra`` signals, without repeats."""
    signals = [
        *builtin_signals(),
        *default_namespace.values(),
        *resolve_signals(*extra),
    ]
    return list({id(sig): sig for sig in signals}.values())


class _Tap:
    """A receiver that adds the sends of one signal to a :class:`SignalRecord`."""

    __slots__ = ("name", "record", "signal")

    def __init__(self, record: SignalRecord, signal: Signal) -> None:
        self.record = record
        self.signal = signal
        self.name = signal_name(signal)

    def __call__(self, sender: t.Any, /, **kwargs: t.Any) -> None:
        record = self.record
        if record.accepts(sender):
            record._append(SignalCall(self.name, self.signal, sender, kwargs))


class SignalRecord(t.Sequence[SignalCall]):
    """The signals sent while it is active, in the order they were sent.

    Use it as a context manager (``with SignalRecord() as record:``), or call
    :meth:`start` and :meth:`stop`. Sends from every thread are recorded.
    """

    def __init__(self, *signals: SignalSpec, sender: t.Any = ANY) -> None:
        self._calls: list[SignalCall] = []
        self._lock = threading.Lock()
        self._signals = every_signal(*signals)
        self._sender = sender
        self._stack: ExitStack | None = None

    def accepts(self, sender: t.Any) -> bool:
        """Whether a send by ``sender`` belongs in this record."""
        return self._sender is ANY or sender is self._sender

    def _append(self, call: SignalCall) -> None:
        with self._lock:
            self._calls.append(call)

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> SignalRecord:
        """Connect to the signals; sends are recorded from now on."""
        if self._stack is None:
            self._stack = stack = ExitStack()
            for signal in self._signals:
                stack.enter_context(signal.connected_to(_Tap(self, signal)))
        return self

    def stop(self) -> None:
        """Disconnect from the signals; what was recorded stays."""
        if self._stack is not None:
            self._stack.close()
            self._stack = None

    def watch(self, *signals: SignalSpec) -> None:
        """Record ``signals`` too (a Signal, a Namespace or ``"module:name"``)."""
        known = {id(sig) for sig in self._signals}
        for signal in resolve_signals(*signals):
            if id(signal) not in known:
                known.add(id(signal))
                self._signals.append(signal)
                if self._stack is not None:
                    self._stack.enter_context(signal.connected_to(_Tap(self, signal)))

    def __enter__(self) -> SignalRecord:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- reading -------------------------------------------------------------------

    @t.overload
    def __getitem__(self, index: int) -> SignalCall: ...

    @t.overload
    def __getitem__(self, index: slice) -> list[SignalCall]: ...

    def __getitem__(self, index: int | slice) -> SignalCall | list[SignalCall]:
        return self._calls[index]

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> t.Iterator[SignalCall]:
        return iter(list(self._calls))

    @property
    def names(self) -> list[str]:
        """The names of the signals sent, in order."""
        return [call.name for call in self]

    def calls(
        self, signal: Signal | None = None, sender: t.Any = ANY, **expected: t.Any
    ) -> list[SignalCall]:
        """The sends of ``signal`` (all signals if ``None``) that match."""
        return [
            call
            for call in self
            if (signal is None or call.signal is signal)
            and call.matches(sender, **expected)
        ]

    def clear(self) -> None:
        """Forget what was recorded so far."""
        with self._lock:
            self._calls.clear()

    def assert_sent(
        self,
        signal: Signal,
        sender: t.Any = ANY,
        count: int | None = None,
        **expected: t.Any,
    ) -> list[SignalCall]:
        """Fail unless ``signal`` was sent (``count`` times); return the matches."""
        matching = self.calls(signal, sender, **expected)
        if (count is None and matching) or (
            count is not None and len(matching) == count
        ):
            return matching
        raise AssertionError(
            _failure(self, signal, sender, expected, count, matching, negate=False)
        )

    def assert_not_sent(
        self, signal: Signal, sender: t.Any = ANY, **expected: t.Any
    ) -> None:
        """Fail if ``signal`` was sent (by ``sender``, with ``expected`` kwargs)."""
        matching = self.calls(signal, sender, **expected)
        if matching:
            raise AssertionError(
                _failure(self, signal, sender, expected, None, matching, negate=True)
            )

    def __repr__(self) -> str:
        return f"<SignalRecord of {len(self)} sends: {self.names!r}>"


def _failure(
    record: SignalRecord,
    signal: Signal,
    sender: t.Any,
    expected: dict[str, t.Any],
    count: int | None,
    matching: list[SignalCall],
    *,
    negate: bool,
) -> str:
    wanted = signal_name(signal)
    conditions = []
    if sender is not ANY:
        conditions.append(f"sender {_repr.repr(sender)}")
    if expected:
        args = ", ".join(f"{k}={v!r}" for k, v in expected.items())
        conditions.append(f"arguments including {args}")
    where = f" ({' and '.join(conditions)})" if conditions else ""
    if negate:
        head = (
            f"expected signal {wanted!r}{where} not to be sent but got"
            f" {len(matching)} send(s):"
        )
        return "\n  ".join([head, *(call.describe() for call in matching)])
    times = "" if count is None else f" exactly {count} time(s)"
    head = (
        f"expected signal {wanted!r} to be sent{where}{times} but got"
        f" {len(matching)} matching send(s)."
    )
    lines = [head]
    others = [call for call in record if call.signal is signal and call not in matching]
    if others:
        lines.append(f"Sends of {wanted!r} that did not match:")
        lines.extend(f"  {call.describe()}" for call in others)
    rest = [call for call in record if call.signal is not signal]
    if rest:
        lines.append("Signals sent instead:")
        lines.extend(f"  {call.describe()}" for call in rest)
    elif not others and not matching:
        lines.append("No signal was sent at all.")
    return "\n".join(lines)


class _AppRecord(SignalRecord):
    """Records the sends whose sender is ``app``, or made inside its app context."""

    def __init__(self, app: t.Any, *signals: SignalSpec) -> None:
        super().__init__(*signals)
        self._app = app

    def accepts(self, sender: t.Any) -> bool:
        if sender is self._app:
            return True
        from microframe.globals import _cv_app

        ctx = _cv_app.get(None)
        return ctx is not None and ctx.app is self._app


@contextmanager
def captured_signals(app: t.Any, *signals: SignalSpec) -> t.Iterator[SignalRecord]:
    """Record every signal ``app`` sends inside the ``with`` block.

    A send belongs to the app when the app is its sender (all built-in signals)
    or when it happens inside one of the app's contexts (your signals sent from
    its views). ``signals`` names more signals to watch. ::

        with captured_signals(app) as sent:
            client.get("/")
        assert sent.names[:2] == ["appcontext-pushed", "request-started"]
    """
    with _AppRecord(app, *signals) as record:
        yield record


@contextmanager
def assert_sends(
    signal: Signal, sender: t.Any = ANY, count: int | None = None, **expected: t.Any
) -> t.Iterator[list[SignalCall]]:
    """Fail unless ``signal`` is sent inside the block (``count`` times exactly).

    ``sender`` and keyword arguments narrow which sends count; the manager
    yields the list of matching sends, filled in as they happen. Sends from
    other threads (a live server's) count too. On failure, the message lists
    the signals that were sent instead.
    """
    record = SignalRecord(signal)
    matching: list[SignalCall] = []
    with record, signal.connected_to(_Collector(matching, signal, sender, expected)):
        yield matching
    record.assert_sent(signal, sender, count, **expected)


@contextmanager
def assert_not_sends(
    signal: Signal, sender: t.Any = ANY, **expected: t.Any
) -> t.Iterator[list[SignalCall]]:
    """Fail if ``signal`` is sent inside the block (by ``sender``, with kwargs).

    Yields the list of matching sends (empty unless the assertion will fail).
    """
    record = SignalRecord(signal)
    matching: list[SignalCall] = []
    with record, signal.connected_to(_Collector(matching, signal, sender, expected)):
        yield matching
    record.assert_not_sent(signal, sender, **expected)


class _Collector:
    """A receiver that keeps the sends of one signal that match a filter."""

    def __init__(
        self,
        into: list[SignalCall],
        signal: Signal,
        sender: t.Any,
        expected: dict[str, t.Any],
    ) -> None:
        self.into = into
        self.signal = signal
        self.name = signal_name(signal)
        self.sender = sender
        self.expected = expected

    def __call__(self, sender: t.Any, /, **kwargs: t.Any) -> None:
        call = SignalCall(self.name, self.signal, sender, kwargs)
        if call.matches(self.sender, **self.expected):
            self.into.append(call)
