"""Tables, the targets of issue 7, the one-line summary and ``RESULTS.md``."""

# The tables print the multiplication sign and the en dash on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
import time
import typing as t
from dataclasses import dataclass

from benchmarks.clients import RECORDING
from benchmarks.serving import MICROFRAME, WERKZEUG
from benchmarks.timing import Scenario

SCALES = {"µs per request": 1e6, "ms": 1e3}
PACKAGES = (
    "microframe-wsgi", "microframe-wsgi-testing", "flask", "werkzeug", "jinja2",
    "bottle", "falcon", "gunicorn",
)  # fmt: skip


@dataclass(frozen=True)
class Target:
    """One line of the issue's target table."""

    label: str
    short: str
    scenario: str
    row: str
    column: str
    reference_column: str
    bottle_in_issue: str
    goal: float
    #: "ratio≥", "ratio≤" (paired ratio against the baseline) or "ms≤" (absolute).
    kind: str

    def value(self, scenarios: dict[str, Scenario], column: str) -> float | None:
        scenario = scenarios.get(self.scenario)
        if scenario is None or column not in scenario.columns:
            return None
        if self.kind == "ms≤":
            return scenario.row(self.row).median(column) * 1e3
        return scenario.ratio(self.row, column)

    def show(self, value: float | None) -> str:
        if value is None:
            return "not measured"
        if self.kind == "ms≤":
            return f"{value:.1f} ms"
        return f"{value:.2f}" if self.kind == "ratio≤" else f"{value:.2f}×"

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.goal if self.kind == "ratio≥" else value <= self.goal

    @property
    def goal_text(self) -> str:
        return {
            "ratio≥": f"≥ {self.goal:g}×",
            "ratio≤": f"≤ {self.goal:g}",
            "ms≤": f"≤ {self.goal:g} ms",
        }[self.kind]


def _in_process(row: str, what: str, bottle: str, goal: float) -> Target:
    label = f"in-process {what}"
    return Target(
        label, row, "inprocess", row, "microframe", "bottle", bottle, goal, "ratio≥"
    )


TARGETS = (
    _in_process("hello", "hello", "5.9×", 6),
    _in_process("user", "JSON user", "4.9×", 5),
    _in_process("page", "template page", "3.0×", 3),
    _in_process("404", "404", "3.0×", 5),
    _in_process("echo", "JSON echo", "2.5×", 2.5),
    Target(
        "recording test client vs Flask's test client", "recording client", "clients",
        "all five", RECORDING, "bottle (werkzeug Client)", "1.9×", 2, "ratio≥",
    ),
    Target(
        "cold import + app build (lower is better)", "cold start", "coldstart",
        "import + build", "microframe", "bottle", "0.57", 0.6, "ratio≤",
    ),
    Target(
        "`stop()` of a background server", "stop()", "serving", "stop()",
        MICROFRAME, WERKZEUG, "~500 ms (werkzeug)", 60, "ms≤",
    ),
    Target(
        "HTTP under gunicorn", "gunicorn", "gunicorn", "five endpoints in turn",
        "microframe", "bottle", "1.6×", 1.5, "ratio≥",
    ),
)  # fmt: skip


def _cell(scenario: Scenario, row: str, column: str) -> str:
    samples = scenario.row(row).samples.get(column)
    if not samples:
        return "–"
    value = f"{scenario.row(row).median(column) * SCALES[scenario.unit]:.1f}"
    if column == scenario.baseline:
        return value
    ratio = scenario.ratio(row, column)
    return f"{value} ({ratio:.2f}{'×' if scenario.speedup else ''})"


def scenario_table(scenario: Scenario) -> str:
    """A Markdown table: medians in the scenario's unit and the paired ratios."""
    how = (
        "× = median per-round speed-up over the baseline, higher is faster"
        if scenario.speedup
        else "(n) = median per-round time ÷ the baseline's, lower is faster"
    )
    lines = [
        f"### {scenario.number}. {scenario.title}",
        "",
        f"Median {scenario.unit}; {how}; baseline `{scenario.baseline}`;"
        f" {scenario.rounds} interleaved rounds.",
        "",
        "| | " + " | ".join(scenario.columns) + " |",
        "|---|" + "---:|" * len(scenario.columns),
    ]
    lines += [
        f"| {row.label} | "
        + " | ".join(_cell(scenario, row.label, c) for c in scenario.columns)
        + " |"
        for row in scenario.rows
    ]
    lines += [""] + [f"- {note}" for note in scenario.notes]
    return "\n".join(lines).rstrip() + "\n"


