"""Signals during a host change: SIGINT, SIGTERM and SIGHUP become a rollback, never a half-changed host.

While :class:`SignalCatcher` is active (in the main thread only: Python runs
signal handlers there), those signals are recorded instead of acting at once;
the apply looks between two steps, undoes what it did and raises
:class:`Interrupted`. Each netlink step takes well under a millisecond, so the
delay is not felt, and no step is ever cut in half. The caller then exits with
``128 + signal`` as a shell expects.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

from .config import BridgeError

#: The signals that roll an apply back (SIGKILL cannot be caught: the journal covers it).
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BridgeError):
    """The apply was stopped by a signal or by its caller (Terraform's cancel); ``signum`` is None for the latter."""

    def __init__(self, message: str, *, signum: int | None = None, rolled_back: bool = False) -> None:
        super().__init__(message, rolled_back=rolled_back)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """What a command exits with: ``128 + signal`` (130 for SIGINT), 1 when no signal stopped it."""
        return 128 + self.signum if self.signum else 1


def signal_name(signum: int) -> str:
    """``SIGTERM`` for 15."""
    return signal.Signals(signum).name


class SignalCatcher:
    """Record SIGINT/SIGTERM/SIGHUP while active (main thread; a no-op elsewhere); the old handlers come back after."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._saved: dict[int, Any] = {}

    def _record(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum

    def __enter__(self) -> SignalCatcher:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._saved[signum] = signal.signal(signum, self._record)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)
        self._saved.clear()
