"""The atomic writer: after a writer was killed mid-write, a batch that fails, and the fsyncs that make writes durable."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fgtha import atomicfile
from fgtha.atomicfile import atomic_write, atomic_write_many, remove_stale_temp_files

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


def test_a_batch_changes_no_file_when_any_write_fails(tmp_path: Path) -> None:
    """The renames come only after every temp file is written: a failing write leaves every target as it was."""
    old = tmp_path / "fgt-a.conf"
    old.write_bytes(b"old")
    for failing in (tmp_path / "missing" / "fgt-b.conf", tmp_path / ("b" * 250)):  # ENOENT, ENAMETOOLONG
        with pytest.raises(OSError):
            atomic_write_many({old: b"new", tmp_path / "fgt-c.conf": b"new", failing: b"new"})
        assert old.read_bytes() == b"old"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["fgt-a.conf"]  # no temp file, no other target


class _Recorder:
    """The file operations of the atomic writer, in order, through the real calls: fsync (of a file or a
    folder, by path) and rename."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        real_fsync, real_replace = atomicfile.os.fsync, atomicfile.os.replace

        def fsync(fd: int) -> None:
            kind = "fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file"
            path = os.readlink(f"/proc/self/fd/{fd}")
            self.before_fsync(kind, path)
            real_fsync(fd)
            self.add(kind, path)

        def replace(src: str, dst: str) -> None:
            real_replace(src, dst)
            self.add("rename", f"{src} -> {dst}")

        monkeypatch.setattr(atomicfile.os, "fsync", fsync)
        monkeypatch.setattr(atomicfile.os, "replace", replace)

    def before_fsync(self, kind: str, path: str) -> None:
        """Called before each real fsync (a test may hold one back here)."""

    def add(self, kind: str, detail: str) -> None:
        with self.lock:
            self.events.append((kind, detail))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]


def test_a_batch_is_durable_with_one_fsync_per_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each temp file is fsynced before any rename, and each folder once after the last rename into it."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    files = {tmp_path / folder / f"fgt-{i}.iso": f"image {i}".encode() for folder in "ab" for i in range(50)}
    recorder = _Recorder(monkeypatch)
    atomic_write_many(files)
    assert all(path.read_bytes() == data for path, data in files.items())
    assert recorder.kinds() == ["fsync file"] * 100 + ["rename"] * 100 + ["fsync folder"] * 2
    synced = [detail for kind, detail in recorder.events if kind == "fsync file"]
    renamed = [detail.split(" -> ") for kind, detail in recorder.events if kind == "rename"]
    assert [src for src, _ in renamed] == synced  # the file renamed is the file fsynced
    assert [Path(dst) for _, dst in renamed] == list(files)
    assert {detail for kind, detail in recorder.events if kind == "fsync folder"} == {
        str(tmp_path / "a"),
        str(tmp_path / "b"),
    }


class _CountingCondition(threading.Condition):
    """A Condition that tells when ``waiting`` threads wait on it at once."""

    def __init__(self, waiting: int) -> None:
        super().__init__()
        self.waiting, self.all_waiting = 0, threading.Event()
        self.target = waiting

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting += 1  # the lock is held here
        if self.waiting == self.target:
            self.all_waiting.set()
        try:
            return super().wait(timeout)
        finally:
            self.waiting -= 1


def test_concurrent_writers_share_folder_fsyncs_and_each_returns_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight threads write into one folder while its first fsync is held back: that fsync and one more cover all.

    The first fsync of the folder waits until the seven other writers have renamed and wait for an fsync; each
    writer returns only after a folder fsync that began after its rename has finished.
    """
    writers = 8
    sync = atomicfile._FolderSync(tmp_path)
    condition = _CountingCondition(writers - 1)
    sync.changed = condition
    monkeypatch.setitem(atomicfile._folder_syncs, Path(os.path.realpath(tmp_path)), sync)
    recorder = _Recorder(monkeypatch)
    first = threading.Event()

    def hold_the_first_folder_fsync(kind: str, path: str) -> None:
        if kind == "fsync folder" and not first.is_set():
            first.set()
            assert condition.all_waiting.wait(60), "the other writers never waited for the folder fsync"
        recorder.add(f"begin {kind}", path)

    recorder.before_fsync = hold_the_first_folder_fsync  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            atomic_write(tmp_path / f"fgt-{i}.iso", f"image {i}".encode())
            recorder.add("returned", f"fgt-{i}.iso")
        except BaseException as exc:  # noqa: BLE001  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert recorder.kinds().count("fsync folder") == 2  # not one per writer
    for i in range(writers):
        renamed = next(n for n, (k, d) in enumerate(recorder.events) if k == "rename" and d.endswith(f"/fgt-{i}.iso"))
        returned = recorder.events.index(("returned", f"fgt-{i}.iso"))
        begun = [n for n, (k, _) in enumerate(recorder.events) if k == "begin fsync folder" and n > renamed]
        finished = [n for n, (k, _) in enumerate(recorder.events) if k == "fsync folder" and n > renamed]
        assert begun and finished and begun[0] < finished[0] < returned, f"writer {i} returned before durable"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"fgt-{i}.iso" for i in range(writers)]
