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


def _start(framework: str | None, environ: dict[str, str]) -> tuple[float, float]:
    """(import + build seconds, whole-process seconds) of one fresh process."""
    program = PROGRAM.format(module=module_name(framework)) if framework else "print(0)"
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
            f"importing the {framework} app failed in a fresh process:\n{done.stderr}"
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
    with cached_bytecode_environ() as environ:
        for framework in frameworks:
            _start(framework, environ)  # write the bytecode caches
        for round_index in rounds:
            bare.append(_start(None, environ)[1])
            for framework in rotated(frameworks, round_index):
                seconds, wall = _start(framework, environ)
                inside.add(framework, seconds)
                whole.add(framework, wall)
    scenario.rounds = rounds.done
    bare.sort()
    scenario.notes.append(
        f"a bare `python -c` process takes {bare[len(bare) // 2] * 1000:.0f} ms here;"
        " the ratio that counts is the import + build one."
    )
    return scenario
