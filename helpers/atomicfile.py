"""Write a file atomically: readers see the old content or the new, never a part, and the mode is right from the start."""

from __future__ import annotations

import os
import re
import stat
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


def atomic_write(path: str | Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically with ``mode``.

    Stale temp files of earlier, killed writers in the same folder are removed
    first. A temp file in the same folder is created with ``mode`` (never wider),
    written, fsynced and renamed over ``path``; then the folder is fsynced so the
    rename survives a crash. On failure the temp file is removed and ``path`` is untouched.
    """
    target = Path(path)
    remove_stale_temp_files(target.parent)
    tmp = target.parent / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)  # exact (no umask), and set before the file has its final name
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
