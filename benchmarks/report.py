"""Tables, the targets of issues 7 and 10, the one-line summary and ``RESULTS.md``."""

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
from benchmarks.realapp import JINJA, page_ceiling
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
    #: A further goal shown beside ``goal`` ("stretch"), if the issue sets one.
    stretch: float | None = None
    #: The column holding the most any framework could reach, if measured.
    floor_column: str | None = "wsgi"

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

    def met(self, value: float | None, goal: float | None = None) -> bool | None:
        """Whether ``value`` reaches ``goal`` (the target's own by default)."""
        goal = self.goal if goal is None else goal
        if value is None:
            return None
        return value >= goal if self.kind == "ratio≥" else value <= goal

    def met_text(self, value: float | None) -> str:
        met = self.met(value)
        if met and self.stretch is not None and self.met(value, self.stretch):
            return "yes, stretch too"
        return {True: "yes", False: "**no**", None: "–"}[met]

    @property
    def goal_text(self) -> str:
        text = {
            "ratio≥": f"≥ {self.goal:g}×",
            "ratio≤": f"≤ {self.goal:g}",
            "ms≤": f"≤ {self.goal:g} ms",
        }[self.kind]
        return text if self.stretch is None else f"{text} (stretch {self.stretch:g}×)"


def _in_process(row: str, what: str, bottle: str, goal: float) -> Target:
    label = f"in-process {what}"
    return Target(
        label, row, "inprocess", row, "microframe", "bottle", bottle, goal, "ratio≥"
    )


def _real_app(row: str, what: str, goal: float = 3) -> Target:
    return Target(
        f"real app {what}", f"real {row}", "realapp", row, "microframe", "bottle",
        "–", goal, "ratio≥", stretch=5 if goal == 3 else None,
        floor_column=JINJA if row == "page" else None,
    )  # fmt: skip


