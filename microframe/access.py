"""The access guard of served apps: tokens, ``Host`` and ``Origin`` checks.

A stable import path: the code lives in ``microframe.embedding.access``.
"""

from __future__ import annotations

from .embedding.access import AccessGuard as AccessGuard
from .embedding.access import is_loopback as is_loopback
from .embedding.access import make_token as make_token
from .embedding.access import redact_token as redact_token
from .embedding.access import warn_exposed as warn_exposed

__all__ = ["AccessGuard", "is_loopback", "make_token", "redact_token", "warn_exposed"]
