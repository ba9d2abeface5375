"""Where microframe's time goes, per request and at start-up (cProfile, importtime).

For each endpoint, cProfile runs the in-process WSGI loop of scenario 1 and the
functions are listed by their share of the loop's time: cumulative (the function and
everything it calls) and own (the function's body alone). Then ``-X importtime``
lists the imports that make up the cold start. Run it as
``python -m benchmarks.hotspots [--framework flask] [--calls 3000] [--top 15]``.

``--scenario NAME`` (repeatable) profiles only those requests, and nothing else:
a cookieless endpoint (``hello``, ``user``, ...), a real-app one with its session
cookie (``realapp-hello``, ``realapp-page``, ...) or ``realapp`` for all of those.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import sysconfig
import typing as t

from benchmarks.apps import module_name
from benchmarks.check import check_all
from benchmarks.clients import RECORDING, ClientFactory, clients_for
from benchmarks.coldstart import cached_bytecode_environ
from benchmarks.endpoints import ENDPOINTS, Endpoint, fresh_environs
from benchmarks.inprocess import serve_all, wsgi_batch
from benchmarks.realapp import REAL_ENDPOINTS, REAL_FRAMEWORKS, check_real_apps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = ("benchmarks/inprocess.py", "benchmarks/hotspots.py", "_lsprof.Profiler")

FunctionKey = tuple[str, int, str]


def _where(key: FunctionKey) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    for marker in ("site-packages/", ROOT + "/", sysconfig.get_paths()["stdlib"] + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line} {name}"


Rows = list[tuple[str, float, float, int]]


def _profile(serve: t.Callable[[], None]) -> Rows:
    """(function, cumulative share, own share, calls) of ``serve()``, by cumulative."""
    profiler = cProfile.Profile()
    profiler.runcall(serve)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = next(
        ct for (f, _, name), (_, _, _, ct, _) in stats.items()
        if name == "serve" and f.endswith("hotspots.py")
    )  # fmt: skip
    rows = [
        (_where(key), ct / total, tt / total, nc)
        for key, (_, nc, tt, ct, _) in stats.items()
        if not any(part in _where(key) for part in HARNESS)
    ]
    rows.sort(key=lambda row: row[1], reverse=True)
    return rows


def profile_endpoint(
    app: t.Any, endpoint: Endpoint, calls: int, cookie: str = ""
) -> Rows:
    """The profile of ``calls`` in-process requests of ``endpoint``, with ``cookie``."""
    wsgi_batch(app, endpoint, cookie)(50)  # warm caches: the steady state counts
    environs = fresh_environs(endpoint, calls, cookie)

    def serve() -> None:
        serve_all(app, environs)

    return _profile(serve)


def profile_client(app: t.Any, factory: ClientFactory, calls: int) -> Rows:
    """The profile of ``calls`` rounds of the endpoints through a test client."""
    send, _ = factory(app)
    for endpoint in ENDPOINTS:
        send(endpoint)

    def serve() -> None:
        for _ in range(calls):
            for endpoint in ENDPOINTS:
                send(endpoint)

    return _profile(serve)


def profile_lines(rows: Rows, calls: int, top: int) -> list[str]:
    """A Markdown table of the ``top`` rows by cumulative share, then the top by own."""
    lines = [
        "| function | cumulative | own | calls/request |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| `{where}` | {cumulative:.0%} | {own:.0%} | {count / calls:g} |"
        for where, cumulative, own, count in rows[:top]
    ]
    by_own = sorted(rows, key=lambda row: -row[2])[:8]
    lines += [
        "",
        "Top by own time: " + ", ".join(f"`{w}` {own:.0%}" for w, _, own, _ in by_own),
    ]
    return lines


def request_profile(
    app: t.Any, endpoint: Endpoint, cookie: str = "", calls: int = 300, top: int = 10
) -> list[str]:
    """``profile_lines`` of ``calls`` requests of ``endpoint``, as RESULTS.md shows."""
    rows = profile_endpoint(app, endpoint, calls, cookie)
    return [
        f"microframe's profile of {calls} `{endpoint.method} {endpoint.url}`"
        " in process:",
        "",
        *profile_lines(rows, calls, top),
    ]


def _print_rows(title: str, rows: Rows, calls: int, top: int) -> None:
    print(f"\n## {title}\n")
    print("\n".join(profile_lines(rows, calls, top)))


#: ``--scenario`` names: the cookieless endpoints, then ``realapp-<endpoint>``.
REAL_PREFIX = "realapp-"
SCENARIO_NAMES = (
    *(endpoint.name for endpoint in ENDPOINTS),
    "realapp",
    *(REAL_PREFIX + endpoint.name for endpoint in REAL_ENDPOINTS),
)


def profile_scenarios(framework: str, names: list[str], calls: int, top: int) -> None:
    """Print the profile of each named request through ``framework``'s app."""
    names = [
        name
        for wanted in names
        for name in (
            [REAL_PREFIX + e.name for e in REAL_ENDPOINTS]
            if wanted == "realapp"
            else [wanted]
        )
    ]
    if any(name.startswith(REAL_PREFIX) for name in names):
        real = check_real_apps([framework])[framework]
    if any(not name.startswith(REAL_PREFIX) for name in names):
        app = check_all([framework])[framework]
    for name in names:
        if name.startswith(REAL_PREFIX):
            endpoint = next(
                e for e in REAL_ENDPOINTS if e.name == name[len(REAL_PREFIX) :]
            )
            rows = profile_endpoint(real.app, endpoint, calls, real.cookie)
            where = "real app, logged in"
        else:
            endpoint = next(e for e in ENDPOINTS if e.name == name)
            rows = profile_endpoint(app, endpoint, calls)
            where = "cookieless app"
        title = f"{framework} {endpoint.method} {endpoint.url} ({name}, {where})"
        _print_rows(title, rows, calls, top)


