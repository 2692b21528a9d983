"""One apply at a time per host or namespace: an exclusive ``flock`` on a file under /run/lock."""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_DIR = Path("/run/lock")


def lock_path(netns: str | None) -> Path:
    """The lock file of the host (``netns`` None) or of one named namespace."""
    scope = re.sub(r"[^A-Za-z0-9_.-]", "_", netns) if netns else "host"
    return LOCK_DIR / f"fgtha-bridge-{scope}.lock"


@contextmanager
def host_lock(netns: str | None) -> Iterator[None]:
    """Hold the exclusive lock of the host or namespace; waits while another apply holds it."""
    path = lock_path(netns)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
