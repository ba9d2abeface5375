"""Serving any WSGI app from a background thread: :func:`serve`.

It returns the same :class:`~microframe.Server` handle as ``app.serve()``.
Import from here; the code lives in ``microframe.embedding.serving``, beside
the rest of embedding (backends, the access guard, mounting).
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
