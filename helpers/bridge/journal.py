"""The journal of the apply in progress: the state before it and its steps, so the next run can undo a killed apply.

Written next to the lock (root-only folder, file mode 0600): one JSON line with
the before-state of the devices the plan touches and the plan itself, written
atomically (a temp file renamed over it) before the first step; then one
``step N`` line as each step starts. A finished or rolled-back apply removes it.
When a kill -9 or a crash of the process leaves it, the next apply (CLI or
provider) undoes steps ``0..N`` in reverse (each only if its effect is there:
step N may not have happened) and checks the devices against the before-state,
then plans anew.

Durability: nothing is fsynced. What the journal protects is the kernel's
network state, which lives in memory: a process killed mid-apply leaves both the
bridges and the journal (the page cache outlives the process, and the rename
makes the header all or nothing for every reader), while a power cut or a
kernel crash takes the half-made bridges with it, so a journal that did not reach
the disk has nothing left to undo. A journal that did survive a reboot (when
/run is not a tmpfs) is dropped, being of an earlier boot. An fsync would
only buy that useless survival, at a few milliseconds per apply on a disk.

The journal records which network namespace it is about (its inode) and the boot
(the kernel's boot id): a journal of a namespace that is gone or was made anew under
the same name, or of an earlier boot (when /run is not a tmpfs), is dropped.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .changes import AddressChange, Change, CreateBridge, DeleteBridge, RouteChange, SetLink
from .config import BridgeError
from .lock import scope_name
from .netns import NETNS_DIR
from .snapshot import Address, Link, Route, Snapshot

VERSION = 1
BOOT_ID = "/proc/sys/kernel/random/boot_id"
_TYPES: dict[str, type] = {
    t.__name__: t for t in (CreateBridge, DeleteBridge, SetLink, AddressChange, RouteChange, Link, Address, Route)
}
_FIELDS = {t: tuple(f.name for f in fields(t)) for t in _TYPES.values()}  # what each type is written with


def journal_path(netns: str | None, folder: Path) -> Path:
    """The journal file of the host or of one named namespace, in the lock's folder."""
    return folder / f"bridge-{scope_name(netns)}.journal"


def namespace_id(netns: str | None) -> list[object] | None:
    """The boot id, and the device and inode of the network namespace (None when the named one does not exist)."""
    try:
        st = os.stat(os.path.join(NETNS_DIR, netns) if netns else "/proc/self/ns/net")
    except FileNotFoundError:
        return None
    return [Path(BOOT_ID).read_text().strip(), st.st_dev, st.st_ino]


@dataclass(frozen=True)
class UnfinishedApply:
    """What a journal left by an apply that never finished says."""

    pid: int
    label: str
    started_at: str
    before: Snapshot
    changes: tuple[Change, ...]
    last_started: int  # -1: killed before its first step

    @property
    def begun(self) -> tuple[Change, ...]:
        """The steps that were done, the last one perhaps not."""
        return self.changes[: self.last_started + 1]


class Journal:
    """The open journal of the apply this process is making."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def start(
        cls, path: Path, *, netns: str | None, label: str, before: Snapshot, changes: tuple[Change, ...]
    ) -> Journal:
        """Write the journal of an apply about to make ``changes`` (``before``: the devices they touch)."""
        header = {
            "version": VERSION,
            "pid": os.getpid(),
            "label": label,
            "namespace": namespace_id(netns),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "before": encode_snapshot(before),
            "changes": [_encode(c) for c in changes],
        }
        _replace(path, (json.dumps(header, separators=(",", ":")) + "\n").encode())
        return cls(path, os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC))

    def started(self, step: int) -> None:
        """Record that step number ``step`` is about to be made.

        Not fsynced (see the module docstring): the line must outlive the process,
        which the page cache gives.
        """
        os.write(self._fd, f"step {step}\n".encode())

    def remove(self) -> None:
        """The apply is over (done or rolled back): drop the journal."""
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the file and keep it (the rollback did not complete: the next run tries again)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _replace(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` through a temp file renamed over it (mode 0600): all or nothing for every reader.

    Not :func:`fgtha.atomicfile.atomic_write`, which fsyncs the file and its folder (see the module docstring
    for why the journal needs neither). Only the holder of the lock writes here, so the temp file's name is
    fixed: one a killed writer left is simply written over by the next.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_journal(path: Path, netns: str | None, *, drop_stale: bool = True) -> UnfinishedApply | None:
    """The apply a journal left behind; None when there is none, or it is stale (the namespace changed) or unreadable.

    A stale or unreadable journal is removed (``drop_stale``): nothing can be undone from it.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BridgeError(f"cannot read the journal {path}: {exc.strerror}") from None
    with os.fdopen(fd) as f:
        text = f.read()
    lines = text.splitlines()
    try:
        header = json.loads(lines[0])
        if header.get("version") != VERSION or header.get("namespace") != namespace_id(netns):
            raise ValueError("stale")
        steps = [int(line.split()[1]) for line in lines[1:] if line.startswith("step ") and line[5:].isdigit()]
        return UnfinishedApply(
            pid=int(header["pid"]),
            label=str(header["label"]),
            started_at=str(header["started_at"]),
            before=decode_snapshot(header["before"]),
            changes=tuple(_decode(c) for c in header["changes"]),
            last_started=max(steps, default=-1),
        )
    except (ValueError, KeyError, IndexError, TypeError):
        if drop_stale:
            path.unlink(missing_ok=True)
        return None


def _encode(value: Any) -> Any:
    names = _FIELDS.get(type(value))
    if names is None:
        return value
    return {"type": type(value).__name__, **{name: _encode(getattr(value, name)) for name in names}}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "type" in value:
        kind = _TYPES[value["type"]]
        return kind(**{k: _decode(v) for k, v in value.items() if k != "type"})
    return value


def encode_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot as JSON-ready data (the journal's, and what a remote host check sends back)."""
    return {
        "links": [_encode(link) for link in snapshot.links.values()],
        "addresses": [_encode(a) for a in sorted(snapshot.addresses, key=repr)],
        "routes": [_encode(r) for r in sorted(snapshot.routes, key=repr)],
    }


def decode_snapshot(data: dict[str, Any]) -> Snapshot:
    """The snapshot :func:`encode_snapshot` wrote."""
    links = [_decode(link) for link in data["links"]]
    return Snapshot(
        {link.name: link for link in links},
        frozenset(_decode(a) for a in data["addresses"]),
        frozenset(_decode(r) for r in data["routes"]),
    )
