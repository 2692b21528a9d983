"""The `fgtha` command line: one entry point, one module per command group, imported only when it runs.

``fgtha --help`` imports no command module (their one-line help is in :data:`COMMANDS`); ``fgtha validate``
imports the spec commands and what they need, not the bridge helper or the config-drive writer.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console

    from .spec.problems import Problem, SpecError

#: Every command: the module under fgtha.commands that registers it (``register(subparsers)``, which sets
#: ``func`` on its parsers), and its one-line help.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("spec", "check cluster specs; print every problem as path: message"),
    "render": ("spec", "print each unit's FortiOS bootstrap configuration"),
    "iso": ("spec", "write a unit's config drive (ISO 9660, label config-2)"),
    "plan-report": ("plan", "summarize `terraform show -json` plans as Markdown (one file per stack)"),
    "host": ("host", "a KVM host's bridges: readiness check and apply without Terraform"),
    "plan": ("plan", "plan the synthesized stacks in deploy order, save each plan, print the Markdown report"),
    "apply": ("plan", "apply saved plans (`fgtha plan`) in deploy order: network -> units -> ha"),
    "provider": ("provider", "the kvmhost Terraform provider"),
    "init": ("init", "write a ready repository for one site: cdktf.json, main.py, clusters/, CI workflows"),
}
#: Most problems printed for one spec; the rest are counted ("... and N more").
MAX_PROBLEMS_SHOWN = 50


class _LazyConsole:
    """A rich Console made on first use (importing rich costs more than ``fgtha --help`` itself)."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            self._console = rich_console(stderr=self._stderr)
        return getattr(self._console, name)


def rich_console(stderr: bool = False, file: Any = None) -> Console:
    """The CLI's rich Console: on stdout (or stderr, or ``file``), no highlighting, lines never wrapped.

    Emoji codes stay text: a MAC address such as ``52:54:00:cd:2a:9c`` holds ``:cd:``, which rich would print
    as an emoji.
    """
    from rich.console import Console

    return Console(stderr=stderr, file=file, highlight=False, soft_wrap=True, emoji=False)


def lazy_console(stderr: bool = False) -> Console:
    """A Console on stdout (or stderr) that imports rich only when something is printed."""
    return cast("Console", _LazyConsole(stderr))


err_console = lazy_console(stderr=True)

#: Text that rich prints as given when it prints no styles: printable ASCII (rich drops some control characters,
#: and a terminal's encoding may refuse others), not ending in a backslash (rich doubles it).
_VERBATIM = re.compile(r"(?:[ -~]*[ -\[\]-~])?")


def _unstyled(stream: Any) -> bool:
    """Whether rich writes to ``stream`` without styles: the rules of rich's ``Console.is_terminal`` (rich 15)."""
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "0"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color == ""
    isatty = getattr(stream, "isatty", None)
    try:
        return isatty is None or not isatty()
    except ValueError:  # a closed stream
        return True


def say(console: Console, text: str, label: str = "", style: str = "") -> None:
    """Print ``text`` literally on one line, after ``label`` in ``style`` when a label is given.

    What rich would print, without importing rich when the output is not styled (a pipe, a file, CI) and
    rich would print the text as given; otherwise through rich.
    """
    line = f"{label} {text}" if label else text
    if isinstance(console, _LazyConsole):
        stream = sys.stderr if console._stderr else sys.stdout
        if _VERBATIM.fullmatch(line) and _unstyled(stream):
            try:
                stream.write(line + "\n")
                stream.flush()
            except BrokenPipeError:  # the reader is gone: what rich does (Console.on_broken_pipe)
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise SystemExit(1) from None
            return
    console.print(f"[{style}]{label}[/] {escape(text)}" if label else escape(text))


def escape(text: str) -> str:
    """``text`` with rich markup escaped (rich imported on first use)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def command_help(name: str) -> str:
    """The one-line help of command ``name``."""
    return COMMANDS[name][1]


class _VersionAction(argparse.Action):
    """``--version``: the installed distribution's version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("fgt-kvm-ha")
        except PackageNotFoundError:  # run from a source tree that was never installed
            found = "unknown"
        print(f"fgtha {found}")
        parser.exit()


def _chosen_command(argv: Sequence[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser: the chosen command's group registered in full, every other command by name and help."""
    parser = argparse.ArgumentParser(prog="fgtha", description="FortiGate-VM FGCP high availability on KVM, as code.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _chosen_command(sys.argv[1:] if argv is None else argv)
    module = COMMANDS[chosen][0] if chosen in COMMANDS else None
    if module is not None:
        importlib.import_module(f"fgtha.commands.{module}").register(sub)
    for name, (owner, help_text) in COMMANDS.items():
        if owner != module:
            sub.add_parser(name, help=help_text)
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
        say(err_console, str(problem), "error", "bold red")
    if omitted:
        say(err_console, f"... and {omitted} more")
    say(err_console, f"{len(exc.problems)} problem(s); nothing was written.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 failure, 2 invalid input)."""
    return _run(build_parser(argv).parse_args(argv))


def run() -> int:
    """The ``fgtha`` console script: :func:`main` in a process of its own, its start-up objects frozen.

    Importing a command's modules (pydantic and the spec model for ``fgtha validate``) makes some 42,000
    objects that live until the process ends; the garbage collector walked them in 53 collections while they
    were made and once more at exit, for nothing (about 20 ms of ``fgtha validate``'s 165). So the collector
    is off while the parser is built and those objects are then frozen (:func:`gc.freeze`): no collection
    walks them again, and what the command makes afterwards is collected as usual. What the imports left as
    garbage (about 550 objects in cycles, 300 KiB) stays until exit. In-process callers use :func:`main`.
    """
    gc.disable()
    try:
        parser = build_parser()
    finally:
        gc.freeze()
        gc.enable()
    return _run(parser.parse_args())


def _run(args: argparse.Namespace) -> int:
    from .spec.problems import SpecError

    try:
        return int(args.func(args) or 0)
    except SpecError as exc:
        if getattr(args, "json", False):
            import json  # only --json output needs it

            print(json.dumps({"valid": False, **problems_json(exc.problems)}, indent=2))
        else:
            report_spec_error(exc)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(run())
