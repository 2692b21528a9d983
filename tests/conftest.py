"""Shared fixtures: the repository paths, the shipped examples, and network namespaces."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from netns import leftover_namespaces, temporary_netns  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


@pytest.fixture
def netns() -> Iterator[str]:
    """A fresh network namespace, removed after the test."""
    with temporary_netns() as name:
        yield name


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a test left a namespace behind."""
    left = leftover_namespaces()
    if left:
        for name in left:
            import subprocess

            subprocess.run(["ip", "netns", "delete", name], check=False)
        print(f"\nnamespaces left behind by tests (removed now): {left}", file=sys.stderr)
        session.exitstatus = 1
