"""The `fgtha` command line: one entry point, one module per command group."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from .spec.problems import SpecError

#: Modules under fgtha.commands; each defines ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES: tuple[str, ...] = ("spec", "plan", "host", "provider")

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every command group registered."""
    parser = argparse.ArgumentParser(prog="fgtha", description="FortiGate-VM FGCP high availability on KVM, as code.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"fgtha.commands.{name}").register(sub)
    return parser


def report_spec_error(exc: SpecError) -> None:
    """Print every problem of an invalid spec as ``path: message``."""
    for problem in exc.problems:
        err_console.print(f"[bold red]error[/] {escape(str(problem))}", markup=True)
    err_console.print(f"{len(exc.problems)} problem(s); nothing was written.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 failure, 2 invalid input)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SpecError as exc:
        report_spec_error(exc)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
