"""Tests for microframe_testing's signal records and signal assertions."""

from __future__ import annotations

import threading
import typing as t
import unittest.mock

import blinker
import pytest

from microframe import (
    Microframe,
    appcontext_pushed,
    message_flashed,
    render_template_string,
    request_started,
    template_rendered,
)
from microframe_testing import (
    RecordingClient,
    SignalCall,
    SignalRecord,
    assert_not_sends,
    assert_sends,
    captured_signals,
)
from microframe_testing.signals import every_signal, resolve_signals

#: A signal in a namespace of the user's, found by import path in tests.
user_namespace = blinker.Namespace()
order_placed = user_namespace.signal("order-placed")
anonymous = blinker.Signal()


@pytest.fixture
def client(app: Microframe) -> t.Iterator[RecordingClient]:
    """A recording client of an app that renders a template and sends a signal."""

    @app.route("/")
    def index() -> str:
        order_placed.send("the shop", order=7)
        return render_template_string("hi")

    recording = RecordingClient(app)
    yield recording
    recording.close()


def test_signal_record_records_in_order(
    client: RecordingClient, app: Microframe
) -> None:
    with SignalRecord(order_placed) as record:
        client.get("/")
    assert record.names == [
        "appcontext-pushed",
        "request-started",
        "order-placed",
        "before-render-template",
        "template-rendered",
        "request-finished",
        "request-tearing-down",
        "appcontext-tearing-down",
        "appcontext-popped",
    ]
    assert len(record) == 9
    assert record[2] == SignalCall(
        "order-placed", order_placed, "the shop", {"order": 7}
    )
    assert record[:2] == list(record)[:2]
    assert [call.name for call in record.calls(template_rendered)] == [
        "template-rendered"
    ]
    assert record.calls(order_placed, sender="the shop", order=7) == [record[2]]
    assert record.calls(order_placed, order=8) == []
    assert record.calls(sender="nobody") == []
    assert repr(record).startswith("<SignalRecord of 9 sends: ['appcontext-pushed',")
    record.clear()
    assert len(record) == 0


def test_record_stops_recording(client: RecordingClient) -> None:
    record = SignalRecord().start()
    record.start()  # starting twice is harmless
    client.get("/")
    record.stop()
    record.stop()
    count = len(record)
    client.get("/")
    assert len(record) == count > 0


def test_record_watch(client: RecordingClient) -> None:
    record = SignalRecord()
    record.watch(order_placed)
    record.watch(user_namespace)  # already watched
    with record:
        record.watch(anonymous)
        anonymous.send("me")
        client.get("/")
    assert "order-placed" in record.names
    assert record.names[0].startswith("<blinker.base.Signal object")


def test_sends_from_other_threads_are_recorded() -> None:
    with SignalRecord(order_placed) as record:
        thread = threading.Thread(target=order_placed.send, args=("thread",))
        thread.start()
        thread.join()
    assert record.calls(order_placed, sender="thread")


def test_assert_sent_and_not_sent(client: RecordingClient, app: Microframe) -> None:
    with SignalRecord(order_placed) as record:
        client.get("/")
    assert record.assert_sent(order_placed, order=7) == [record[2]]
    record.assert_sent(request_started, sender=app, count=1)
    record.assert_not_sent(message_flashed)
    record.assert_not_sent(order_placed, order=8)
    with pytest.raises(AssertionError) as info:
        record.assert_not_sent(order_placed)
    message = str(info.value)
    assert "expected signal 'order-placed' not to be sent but got 1 send(s):" in message
    assert "order-placed from 'the shop': order=7" in message


def test_assert_sent_failure_lists_what_was_sent(client: RecordingClient) -> None:
    with SignalRecord(order_placed) as record:
        client.get("/")
    with pytest.raises(AssertionError) as info:
        record.assert_sent(order_placed, sender="the bank", order=8)
    lines = str(info.value).splitlines()
    assert lines[0] == (
        "expected signal 'order-placed' to be sent (sender 'the bank' and arguments"
        " including order=8) but got 0 matching send(s)."
    )
    assert lines[1] == "Sends of 'order-placed' that did not match:"
    assert lines[2] == "  order-placed from 'the shop': order=7"
    assert lines[3] == "Signals sent instead:"
    assert lines[4].startswith("  appcontext-pushed from <Microframe 'test_app'")
    with pytest.raises(AssertionError, match="exactly 2 time"):
        record.assert_sent(order_placed, count=2)


