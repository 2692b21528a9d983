"""Side-by-side timing for the benches: both sides interleaved in one run, order rotated, medians and minimums.

A :class:`Comparison` measures the project and its anchor alternately (project first on even rounds, anchor
first on odd ones), so a burst of load on the shared machine hits both sides alike, and checks the ratio of
the medians against a target. Nothing here asserts: a bench prints "met" or "missed" and goes on.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Measure = Callable[[], float]


REPO = Path(__file__).resolve().parent.parent


def byte_compile_project() -> None:
    """Write the bytecode of the project's packages (``__pycache__``, ignored by git), as an install does.

    With PYTHONDONTWRITEBYTECODE set (as on the development machines) an editable install would otherwise
    compile every module from source in every process, which no installed copy does.
    """
    import compileall

    for package in ("helpers", "provider", "constructs", "stacks"):
        compileall.compile_dir(REPO / package, quiet=1)


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of ``action`` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def command(argv: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | None = None) -> Measure:
    """A measure of one whole process run (start to exit); a non-zero exit fails the bench, not silently."""

    def run() -> float:
        start = time.perf_counter()
        result = subprocess.run(
            list(argv),
            env=None if env is None else {**os.environ, **env},
            input=stdin,
            text=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()[-400:]}")
        return elapsed

    return run


@dataclass
class Comparison:
    """One target: the project's times against its anchor's, measured side by side."""

    name: str
    anchor_name: str
    target: float | None  # None: measured for information, no target
    project: list[float] = field(default_factory=list)
    anchor: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ratio(self) -> float:
        """Median of the project over median of the anchor."""
        return statistics.median(self.project) / statistics.median(self.anchor)

    @property
    def met(self) -> bool:
        """Whether the ratio of medians is within the target."""
        return self.error is None and (self.target is None or self.ratio <= self.target)


def compare(
    name: str,
    project: Measure,
    anchor_name: str,
    anchor: Measure,
    target: float | None,
    runs: int = 9,
    warm: int = 1,
) -> Comparison:
    """Measure ``project`` and ``anchor`` ``runs`` times each, interleaved with rotating order, after ``warm`` rounds."""
    result = Comparison(name, anchor_name, target)
    try:
        for _ in range(warm):
            project()
            anchor()
        for i in range(runs):
            first, second = (project, anchor) if i % 2 == 0 else (anchor, project)
            a, b = first(), second()
            p, q = (a, b) if first is project else (b, a)
            result.project.append(p)
            result.anchor.append(q)
    except Exception as exc:  # a bench that breaks is reported, and the other benches still run
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) * 1000:.1f} / {min(values) * 1000:.1f}"


def print_report(title: str, comparisons: Sequence[Comparison]) -> None:
    """A table: project and anchor (median / min, ms), the ratio of medians, the target and the verdict."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in ("what", "project ms (median / min)", "anchor", "anchor ms (median / min)", "ratio", "target"):
        table.add_column(column, justify="left" if column in ("what", "anchor") else "right")
    table.add_column("verdict")
    for c in comparisons:
        target = "-" if c.target is None else f"<= {c.target:g}x"
        if c.error:
            table.add_row(c.name, "-", c.anchor_name, "-", "-", target, f"[red]error[/] {c.error}")
            continue
        verdict = "info" if c.target is None else "[green]met[/]" if c.met else "[red]missed[/]"
        table.add_row(c.name, _ms(c.project), c.anchor_name, _ms(c.anchor), f"{c.ratio:.2f}x", target, verdict)
    Console(width=200).print(table)
