"""One apply at a time per host or namespace: an exclusive ``flock`` on a file in a root-only folder.

The folder (``/run/fgtha``, mode 0700) must belong to the user running the apply
(root) and be a real folder, never a symlink; the lock file is opened with
``O_NOFOLLOW`` and refused when someone else owns it, so another local user can
neither redirect root's writes nor block applies by holding the file. A waiting
apply says whom it waits for and gives up after a timeout. The holder removes
the file when it is done (a waiter that locked a removed file opens it again),
so no lock file is left behind per namespace.

``/run`` is a tmpfs: the lock and the apply journal next to it vanish on reboot,
exactly like the kernel network state they protect.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import BridgeError

#: Where the locks and journals of the bridge helper live.
RUN_DIR = Path("/run/fgtha")
#: How long an apply waits for another one to finish, by default (seconds).
LOCK_TIMEOUT = 300.0
_POLL = 0.05


def scope_name(netns: str | None) -> str:
    """The file-name part for the host (``netns`` None) or one named namespace."""
    return "ns-" + re.sub(r"[^A-Za-z0-9_.-]", "_", netns) if netns else "host"


def lock_path(netns: str | None, run_dir: Path = RUN_DIR) -> Path:
    """The lock file of the host or of one named namespace."""
    return run_dir / f"bridge-{scope_name(netns)}.lock"


def private_dir(run_dir: Path = RUN_DIR) -> Path:
    """``run_dir``, created 0700 when missing; refused unless it is a real folder only this user can enter."""
    try:
        os.mkdir(run_dir, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise BridgeError(f"cannot create {run_dir}: {exc.strerror} (applying host changes needs root)") from None
    st = os.lstat(run_dir)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise BridgeError(f"{run_dir} is not a folder (a symlink or a file): refusing to use it; remove it")
    if st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise BridgeError(
            f"{run_dir} belongs to uid {st.st_uid} with mode {stat.S_IMODE(st.st_mode):04o}: refusing to use it "
            f"(it must belong to uid {os.geteuid()} with mode 0700); remove it"
        )
    return run_dir


def _open_lock_file(path: Path) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BridgeError(f"{path} is a symlink: refusing to follow it; remove it") from None
        raise BridgeError(f"cannot open the lock {path}: {exc.strerror}") from None
    st = os.fstat(fd)
    if st.st_uid != os.geteuid() or not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise BridgeError(f"{path} belongs to uid {st.st_uid} or is not a plain file: refusing to use it; remove it")
    return fd


def _still_linked(fd: int, path: Path) -> bool:
    """True when ``path`` is still the file open as ``fd`` (the holder before us may have removed it)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _holder(fd: int) -> str:
    """What the holder wrote into the lock file (``pid N on LABEL``), or a neutral text."""
    try:
        text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return text or "another process"


@contextmanager
def host_lock(
    netns: str | None,
    *,
    label: str,
    timeout: float = LOCK_TIMEOUT,
    on_wait: Callable[[str], None] | None = None,
    interrupted: Callable[[], BaseException | None] | None = None,
    run_dir: Path = RUN_DIR,
) -> Iterator[Path]:
    """Hold the exclusive lock of the host or namespace ``netns``; yields the private folder it lives in.

    While another apply holds it, ``on_wait`` is told once whom we wait for;
    after ``timeout`` seconds a :class:`BridgeError` says so. ``interrupted`` is
    polled while waiting: an exception it returns is raised (nothing was changed yet).
    """
    folder = private_dir(run_dir)
    path = lock_path(netns, run_dir)
    deadline = time.monotonic() + timeout
    told = False
    while True:
        fd = _open_lock_file(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if not told and on_wait is not None:
                on_wait(f"waiting for the apply of {holder} (lock {path})")
                told = True
            if time.monotonic() >= deadline:
                raise BridgeError(
                    f"{label}: gave up after {timeout:g} s waiting for the apply of {holder} "
                    f"(it holds {path}); nothing was changed"
                ) from None
            problem = interrupted() if interrupted else None
            if problem is not None:
                raise problem from None
            time.sleep(_POLL)
            continue
        if _still_linked(fd, path):
            break
        os.close(fd)  # we locked a file its previous holder removed: lock the current one
    try:
        if os.fstat(fd).st_size:  # a killed holder's text; a fresh file is not truncated (on ext4 that makes
            os.ftruncate(fd, 0)  # its close flush the text to disk: about 2 ms, up to 60 ms under load)
        os.pwrite(fd, f"pid {os.getpid()} on {label}\n".encode(), 0)
        yield folder
    finally:
        path.unlink(missing_ok=True)  # while still holding it: waiters notice and open the new file
        os.close(fd)
