"""Testing tools for microframe apps: a request-recording client, assertions,
signal assertions, a live server and the pytest plugin ``microframe``.

Names are imported on first use, so that pytest loading the plugin (a module
of this package) does not import microframe and the recording machinery.
"""

from __future__ import annotations

import importlib
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from .assertions import assert_contains as assert_contains
    from .assertions import assert_flashed as assert_flashed
    from .assertions import assert_json as assert_json
    from .assertions import assert_redirects as assert_redirects
    from .assertions import assert_status as assert_status
    from .assertions import assert_template_not_used as assert_template_not_used
    from .assertions import assert_template_used as assert_template_used
    from .client import RecordedTestResponse as RecordedTestResponse
    from .client import RecordingClient as RecordingClient
    from .exchange import Exchange as Exchange
    from .exchange import RecordedRequest as RecordedRequest
    from .exchange import RecordedResponse as RecordedResponse
    from .exchange import RenderedTemplate as RenderedTemplate
    from .history import History as History
    from .live_server import LiveServer as LiveServer
    from .loading import AppLoadError as AppLoadError
    from .signals import SignalCall as SignalCall
    from .signals import SignalRecord as SignalRecord
    from .signals import assert_not_sends as assert_not_sends
    from .signals import assert_sends as assert_sends
    from .signals import captured_signals as captured_signals

_WHERE = {
    "AppLoadError": "loading",
    "Exchange": "exchange",
    "History": "history",
    "LiveServer": "live_server",
    "RecordedRequest": "exchange",
    "RecordedResponse": "exchange",
    "RecordedTestResponse": "client",
    "RecordingClient": "client",
    "RenderedTemplate": "exchange",
    "SignalCall": "signals",
    "SignalRecord": "signals",
    "assert_contains": "assertions",
    "assert_flashed": "assertions",
    "assert_json": "assertions",
    "assert_not_sends": "signals",
    "assert_redirects": "assertions",
    "assert_sends": "signals",
    "assert_status": "assertions",
    "assert_template_not_used": "assertions",
    "assert_template_used": "assertions",
    "captured_signals": "signals",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> t.Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
