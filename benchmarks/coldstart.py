"""Scenario 3: cold start, importing the framework and building the app afresh.

Each sample is a new ``python -c`` that imports ``benchmarks.apps.<framework>_app``
(which builds the app at import) and reports how long that took from inside; the
parent also times the whole process, interpreter start-up included.

Every module's bytecode is cached first, as it is wherever the app has run once or
pip has installed it. The processes get a private ``PYTHONPYCACHEPREFIX`` (removed
afterwards) and no ``PYTHONDONTWRITEBYTECODE``: with that variable set, as it may be
in a development shell, an editable microframe would be compiled from source at
every start while Flask's installed ``.pyc`` files were used, and the comparison
would measure the compiler.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import typing as t

from benchmarks.apps import module_name
from benchmarks.timing import Rounds, Scenario, rotated

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROGRAM = (
    "import time; start = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - start)"
)


@contextlib.contextmanager
def cached_bytecode_environ() -> t.Iterator[dict[str, str]]:
    """An environment whose Python processes share a private bytecode cache."""
    prefix = tempfile.mkdtemp(prefix="microframe-bench-pycache-")
    environ = dict(os.environ, PYTHONPYCACHEPREFIX=prefix)
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        yield environ
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def _start(module: str | None, environ: dict[str, str]) -> tuple[float, float]:
    """(import seconds, whole-process seconds) of a fresh process importing it."""
    program = PROGRAM.format(module=module) if module else "print(0)"
    begin = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - begin
    if done.returncode != 0:
        raise RuntimeError(
            f"importing {module} failed in a fresh process:\n{done.stderr}"
        )
    return float(done.stdout), wall


def run(frameworks: list[str], rounds: Rounds) -> Scenario:
    """Start each framework's app once per round, in fresh processes."""
    scenario = Scenario(
        key="coldstart",
        title="Cold start: import + app build in a fresh process",
        columns=frameworks,
        baseline="flask",
        unit="ms",
        speedup=False,
    )
    inside = scenario.row("import + build")
    whole = scenario.row("whole `python -c` process")
    bare: list[float] = []
    # What every werkzeug-based framework pays before its own first line runs:
    # the werkzeug package imports its development server and test client.
    werkzeug_share: list[float] = []
    with cached_bytecode_environ() as environ:
        for framework in frameworks:
            _start(module_name(framework), environ)  # write the bytecode caches
        _start("werkzeug", environ)
        for round_index in rounds:
            bare.append(_start(None, environ)[1])
            werkzeug_seconds = _start("werkzeug", environ)[0]
            for framework in rotated(frameworks, round_index):
                seconds, wall = _start(module_name(framework), environ)
                inside.add(framework, seconds)
                whole.add(framework, wall)
                if framework == "flask":
                    werkzeug_share.append(werkzeug_seconds / seconds)
    scenario.rounds = rounds.done
    bare.sort()
    scenario.notes.append(
        f"a bare `python -c` process takes {bare[len(bare) // 2] * 1000:.0f} ms here;"
        " the ratio that counts is the import + build one."
    )
    if werkzeug_share:
        werkzeug_share.sort()
        scenario.notes.append(
            "`import werkzeug` alone, in the same rounds, takes"
            f" {werkzeug_share[len(werkzeug_share) // 2]:.2f} of Flask's import +"
            " build: the floor for any framework built on werkzeug."
        )
    return scenario
