"""The `fgtha` command line: one entry point, one module per command group."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from rich.console import Console
from rich.markup import escape

from .spec.problems import Problem, SpecError

#: Modules under fgtha.commands; each defines ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES: tuple[str, ...] = ("spec", "plan", "host", "provider", "init")
#: Most problems printed for one spec; the rest are counted ("... and N more").
MAX_PROBLEMS_SHOWN = 50

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _version() -> str:
    try:
        return version("fgt-kvm-ha")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every command group registered."""
    parser = argparse.ArgumentParser(prog="fgtha", description="FortiGate-VM FGCP high availability on KVM, as code.")
    parser.add_argument("--version", action="version", version=f"fgtha {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"fgtha.commands.{name}").register(sub)
    return parser


def shown_problems(problems: Sequence[Problem]) -> tuple[Sequence[Problem], int]:
    """The problems to show and how many more were left out (at most :data:`MAX_PROBLEMS_SHOWN` shown)."""
    return problems[:MAX_PROBLEMS_SHOWN], max(0, len(problems) - MAX_PROBLEMS_SHOWN)


def problems_json(problems: Sequence[Problem]) -> dict[str, object]:
    """Problems as JSON-ready data: ``{"errors": [...], "omitted": N}``, capped like the text output."""
    shown, omitted = shown_problems(problems)
    return {"errors": [p.as_dict() for p in shown], "omitted": omitted}


def report_spec_error(exc: SpecError) -> None:
    """Print the problems of an invalid spec as ``path: message`` (capped, every value escaped)."""
    shown, omitted = shown_problems(exc.problems)
    for problem in shown:
        err_console.print(f"[bold red]error[/] {escape(str(problem))}", markup=True)
    if omitted:
        err_console.print(f"... and {omitted} more")
    err_console.print(f"{len(exc.problems)} problem(s); nothing was written.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 failure, 2 invalid input)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SpecError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"valid": False, **problems_json(exc.problems)}, indent=2))
        else:
            report_spec_error(exc)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
