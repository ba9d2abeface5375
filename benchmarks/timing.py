"""Paired, interleaved timing: every round times every contender once, in turn.

Absolute times on a shared machine drift between (and within) runs, so each round
yields one ratio per contender against the baseline measured in that same round,
and the reported figure is the median of those per-round ratios.
"""

from __future__ import annotations

import gc
import statistics
import time
import typing as t
from dataclasses import dataclass, field

#: The scenarios' keys: issue 7's five in its order, then issue 10's real app.
SCENARIOS = ("inprocess", "clients", "coldstart", "serving", "gunicorn", "realapp")

#: ``run(count)`` performs ``count`` operations and returns the seconds they took.
Batch = t.Callable[[int], float]


@dataclass
class Row:
    """Per-round seconds-per-operation samples of one row, keyed by column."""

    label: str
    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, column: str, seconds: float) -> None:
        self.samples.setdefault(column, []).append(seconds)

    def median(self, column: str) -> float:
        return statistics.median(self.samples[column])

    def ratio(self, column: str, baseline: str, *, speedup: bool = True) -> float:
        """Median over rounds of ``baseline / column`` (or ``column / baseline``)."""
        pairs = zip(self.samples[baseline], self.samples[column], strict=True)
        if speedup:
            return statistics.median(b / c for b, c in pairs)
        return statistics.median(c / b for b, c in pairs)


@dataclass
class Scenario:
    """The outcome of one scenario: a row per measured thing, a column per contender.

    ``speedup`` ratios are baseline ÷ contender time (higher is faster); otherwise
    contender ÷ baseline time (lower is better, for the cold start).
    """

    key: str
    title: str
    columns: list[str]
    baseline: str
    unit: str
    rows: list[Row] = field(default_factory=list)
    speedup: bool = True
    rounds: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def number(self) -> int:
        """The scenario's number in the issue's list (and in the report)."""
        return SCENARIOS.index(self.key) + 1

    def row(self, label: str) -> Row:
        for row in self.rows:
            if row.label == label:
                return row
        self.rows.append(Row(label))
        return self.rows[-1]

    def ratio(self, label: str, column: str) -> float:
        return self.row(label).ratio(column, self.baseline, speedup=self.speedup)


def rotated(items: t.Sequence[str], round_index: int) -> list[str]:
    """``items`` starting at a different place each round: no one always goes first."""
    shift = round_index % len(items)
    return [*items[shift:], *items[:shift]]


def timed(run: t.Callable[[], object]) -> float:
    """Seconds ``run()`` takes, after a collection so earlier garbage is not billed."""
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def calibrate(batch: Batch, seconds: float, least: int = 20) -> int:
    """How many operations of ``batch`` take about ``seconds`` (at least ``least``)."""
    batch(least)  # warm caches, compile templates
    count = least
    while True:
        took = batch(count)
        if took >= seconds / 4 or count >= 1_000_000:
            return max(least, int(count * seconds / max(took, 1e-9)))
        count *= 4


class Rounds:
    """Round numbers, up to ``most``, stopping early once ``budget`` seconds are spent.

    At least ``least`` rounds always run; after that a round starts only if it is
    expected to end within the budget, so a busy machine gets fewer rounds rather
    than a run that overstays. ``done`` counts the rounds that ran.
    """

    def __init__(self, most: int, budget: float, least: int = 3) -> None:
        self.most, self.budget, self.least = most, budget, min(least, most)
        self.done = 0

    def __iter__(self) -> t.Iterator[int]:
        start = time.perf_counter()
        for index in range(self.most):
            spent = time.perf_counter() - start
            if index >= self.least and spent + spent / index > self.budget:
                return
            yield index
            self.done = index + 1
