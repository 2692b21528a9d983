"""The CLI's plain output path: the same characters rich prints, without importing rich where it would not style."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator

import pytest
from conftest import EXAMPLES, REPO
from rich.console import Console

from fgtha import cli

#: Labelled lines and plain lines the CLI prints, and texts that look like markup, emoji codes or control output.
TEXTS = [
    "examples/unicast-two-hosts.yaml: cluster fgt-ha, 2 units, unicast heartbeat",
    "units[1].heartbeat_ip: 10.9.0.2 is not in 10.255.0.0/30",
    "ports: only port3 carries heartbeat; two heartbeat ports avoid a split brain",
    "specs/[bold]red[/].yaml: cluster x",
    "a\\[b] c\\\\[d] e\\\\\\[f] \\x \\[bold]",
    "a trailing backslash\\",
    "[/] [link=x] [#ff0000]x[/#ff0000] [@click]y[/]",
    "emoji :smile: and :thumbs_up: and :not-an-emoji: in a path",
    "a/b:c/d.yaml: cluster x",
    "tab\there and a bell\x07 and a carriage\rreturn and an escape \x1b[31mred",
    "non-ASCII: grüße, 東京, \u202ebidi",
    "  leading and trailing spaces  ",
    "",
    "1 problem(s); nothing was written.",
    "uplink enp4s0 mac 52:54:00:cd:2a:9c",
]
LABELS = [("", ""), ("ok", "green"), ("warning", "yellow"), ("error", "bold red")]


def rich_prints(text: str, label: str, style: str) -> str:
    """What the CLI's rich Console prints for the line, into a file that is no terminal."""
    out = io.StringIO()
    console = cli.rich_console(file=out)
    console.print(f"[{style}]{label}[/] {cli.escape(text)}" if label else cli.escape(text))
    return out.getvalue()


@pytest.fixture
def no_colour_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize(("label", "style"), LABELS)
def test_say_prints_what_rich_prints(
    text: str, label: str, style: str, no_colour_settings: None, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.say(cli.lazy_console(), text, label, style)
    cli.say(cli.lazy_console(stderr=True), text, label, style)
    printed = capsys.readouterr()
    assert printed.out == printed.err == rich_prints(text, label, style)


#: The texts above that the CLI prints without rich (every other one goes through rich).
PLAIN = {0, 1, 2, 3, 4, 6, 7, 8, 11, 12, 13, 14}  # texts with colons (7, 8, 14) too: the CLI has emoji off


def test_the_plain_path_is_taken_for_plain_text_only(
    no_colour_settings: None, capsys: pytest.CaptureFixture[str]
) -> None:
    for i, text in enumerate(TEXTS):
        console = cli.lazy_console()
        cli.say(console, text, "ok", "green")
        made = console._console is not None  # type: ignore[attr-defined]  # rich's Console was made
        assert made != (i in PLAIN), text
    capsys.readouterr()


@pytest.fixture
def terminal() -> Iterator[io.TextIOWrapper]:
    """A real terminal: the slave side of a new pseudo-terminal, as a text stream."""
    master, slave = os.openpty()
    stream = open(slave, "w", closefd=True)  # noqa: SIM115
    try:
        yield stream
    finally:
        stream.close()
        os.close(master)


@pytest.mark.parametrize("tty_compatible", [None, "", "0", "1", "yes"])
@pytest.mark.parametrize("force_color", [None, "", "1", "0"])
def test_unstyled_follows_riches_own_terminal_rules(
    tty_compatible: str | None,
    force_color: str | None,
    terminal: io.TextIOWrapper,
    monkeypatch: pytest.MonkeyPatch,
    no_colour_settings: None,
) -> None:
    for name, value in (("TTY_COMPATIBLE", tty_compatible), ("FORCE_COLOR", force_color)):
        if value is not None:
            monkeypatch.setenv(name, value)
    closed = io.StringIO()
    closed.close()
    for stream in (terminal, io.StringIO(), closed):
        assert cli._unstyled(stream) == (not Console(file=stream).is_terminal)


@pytest.mark.parametrize("force_color", [None, "1"])
def test_a_closed_pipe_on_stdout_ends_validate_as_rich_ends_it(force_color: str | None) -> None:
    """Exit 1 and no traceback, whether the line goes the plain way or (FORCE_COLOR) through rich."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    if force_color:
        env["FORCE_COLOR"] = force_color
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    try:
        done = subprocess.run(
            [str(REPO / ".venv" / "bin" / "fgtha"), "validate", str(EXAMPLES / "unicast-two-hosts.yaml")],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    finally:
        os.close(write)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