def test_assert_sent_when_only_that_signal_was_sent() -> None:
    with SignalRecord(order_placed) as record:
        order_placed.send("a")
    with pytest.raises(AssertionError) as info:
        record.assert_sent(order_placed, count=2)
    assert "Signals sent instead" not in str(info.value)
    assert "No signal was sent at all" not in str(info.value)


def test_assert_sent_when_nothing_was_sent() -> None:
    with SignalRecord() as record:
        pass
    with pytest.raises(AssertionError, match="No signal was sent at all"):
        record.assert_sent(order_placed)


def test_assert_sends(client: RecordingClient, app: Microframe) -> None:
    with assert_sends(order_placed, order=7) as calls:
        client.get("/")
    assert [call.sender for call in calls] == ["the shop"]
    with assert_sends(template_rendered, sender=app, count=2):
        client.get("/")
        client.get("/")
    with assert_sends(order_placed, order=unittest.mock.ANY):
        client.get("/")


def test_assert_sends_failure(client: RecordingClient) -> None:
    with pytest.raises(AssertionError) as info, assert_sends(message_flashed):
        client.get("/")
    message = str(info.value)
    assert message.startswith(
        "expected signal 'message-flashed' to be sent but got 0 matching send(s).\n"
        "Signals sent instead:\n  appcontext-pushed from <Microframe"
    )
    assert "  template-rendered from <Microframe 'test_app'" in message
    assert "order-placed" not in message  # not watched by this assertion


def test_assert_sends_does_not_hide_errors() -> None:
    with pytest.raises(KeyError), assert_sends(order_placed):
        raise KeyError("inside")


def test_assert_not_sends(client: RecordingClient) -> None:
    with assert_not_sends(message_flashed) as calls:
        client.get("/")
    assert calls == []
    with assert_not_sends(order_placed, order=8):
        client.get("/")
    with pytest.raises(AssertionError) as info, assert_not_sends(order_placed):
        client.get("/")
    assert str(info.value).startswith(
        "expected signal 'order-placed' not to be sent but got 1 send(s):\n"
        "  order-placed from 'the shop': order=7"
    )


def test_captured_signals_keeps_the_apps_sends(
    client: RecordingClient, app: Microframe
) -> None:
    other = Microframe("other")
    with captured_signals(app, order_placed) as sent:
        client.get("/")
        with other.app_context():
            pass
        order_placed.send("outside any app")
    assert sent.names == [
        "appcontext-pushed",
        "request-started",
        "order-placed",  # sent by 'the shop', inside the app's context
        "before-render-template",
        "template-rendered",
        "request-finished",
        "request-tearing-down",
        "appcontext-tearing-down",
        "appcontext-popped",
    ]
    assert all(call.sender is app for call in sent if call.name != "order-placed")


def test_resolve_signals() -> None:
    assert resolve_signals(
        order_placed, user_namespace, f"{__name__}:user_namespace"
    ) == [order_placed, order_placed, order_placed]
    assert resolve_signals(f"{__name__}:anonymous") == [anonymous]
    with pytest.raises(ValueError, match="write 'module:name'"):
        resolve_signals(__name__)
    with pytest.raises(ValueError, match="Cannot find the signal 'nope:x': No module"):
        resolve_signals("nope:x")
    with pytest.raises(ValueError, match="has no attribute 'missing'"):
        resolve_signals(f"{__name__}:missing")
    with pytest.raises(TypeError, match="not int 3"):
        resolve_signals(3)  # type: ignore[arg-type]


def test_every_signal_has_no_repeats() -> None:
    signals = every_signal(appcontext_pushed, order_placed, order_placed)
    assert len(signals) == len({id(sig) for sig in signals})
    assert appcontext_pushed in signals
    assert order_placed in signals


def test_signal_call_describe_shortens() -> None:
    call = SignalCall("x", order_placed, "s", {"data": "y" * 200})
    assert len(call.describe()) < 100
    assert SignalCall("x", order_placed, "s", {}).describe() == "x from 's'"
    assert call.matches("s")
    assert not call.matches("t")
    assert not call.matches(missing=1)