def import_times(framework: str, top: int) -> list[tuple[str, int, float]]:
    """The ``top`` imports by cumulative microseconds, from ``python -X importtime``."""
    program = f"import {module_name(framework)}"
    with cached_bytecode_environ() as env:
        subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, check=True)
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", program],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        rows.append((name.strip(), depth, int(cumulative) / 1000))
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.hotspots", description=__doc__
    )
    parser.add_argument("--framework", default="microframe")
    parser.add_argument("--calls", type=int, default=3000, help="requests per endpoint")
    parser.add_argument("--top", type=int, default=15, help="rows per table")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIO_NAMES,
        metavar="NAME",
        help="profile only this request (repeatable): " + ", ".join(SCENARIO_NAMES),
    )
    options = parser.parse_args(argv)
    if options.scenario:
        real = [name for name in options.scenario if name.startswith("realapp")]
        if real and options.framework not in REAL_FRAMEWORKS:
            print(
                f"{options.framework!r} has no real app, so {real} cannot be"
                f" profiled: pass --framework with one of {REAL_FRAMEWORKS}",
                file=sys.stderr,
            )
            return 2
        profile_scenarios(
            options.framework, options.scenario, options.calls, options.top
        )
        return 0

    apps = check_all([options.framework])
    app = apps[options.framework]
    for endpoint in ENDPOINTS:
        rows = profile_endpoint(app, endpoint, options.calls)
        title = f"{options.framework} {endpoint.method} {endpoint.url}"
        _print_rows(f"{title} ({endpoint.name})", rows, options.calls, options.top)
    clients = clients_for(apps)
    for name in (options.framework, RECORDING):
        if name in clients:
            calls = max(1, options.calls // 10)
            rows = profile_client(*clients[name], calls)
            title = f"{name} test client, the {len(ENDPOINTS)} endpoints in turn"
            _print_rows(title, rows, calls * len(ENDPOINTS), options.top)
    print(f"\n## {options.framework} cold start: imports by cumulative time\n")
    print("| module | depth | cumulative ms |")
    print("|---|---:|---:|")
    for name, depth, ms in import_times(options.framework, options.top):
        print(f"| `{name}` | {depth} | {ms:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
