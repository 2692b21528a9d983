"""The atomic writer after a writer was killed mid-write: its temp file is removed by the next write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from fgtha.atomicfile import atomic_write, remove_stale_temp_files

#: A real writer process that stops after its temp file is written and fsynced, where the rename would
#: come, and waits there (reading stdin) until the test kills it.
_WRITER = """
import sys
from fgtha import atomicfile
def wait_instead_of_rename(src, dst):
    print("written", flush=True)
    sys.stdin.read()
atomicfile.os.replace = wait_instead_of_rename
atomicfile.atomic_write(sys.argv[1], b"x" * int(sys.argv[2]))
"""


def _temp_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".tmp"))


def _killed_writer(target: Path, size: int) -> Path:
    """Run a writer of ``target``, kill -9 it in the middle of the write; the temp file it left."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(target), str(size)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"written\n"
        left = [p for p in _temp_files(target.parent) if f".{proc.pid}." in p.name]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(left) == 1 and left[0].stat().st_size == size and left[0].stat().st_mode & 0o777 == 0o600
    assert left[0].exists() and not target.exists()  # the kill left the temp file and no target
    return left[0]


def test_the_next_write_removes_the_temp_file_of_a_writer_killed_with_sigkill(tmp_path: Path) -> None:
    stale = _killed_writer(tmp_path / "fgt-a.iso", 1 << 20)
    atomic_write(tmp_path / "fgt-b.iso", b"new")  # any write into the folder cleans it
    assert not stale.exists()
    assert _temp_files(tmp_path) == []
    assert (tmp_path / "fgt-b.iso").read_bytes() == b"new"


def test_a_live_writers_temp_file_and_other_files_stay(tmp_path: Path) -> None:
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        kept = [
            tmp_path / f".a.iso.{live.pid}.0123abcd.tmp",  # its writer still runs
            tmp_path / f".a.iso.{os.getpid()}.0123abcd.tmp",  # this process: alive
            tmp_path / ".a.iso.notapid.0123abcd.tmp",  # not this module's pattern
            tmp_path / "user.tmp",
        ]
        for path in kept:
            path.write_bytes(b"keep")
        stale = _killed_writer(tmp_path / "a.iso", 10)
        link = tmp_path / ".b.iso.999999999.0123abcd.tmp"  # a dead pid, but a symlink: not a temp file of ours
        link.symlink_to(tmp_path / "user.tmp")
        assert remove_stale_temp_files(tmp_path) == [stale]
        assert all(p.exists() for p in kept) and link.is_symlink()
    finally:
        live.kill()
        live.wait()
