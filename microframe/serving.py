"""The stable import path for :mod:`microframe.embedding.serving`.

``from microframe.serving import serve`` keeps working; the code lives in the
:mod:`microframe.embedding` subpackage with the rest of embedding.
"""

from __future__ import annotations

from .embedding.serving import Server as Server
from .embedding.serving import ServerBindError as ServerBindError
from .embedding.serving import serve as serve
from .embedding.serving import server_for as server_for
from .embedding.serving import servers as servers
from .embedding.serving import stop_servers as stop_servers

__all__ = [
    "Server",
    "ServerBindError",
    "serve",
    "server_for",
    "servers",
    "stop_servers",
]
