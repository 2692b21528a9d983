"""`fgtha plan-report PLAN.json...`: a Markdown summary of plans for a pull request."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..spec.problems import Problem, SpecError
from ..terraform.plan_report import render_report


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the plan-report command."""
    p = sub.add_parser("plan-report", help="summarize `terraform show -json` plans as Markdown (one file per stack)")
    p.add_argument(
        "plans",
        nargs="+",
        type=Path,
        metavar="PLAN.json",
        help="a stack's plan; the file name (without .json) names the stack",
    )
    p.set_defaults(func=plan_report)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError([Problem(str(path), f"cannot read: {exc.strerror or exc}")]) from None
    except json.JSONDecodeError as exc:
        raise SpecError(
            [Problem(str(path), f"not JSON (line {exc.lineno}): write it with `terraform show -json PLANFILE`")]
        ) from None
    if not isinstance(data, dict) or "format_version" not in data:
        raise SpecError([Problem(str(path), "not a plan in `terraform show -json` form")])
    return data


def plan_report(args: argparse.Namespace) -> int:
    """Print the report to stdout."""
    plans = {path.stem: _load(path) for path in args.plans}
    sys.stdout.write(render_report(plans))
    return 0
