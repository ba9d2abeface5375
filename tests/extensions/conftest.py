"""The extension matrix: Flask's popular extensions on microframe through the alias.

These tests run with ``nox -s extensions``, which installs the extensions (the
``extensions`` dependency group) and turns on microframe's Flask alias with
``-o microframe_flask_alias=true`` before anything imports ``flask``. The
default ``tests`` session ignores this folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import microframe


def _alias_problem() -> str | None:
    flask = sys.modules.get("flask")
    if flask is None:
        return "nothing has imported flask yet, so the extensions would not load"
    if getattr(flask, "Flask", None) is not microframe.Microframe:
        return (
            f"'flask' is the real Flask ({getattr(flask, '__file__', flask)!r}),"
            " not microframe's alias"
        )
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    problem = _alias_problem()
    here = Path(__file__).parent
    if problem is not None and any(here in item.path.parents for item in items):
        raise pytest.UsageError(
            f"tests/extensions need microframe's Flask alias, but {problem}. Run them"
            " with 'nox -s extensions', or 'pytest tests/extensions -o"
            " microframe_flask_alias=true' in an environment with the 'extensions'"
            " dependency group installed."
        )
