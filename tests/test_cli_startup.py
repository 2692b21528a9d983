"""What each `fgtha` command imports at start-up: only what it needs (speed targets live in bench/)."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import EXAMPLES

PROBE = """
import contextlib, io, sys
from fgtha.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
heavy = ("pydantic", "rich", "jinja2", "pycdlib", "yaml", "fgtha.commands.spec", "fgtha.bridge",
         "fgtha.configdrive", "fgtha.fortios.secrets")
print(" ".join(sorted(m for m in heavy if m in sys.modules)))
"""


def imported(*argv: str) -> set[str]:
    # Output to no terminal, as in CI or a pipe (rich's own settings could force styles: not set here).
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True, env=env)
    return set(done.stdout.split())


def test_help_imports_no_command_module_nor_heavy_library() -> None:
    assert imported("--help") == set()
    assert imported("--version") == set()


def test_validate_loads_the_model_but_not_the_renderer_the_bridge_helper_or_the_iso_writer() -> None:
    loaded = imported("validate", str(EXAMPLES / "unicast-two-hosts.yaml"))  # valid, with a warning
    assert {"pydantic", "yaml", "fgtha.commands.spec"} <= loaded
    assert not loaded & {"jinja2", "pycdlib", "fgtha.bridge", "fgtha.configdrive", "fgtha.fortios.secrets"}
    assert "rich" not in loaded  # its lines are plain text when the output is no terminal


def test_a_subcommand_help_still_shows_its_options() -> None:
    done = subprocess.run([sys.executable, "-m", "fgtha.cli", "iso", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--unit" in done.stdout and "--output" in done.stdout


FREEZE_PROBE = """
import contextlib, gc, io, sys
from fgtha import cli
entry, args = sys.argv[1], sys.argv[2:]
sys.argv = ["fgtha", *args]
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = cli.run() if entry == "run" else cli.main(args)
print(code, gc.get_freeze_count() > 0, gc.isenabled())
"""


def test_the_console_script_freezes_its_start_up_objects_and_main_does_not() -> None:
    """``fgtha`` (cli.run) freezes what importing the command made and collects as usual after; main() never freezes."""
    example = str(EXAMPLES / "unicast-two-hosts.yaml")
    for entry, frozen in (("run", "True"), ("main", "False")):
        done = subprocess.run(
            [sys.executable, "-c", FREEZE_PROBE, entry, "validate", example], capture_output=True, text=True, check=True
        )
        assert done.stdout.split() == ["0", frozen, "True"], done.stderr
