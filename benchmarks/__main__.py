"""``python -m benchmarks [--quick] [--only SCENARIO ...] [--output PATH|--no-write]``.

Checks that all apps answer alike, then runs the six scenarios in one process,
prints a table per scenario and, last, one line with microframe's ratios. A full run
rewrites ``benchmarks/RESULTS.md``; a ``--quick`` smoke run writes nothing unless
``--output`` is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

from benchmarks import (
    clients,
    coldstart,
    hotspots,
    http_load,
    inprocess,
    realapp,
    report,
    serving,
)
from benchmarks.apps import FRAMEWORKS
from benchmarks.check import MismatchError, WSGIApp, check_all
from benchmarks.endpoints import ENDPOINTS
from benchmarks.timing import SCENARIOS, Rounds, Scenario

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


@dataclass(frozen=True)
class Settings:
    """Per scenario the most rounds and the seconds they may take; batch lengths."""

    rounds: dict[str, tuple[int, float]]
    batch_seconds: float  # one timed batch, in process and through test clients
    gunicorn_requests: int  # per framework per round
    gunicorn_limit: float  # seconds, per framework per round

    def rounds_for(self, scenario: str) -> Rounds:
        most, budget = self.rounds[scenario]
        return Rounds(most, budget)


FULL = Settings(
    rounds={
        "inprocess": (31, 30.0),
        "clients": (21, 30.0),
        "coldstart": (15, 20.0),
        "serving": (9, 8.0),
        "gunicorn": (15, 25.0),
        "realapp": (25, 35.0),
    },
    batch_seconds=0.04,
    gunicorn_requests=400,
    gunicorn_limit=4.0,
)
QUICK = Settings(
    rounds={
        "inprocess": (5, 4.0),
        "clients": (5, 4.0),
        "coldstart": (3, 3.0),
        "serving": (3, 2.0),
        "gunicorn": (5, 4.0),
        "realapp": (5, 5.0),
    },
    batch_seconds=0.012,
    gunicorn_requests=150,
    gunicorn_limit=1.5,
)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.partition("\n\n")[2]
    )
    parser.add_argument("--quick", action="store_true", help="a ~40 s smoke run")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SCENARIOS,
        metavar="SCENARIO",
        help=f"run only these: {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--output", help=f"write the results here (default {RESULTS})")
    parser.add_argument("--no-write", action="store_true", help="write no results file")
    return parser.parse_args(argv)


def profiles(
    scenarios: dict[str, Scenario],
    apps: dict[str, WSGIApp],
    real_apps: dict[str, realapp.RealApp],
) -> dict[str, list[str]]:
    """microframe's profile of each in-process request whose target was missed."""
    found = {}
    for target in report.missed(scenarios):
        if target.scenario == "inprocess":
            endpoint = next(e for e in ENDPOINTS if e.name == target.row)
            app, cookie = apps["microframe"], ""
        elif target.scenario == "realapp":
            endpoint = next(e for e in realapp.REAL_ENDPOINTS if e.name == target.row)
            app, cookie = real_apps["microframe"].app, real_apps["microframe"].cookie
        else:
            continue
        found[target.short] = hotspots.request_profile(app, endpoint, cookie)
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    options = parse(argv)
    settings = QUICK if options.quick else FULL
    wanted = options.only or SCENARIOS
    began = time.perf_counter()
    load_before = os.getloadavg()

    frameworks = ["flask", *(name for name in FRAMEWORKS if name != "flask")]
    try:
        apps = check_all(frameworks)
        real_apps = realapp.check_real_apps()
    except MismatchError as error:
        print(f"Nothing was timed: {error}", file=sys.stderr)
        return 1
    check_line = (
        f"Checked first: all {len(frameworks)} apps answer the {len(ENDPOINTS)}"
        " endpoints as Flask does in process; the test-client and HTTP scenarios"
        " check their own responses the same way before timing. The"
        f" {len(real_apps)} real apps answer their {len(realapp.REAL_ENDPOINTS)}"
        " endpoints, logged in, as Flask's does (microframe: every header; the"
        " session cookies decode to the same session)."
    )
    print(check_line, flush=True)

    rounds, batch = settings.rounds_for, settings.batch_seconds
    runners = {
        "inprocess": lambda: inprocess.run(apps, rounds("inprocess"), batch),
        "clients": lambda: clients.run(apps, rounds("clients"), batch),
        "coldstart": lambda: coldstart.run(frameworks, rounds("coldstart")),
        "serving": lambda: serving.run(apps, rounds("serving")),
        "gunicorn": lambda: http_load.run(
            frameworks,
            rounds("gunicorn"),
            settings.gunicorn_requests,
            settings.gunicorn_limit,
        ),
        "realapp": lambda: realapp.run(real_apps, rounds("realapp"), batch),
    }
    scenarios: dict[str, Scenario] = {}
    for key in wanted:
        started = time.perf_counter()
        scenarios[key] = runners[key]()
        print()
        print(report.scenario_table(scenarios[key]), end="")
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)

    seconds = time.perf_counter() - began
    print()
    print(report.target_table(scenarios))
    print(f"Total: {seconds:.0f} s.")
    output = options.output or (None if options.quick else RESULTS)
    if output and not options.no_write:
        command = report.command_line(argv)
        started = time.perf_counter()
        shown = profiles(scenarios, apps, real_apps)
        with open(output, "w", encoding="utf-8") as results:
            results.write(
                report.results_markdown(
                    scenarios, command, seconds, check_line, load_before, shown
                )
            )
        print(
            f"Wrote {output}, with {len(shown)} profiles of missed targets"
            f" ({time.perf_counter() - started:.0f} s)."
        )
    print(report.summary_line(scenarios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
