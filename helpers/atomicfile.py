"""Write a file atomically: readers see the old content or the new, never a part, and the mode is right from the start."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: str | Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically with ``mode``.

    A temp file in the same folder is created with ``mode`` (never wider), written,
    fsynced and renamed over ``path``; then the folder is fsynced so the rename
    survives a crash. On failure the temp file is removed and ``path`` is untouched.
    """
    target = Path(path)
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
