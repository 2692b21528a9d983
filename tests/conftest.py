"""Shared fixtures: the repository paths, the shipped examples, and network namespaces; the session fails
when a test leaves a namespace or a cdktf output folder behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from netns import leftover_namespaces, temporary_netns  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def _session_tmpdir() -> Path:
    """A new ``fgtha-test-session-<pid>-*`` folder; those of sessions that were killed (pid gone) are removed."""
    for old in Path(tempfile.gettempdir()).glob("fgtha-test-session-*-*"):
        pid = old.name.split("-")[3]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except (ValueError, OverflowError, OSError):
            continue
    return Path(tempfile.mkdtemp(prefix=f"fgtha-test-session-{os.getpid()}-"))


# Python keeps the shared temp folder (tempfile caches it now: pytest's tmp_path stays there); every child
# process (the jsii runtime under cdktf, Terraform, cdktf-cli) gets a folder of this session as its TMPDIR,
# so the check below sees what this session left, never what another run on the machine is using.
SESSION_TMPDIR = _session_tmpdir()
os.environ["TMPDIR"] = str(SESSION_TMPDIR)


@pytest.fixture
def netns() -> Iterator[str]:
    """A fresh network namespace, removed after the test."""
    with temporary_netns() as name:
        yield name


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a test left a namespace or a ``cdktf.outdir.*`` folder (``Testing.app()``) behind."""
    left = leftover_namespaces()
    if left:
        for name in left:
            subprocess.run(["ip", "netns", "delete", name], check=False)
        print(f"\nnamespaces left behind by tests (removed now): {left}", file=sys.stderr)
        session.exitstatus = 1
    outdirs = sorted(p.name for p in SESSION_TMPDIR.glob("cdktf.outdir.*"))
    shutil.rmtree(SESSION_TMPDIR, ignore_errors=True)
    if outdirs:
        print(
            f"\n{len(outdirs)} cdktf.outdir.* folder(s) left behind by tests (removed now; "
            f"use synthkit.scratch_app): {outdirs[:5]}",
            file=sys.stderr,
        )
        session.exitstatus = 1


from libvirtd import libvirt_host  # noqa: E402,F401  (the session's real libvirtd, shared by the libvirt tests)
