"""Serving apps under URL prefixes, and behind proxies that add one of their own.

Import :func:`mount` and :class:`ProxyFix` from here; the code lives in
``microframe.embedding.mounting``, beside the rest of embedding.
"""

from __future__ import annotations

from .embedding.mounting import ProxyFix as ProxyFix
from .embedding.mounting import mount as mount
from .embedding.mounting import normalize_prefix as normalize_prefix

__all__ = ["ProxyFix", "mount", "normalize_prefix"]
