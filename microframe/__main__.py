"""Run the microframe command line as ``python -m microframe``."""

from __future__ import annotations

from .cli import main

main()
