"""The examples in docstrings run, and show what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "microframe.app",
    "microframe.blueprints",
    "microframe.config",
    "microframe.ctx",
    "microframe.helpers",
    "microframe.json",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [test for test in finder.find(module) if test.examples]
    assert tests, f"{name} has no docstring examples to run"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