TARGETS = (
    _in_process("hello", "hello", "5.9×", 6),
    _in_process("user", "JSON user", "4.9×", 5),
    _in_process("user-jsonify", "JSON user via jsonify", "–", 5),
    _in_process("page", "template page", "3.0×", 3),
    _in_process("404", "404", "3.0×", 5),
    _in_process("echo", "JSON echo", "2.5×", 2.5),
    _in_process("echo-jsonify", "JSON echo via jsonify", "–", 2.5),
    Target(
        "recording test client vs Flask's test client", "recording client", "clients",
        "all endpoints", RECORDING, "bottle (werkzeug Client)", "1.9×", 2, "ratio≥",
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
        "HTTP under gunicorn", "gunicorn", "gunicorn", "endpoints in turn",
        "microframe", "bottle", "1.6×", 1.5, "ratio≥",
    ),
    _real_app("hello", "hello reading the session"),
    _real_app("json", "JSON via jsonify (blueprint)"),
    _real_app("post", "JSON POST via get_json + jsonify"),
    _real_app("page", "template page (extends a base, 23 url_for)", 2.5),
    _real_app("404", "404"),
    _real_app("login", "login POST writing the session, 302"),
    _real_app("visit", "view writing the session"),
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
        " | floor this run | microframe this run | target | met |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for target in TARGETS:
        value = target.value(scenarios, target.column)
        reference = target.value(scenarios, target.reference_column)
        floor = (
            target.value(scenarios, target.floor_column)
            if target.floor_column
            else None
        )
        floor_text = target.show(floor) if floor is not None else "n/a"
        lines.append(
            f"| {target.label} | {target.bottle_in_issue} | {target.show(reference)}"
            f" | {floor_text}"
            f" | {target.show(value)} | {target.goal_text}"
            f" | {target.met_text(value)} |"
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
    profiles: dict[str, list[str]] | None = None,
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
            "## Targets (issues 7 and 10): microframe ÷ Flask 3.1",
            "",
            'Median of per-round paired ratios; "reference" is Bottle (werkzeug\'s'
            " client for the test-client line, werkzeug's server for `stop()`)"
            ' measured in the same run; "floor" is the bare WSGI app, and for the'
            " real app's page a stock Jinja environment rendering the page alone:"
            " the most a framework could reach on that work with stock Jinja"
            " (microframe's environment renders the same text faster).",
            "",
            target_table(scenarios),
            "The machine is shared (see the load average above). While this suite"
            " was being built, successive runs moved these ratios by roughly ±15%;"
            " a figure that close to its target is not settled by one run. The"
            " bare-WSGI floor is the most any framework could reach on the same"
            " work: where it is near the target (template page, gunicorn), the"
            " target leaves little room.",
            "",
            *limits(scenarios, profiles or {}),
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
    " what is left is the pipeline's fixed steps: the contexts, matching the"
    " dynamic rule and the response.",
    "user": "the pipeline's fixed steps, which every request takes: pushing and"
    " popping both contexts (with their teardown calls), the planned hooks, the"
    " lazy response; then matching the dynamic rule (about a tenth of the"
    " request) and encoding the dict. The removed bypass skipped most of those"
    " steps; this run's ratio is within the machine's noise of the target.",
    "404": "raising the `NotFound` and handling it through"
    " `handle_user_exception` and `handle_http_exception`, as Flask's"
    " semantics require, before the cached error page is written.",
    "echo": "parsing and encoding the JSON itself, which the bare WSGI app does"
    " too, then the pipeline's fixed steps.",
    "user-jsonify": "as for the dict return, plus the call to `jsonify` and the"
    " provider; the response is the same lazy one.",
    "echo-jsonify": "as for the echo, plus the call to `jsonify`.",
    # The real app: the session cookie is verified once and then remembered.
    "real hello": "the remembered session cookie still has to be parsed from"
    " the `Cookie` header and copied into a session object, then the hook's"
    " three headers and `Vary: Cookie` are written.",
    "real json": "the session as for hello, then `jsonify` and the blueprint's hooks.",
    "real post": "the session, reading and parsing the JSON body, `jsonify`.",
    "real page": "Jinja's rendering and the 23 `url_for` calls in it (about"
    " 1.9 µs each here, Flask's 3.3 µs). microframe's environment already"
    " renders the template in about half of stock Jinja's time (calls without"
    " Jinja's argument checks, output escaped without `Markup` objects, `dict`"
    " keys read directly); what is left is Jinja's own generated code.",
    "real 404": "the request contexts and the raised `NotFound` through the error"
    " path; the session cookie is looked up to see whether a permanent session"
    " needs a refresh.",
    "real login": "signing the new session cookie (tagged JSON, zlib, HMAC),"
    " werkzeug's `Set-Cookie` and redirect, and the form; each is already"
    " cheaper than Flask's, and what is left is spread over many small steps.",
    "real visit": "signing the new session cookie (tagged JSON, zlib, HMAC) and"
    " writing `Set-Cookie` and `Vary: Cookie`.",
}


def missed(scenarios: dict[str, Scenario]) -> list[Target]:
    """The targets this run measured and did not meet."""
    return [
        target
        for target in TARGETS
        if target.met(target.value(scenarios, target.column)) is False
    ]


def _limit_text(target: Target, scenarios: dict[str, Scenario]) -> str:
    text = LIMITS.get(target.short, "not analysed yet: see the profile.")
    if target.scenario == "realapp" and target.row == "page":
        ceiling = page_ceiling(scenarios["realapp"])
        if ceiling is not None:
            text += (
                f" This run, stock Jinja alone renders the page in"
                f" 1/{ceiling:.1f} of Flask's request: {ceiling:.1f}× is the"
                " ceiling for a framework that renders with stock Jinja."
            )
    return text


def limits(scenarios: dict[str, Scenario], profiles: dict[str, list[str]]) -> list[str]:
    """What limits each target this run missed, or nothing when all were met.

    ``profiles`` holds, by target's short name, Markdown lines of microframe's
    profile for that request (``hotspots.profile_lines``), shown under its reason.
    """
    lines = []
    for target in missed(scenarios):
        if target.short not in LIMITS and target.short not in profiles:
            continue
        lines += [f"- {target.label}: {_limit_text(target, scenarios)}", ""]
        lines += [f"  {line}".rstrip() for line in profiles.get(target.short, [])]
        if target.short in profiles:
            lines.append("")
    if not lines:
        return []
    return [
        "What limits the targets not met (from `python -m benchmarks.hotspots`):",
        "",
        *lines,
    ]


def command_line(argv: t.Sequence[str]) -> str:
    """How this run was started, as the reader would type it."""
    arguments = " ".join(argv)
    if os.environ.get("NOX_CURRENT_SESSION") == "bench":
        return "nox -s bench" + (f" -- {arguments}" if arguments else "")
    return f"{os.path.basename(sys.executable)} -m benchmarks {arguments}".rstrip()
