"""Atomic, durable file writes: old content or new, never a part; the mode right from the start; one folder fsync per batch.

Files written together (:func:`atomic_write_many`), and writers of one process writing into one folder at the same
time, share the fsync of that folder that makes their renames durable.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import Mapping
from pathlib import Path

#: ``.<target name>.<pid of the writer>.<8 hex digits>.tmp``: the temp files this module makes, and removes again.
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.(?P<pid>[1-9][0-9]*)\.[0-9a-f]{8}\.tmp")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    except OverflowError:  # not a pid this kernel can have
        return False
    return True


def remove_stale_temp_files(folder: str | Path) -> list[Path]:
    """Remove the temp files in ``folder`` that writers killed mid-write (kill -9, power cut) left behind.

    Only files of this module's naming pattern, regular (not symlinks), owned by the
    current user and named after a process that no longer exists are removed; a temp
    file of a live writer stays. Returns the paths removed.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if match is None or _alive(int(match["pid"])):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed


class _FolderSync:
    """A folder's fsyncs shared by the writers of one process (group commit).

    A writer whose renames are done calls :meth:`wait_durable` and returns only after an fsync of the
    folder that *began after* that call has finished: that fsync makes every rename done before it
    durable. Writers that arrive while an fsync runs wait for it, and then one of them runs the next,
    which covers them all; so N writers renaming at once cost two folder fsyncs, not N.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.changed = threading.Condition()
        self.started = 0  # fsyncs begun
        self.finished = 0  # the latest fsync that has finished successfully
        self.running = False

    def wait_durable(self) -> None:
        """Return once an fsync of the folder that began after this call has finished (raise its OSError)."""
        with self.changed:
            needed = self.started + 1
            while self.finished < needed:
                if self.running:
                    self.changed.wait()
                    continue
                self.running = True
                self.started += 1
                mine = self.started
                self.changed.release()
                try:
                    _fsync_folder(self.folder)
                finally:
                    self.changed.acquire()
                    self.running = False
                    self.changed.notify_all()
                self.finished = mine


_folder_syncs: dict[Path, _FolderSync] = {}
_folder_syncs_lock = threading.Lock()


def _fsync_folder(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _make_durable(folder: Path) -> None:
    """Make the renames done so far in ``folder`` durable (one fsync shared by concurrent writers)."""
    key = Path(os.path.realpath(folder))
    with _folder_syncs_lock:
        sync = _folder_syncs.setdefault(key, _FolderSync(key))
    sync.wait_durable()


def atomic_write(path: str | Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically with ``mode``; one file of :func:`atomic_write_many`."""
    atomic_write_many({path: data}, mode)


def atomic_write_many(files: Mapping[str | Path, bytes], mode: int = 0o600) -> None:
    """Write each ``path: data`` of ``files`` atomically with ``mode``; every one durable on return.

    Stale temp files of earlier, killed writers in the folders are removed first. For each file a
    temp file in its folder is created with ``mode`` (never wider), written and fsynced. Only when
    every temp file is written are they renamed over their paths, so a failing write (a full disk,
    a missing folder) leaves every path untouched and no temp file behind. Then each folder is
    fsynced once for the whole batch (and shared with concurrent writers of this process), so the
    renames survive a crash. A reader sees each file's old content or its new, never a part; a crash
    during the renames, or a rename that fails (a folder in the way), may leave some files new and the
    others old, each whole.
    """
    targets = [Path(path) for path in files]
    folders = list(dict.fromkeys(target.parent for target in targets))
    for folder in folders:
        remove_stale_temp_files(folder)
    temps: list[Path] = []
    try:
        for target, data in zip(targets, files.values(), strict=True):
            temps.append(_write_temp(target, data, mode))
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    for folder in folders:
        _make_durable(folder)


def _write_temp(target: Path, data: bytes, mode: int) -> Path:
    """A new temp file beside ``target`` holding ``data`` with ``mode``, fsynced; removed again on failure."""
    tmp = target.parent / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)  # exact (no umask), and set before the file has its final name
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp
