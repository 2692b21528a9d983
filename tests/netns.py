"""Network namespaces for host-side tests: created per test, always removed."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def ip(*args: str, netns: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``ip`` (inside ``netns`` when given) and return its result."""
    cmd = ["ip", *(["-n", netns] if netns else []), *args]
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def in_netns(netns: str, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run any command inside a named namespace."""
    return subprocess.run(["ip", "netns", "exec", netns, *cmd], check=check, capture_output=True, text=True)


_created: set[str] = set()


@contextmanager
def temporary_netns(prefix: str = "fgtha") -> Iterator[str]:
    """A fresh named namespace with loopback up; deleted on exit, on failure too."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    _created.add(name)
    try:
        ip("link", "set", "lo", "up", netns=name)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def leftover_namespaces() -> list[str]:
    """Namespaces this test process created that still exist."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    existing = {line.split()[0] for line in out.splitlines() if line.strip()}
    return sorted(existing & _created)
