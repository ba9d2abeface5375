"""The server loops behind ``app.serve()``: binding, waitress, the backend protocol.

A stable import path: the code lives in ``microframe.embedding.backends``.
"""

from __future__ import annotations

from .embedding.backends import Backend as Backend
from .embedding.backends import ServerBindError as ServerBindError
from .embedding.backends import WaitressServer as WaitressServer
from .embedding.backends import bind as bind
from .embedding.backends import remaining as remaining

__all__ = ["Backend", "ServerBindError", "WaitressServer", "bind", "remaining"]
