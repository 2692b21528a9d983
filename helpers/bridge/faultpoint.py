"""A pause point for fault tests: with ``FGTHA_TEST_PAUSE=N:PATH`` an apply halts just before its step N.

Used only by the interrupt tests (tests/test_bridge_interrupt.py, tests/test_provider_interrupt.py),
which need to stop a real ``fgtha host apply`` or provider at an exact step. At step N
(counted from 0; journaled, not yet made) the apply creates PATH with its pid and waits
until PATH is removed, a signal or a stop request arrives, or 60 s pass. The test
sends kill -9, SIGTERM or SIGINT (or cancels Terraform) meanwhile. It pauses once per
file: while PATH exists, later applies of the same process go on (a provider serves
several). Unset, it costs one environment lookup per apply.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

PAUSE_ENV = "FGTHA_TEST_PAUSE"
_MAX_PAUSE = 60.0


def pause_step() -> tuple[int, str] | None:
    """The step and file of the pause asked for in the environment, if any."""
    value = os.environ.get(PAUSE_ENV, "")
    step, _, path = value.partition(":")
    return (int(step), path) if step.isdigit() and path else None


def pause_at(pause: tuple[int, str] | None, step: int, stopping: Callable[[], bool]) -> None:
    """Halt before ``step`` when ``pause`` names it, until its file is gone or ``stopping()`` is true."""
    if pause is None or pause[0] != step:
        return
    try:
        fd = os.open(pause[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # paused once already
    os.write(fd, f"{os.getpid()}\n".encode())
    os.close(fd)
    deadline = time.monotonic() + _MAX_PAUSE
    while os.path.exists(pause[1]) and not stopping() and time.monotonic() < deadline:
        time.sleep(0.01)
