"""The stable import path for :mod:`microframe.embedding.mounting`.

``from microframe.mounting import mount, ProxyFix`` keeps working; the code
lives in the :mod:`microframe.embedding` subpackage with the rest of embedding.
"""

from __future__ import annotations

from .embedding.mounting import ProxyFix as ProxyFix
from .embedding.mounting import mount as mount
from .embedding.mounting import normalize_prefix as normalize_prefix

__all__ = ["ProxyFix", "mount", "normalize_prefix"]