def target_table(scenarios: dict[str, Scenario]) -> str:
    lines = [
        "| scenario | Bottle in the issue | reference this run"
        " | bare-WSGI floor this run | microframe this run | target | met |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for target in TARGETS:
        value = target.value(scenarios, target.column)
        reference = target.value(scenarios, target.reference_column)
        floor = target.value(scenarios, "wsgi")
        floor_text = target.show(floor) if floor is not None else "n/a"
        met = {True: "yes", False: "**no**", None: "–"}[target.met(value)]
        lines.append(
            f"| {target.label} | {target.bottle_in_issue} | {target.show(reference)}"
            f" | {floor_text}"
            f" | {target.show(value)} | {target.goal_text} | {met} |"
        )
    return "\n".join(lines) + "\n"


def summary_line(scenarios: dict[str, Scenario]) -> str:
    """The single closing line: microframe's figure for each target."""
    parts, met, measured = [], 0, 0
    for target in TARGETS:
        value = target.value(scenarios, target.column)
        ok = target.met(value)
        measured += ok is not None
        met += bool(ok)
        parts.append(f"{target.short} {target.show(value)}")
    return (
        "microframe vs Flask (median paired ratio): "
        + " | ".join(parts)
        + f" — {met}/{measured} measured targets met"
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine(load_before: tuple[float, ...]) -> list[str]:
    load_after = os.getloadavg()
    return [
        f"- load average (1 min) {load_before[0]:.1f} before the run and"
        f" {load_after[0]:.1f} after it, on {os.cpu_count()} CPUs",
        f"- CPUs: {os.cpu_count()} (`nproc`), {_cpu_model()}; shared with other jobs",
        f"- Python {platform.python_version()} ({platform.python_implementation()}),"
        f" {platform.system()} {platform.release()}",
        "- " + ", ".join(f"{name} {_version(name)}" for name in PACKAGES),
    ]


def results_markdown(
    scenarios: dict[str, Scenario],
    command: str,
    seconds: float,
    check_line: str,
    load_before: tuple[float, ...],
) -> str:
    tables = "\n".join(scenario_table(scenario) for scenario in scenarios.values())
    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"Latest run: {time.strftime('%Y-%m-%d %H:%M %Z')}, `{command}`,"
            f" {seconds:.0f} s in all. Regenerate with `nox -s bench`.",
            "",
            "## Machine",
            "",
            *machine(load_before),
            "",
            "## Targets (issue 7): microframe ÷ Flask 3.1",
            "",
            'Median of per-round paired ratios; "reference" is Bottle (werkzeug\'s'
            " client for the test-client line, werkzeug's server for `stop()`)"
            " measured in the same run.",
            "",
            target_table(scenarios),
            "The machine is shared (see the load average above). While this suite"
            " was being built, successive runs moved these ratios by roughly ±15%;"
            " a figure that close to its target is not settled by one run. The"
            " bare-WSGI floor is the most any framework could reach on the same"
            " work: where it is near the target (template page, gunicorn), the"
            " target leaves little room.",
            "",
            *limits(scenarios),
            "## Scenarios",
            "",
            check_line,
            "",
            tables,
            "## Summary",
            "",
            summary_line(scenarios),
            "",
        ]
    )


#: What stands between microframe and each target, as profiled; a run lists
#: the ones for the targets it misses.
LIMITS = {
    "cold start": "importing anything from werkzeug runs `werkzeug/__init__`, which"
    " imports its development server and test client (`http.server`, `email`,"
    " `ssl`, ...). Scenario 3 measures `import werkzeug` alone against Flask's"
    " import + build: any framework built on werkzeug starts from there."
    " microframe's own modules and the app build add about 15 ms; jinja2,"
    " itsdangerous and click are imported only when first used.",
    "gunicorn": "the sync worker (and the load generator, on the same two cores)"
    " costs more per request than any framework: the bare WSGI app's own ratio"
    " is the ceiling.",
    "page": "Jinja's rendering is most of the request (see the bare WSGI floor);"
    " what is left is the context processors and the request's contexts.",
    "user": "matching the dynamic rule (werkzeug's state machine, walked without"
    " its per-call overhead) and the JSON provider's settings checks.",
    "echo": "parsing and encoding the JSON itself, which the bare WSGI app does"
    " too, then reading the body through werkzeug's input stream.",
}


def limits(scenarios: dict[str, Scenario]) -> list[str]:
    """What limits each target this run missed, or nothing when all were met."""
    missed = [
        target
        for target in TARGETS
        if target.short in LIMITS
        and target.met(target.value(scenarios, target.column)) is False
    ]
    if not missed:
        return []
    return [
        "What limits the targets not met (from `python -m benchmarks.hotspots`):",
        "",
        *(f"- {target.label}: {LIMITS[target.short]}" for target in missed),
        "",
    ]


def command_line(argv: t.Sequence[str]) -> str:
    """How this run was started, as the reader would type it."""
    arguments = " ".join(argv)
    if os.environ.get("NOX_CURRENT_SESSION") == "bench":
        return "nox -s bench" + (f" -- {arguments}" if arguments else "")
    return f"{os.path.basename(sys.executable)} -m benchmarks {arguments}".rstrip()
