"""The stable import path for :mod:`microframe.embedding.backends`.

The server backends live in the :mod:`microframe.embedding` subpackage; their
public names are re-exported here.
"""

from __future__ import annotations

from .embedding.backends import Backend as Backend
from .embedding.backends import ServerBindError as ServerBindError
from .embedding.backends import WaitressServer as WaitressServer
from .embedding.backends import bind as bind
from .embedding.backends import remaining as remaining

__all__ = ["Backend", "ServerBindError", "WaitressServer", "bind", "remaining"]
