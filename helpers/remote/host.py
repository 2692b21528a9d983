"""The bridge helper's API on a host reached over SSH: read, plan, apply (commit-confirmed), persist.

:class:`RemoteHost` mirrors :class:`fgtha.bridge.HostNetwork` for the provider
and the CLI. It keeps one session and opens it on first use (again after the
session ended). Any other part of the project runs its own host-side
operation with :meth:`RemoteHost.call`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..bridge.config import BridgeConfig, BridgeState
from ..spec.reach import SshReach
from .identity import describe
from .session import RemoteError, SshSession

DEFAULT_CONFIRM_TIMEOUT = 60.0


@dataclass(frozen=True)
class PlannedChange:
    """One step of a plan made on the host: the bridge it serves and the line a person reads."""

    bridge: str
    text: str

    def __str__(self) -> str:
        return self.text


class RemotePlan:
    """The changes a host planned or made (the same reading API as :class:`fgtha.bridge.Plan`)."""

    def __init__(self, changes: Sequence[dict[str, str]] = ()) -> None:
        self.changes = tuple(PlannedChange(c["bridge"], c["text"]) for c in changes)

    @property
    def empty(self) -> bool:
        """True when nothing needs to change."""
        return not self.changes

    def __iter__(self) -> Iterator[PlannedChange]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __str__(self) -> str:
        return "\n".join(map(str, self.changes)) if self.changes else "no changes"


class RemoteHost:
    """A KVM host's bridges over SSH. ``label`` names it in errors; ``confirm_timeout`` bounds an unconfirmed change."""

    def __init__(
        self, reach: SshReach, label: str | None = None, *, confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT
    ) -> None:
        self.reach = reach
        self.label = label or f"host {reach.host} ({reach})"
        self.confirm_timeout = confirm_timeout
        self._session: SshSession | None = None
        self._lock = threading.RLock()

    def __enter__(self) -> RemoteHost:
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing: the session outlives one use (its owner calls :meth:`close`)."""

    def session(self) -> SshSession:
        """The open session, opened now if there is none."""
        with self._lock:
            if self._session is None or not self._session.alive:
                session = SshSession(self.reach, self.label)
                session.open()
                self._session = session
            return self._session

    def call(self, op: str, **args: Any) -> Any:
        """Run the host-side operation ``op`` with JSON ``args``; its JSON result."""
        with self._lock:
            return self.session().call(op, **args)

    def close(self) -> None:
        """End the session (if one is open)."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    # ---- the bridge helper's API ------------------------------------------------------------------------------
    def identity(self) -> str:
        """The machine this reaches, as one line (hostname and machine-id)."""
        return describe(self.session().hello["identity"])

    def read(self, name: str) -> BridgeState | None:
        """The real state of bridge ``name``; None when it does not exist."""
        found = self.call("bridge.read", names=[name])[name]
        if found is None:
            return None
        return BridgeState(**{**found, "ports": tuple(found["ports"]), "addresses": tuple(found["addresses"])})

    def plan(self, desired: Sequence[BridgeConfig], absent: Sequence[str] = ()) -> RemotePlan:
        """The changes that ``apply`` would make now, without making them."""
        return RemotePlan(
            self.call("bridge.plan", desired=[asdict(c) for c in desired], absent=list(absent))["changes"]
        )

    def apply(self, desired: Sequence[BridgeConfig], absent: Sequence[str] = ()) -> RemotePlan:
        """Bring the host to ``desired``, all or nothing, and confirm the change (commit-confirmed).

        The host plans, applies and verifies under its lock, then waits for this
        side's confirmation; without it (the connection dropped) it rolls back by
        itself. A change to the interface carrying the session is confirmed over
        a fresh connection, which shows the host is still reachable.
        """
        with self._lock:
            result = self.call(
                "bridge.apply",
                desired=[asdict(c) for c in desired],
                absent=list(absent),
                timeout=self.confirm_timeout,
            )
            pending = result.get("pending")
            if pending:
                self._confirm(pending)
        return RemotePlan(result["changes"])

    def _confirm(self, pending: dict[str, Any]) -> None:
        timeout = pending.get("timeout")
        try:
            if pending["confirm"] == "fresh":
                assert self._session is not None
                self._session.wait_ended()
                self._session = None
            self.call("bridge.confirm", token=pending["token"])
        except RemoteError as exc:
            raise RemoteError(
                f"{exc}; the change was not confirmed, so the host rolls it back by itself within {timeout} s"
            ) from exc

    def persist(self, desired: Sequence[BridgeConfig], fmt: str = "auto", root: str = "/") -> tuple[str, dict]:
        """The host's network configuration files for ``desired`` (from its addressing now): ``(format, files)``."""
        found = self.call("bridge.persist", desired=[asdict(c) for c in desired], format=fmt, root=root)
        return found["format"], {rel: (f["text"], f["mode"]) for rel, f in found["files"].items()}

    def write_files(self, files: dict, root: str = "/") -> list[str]:
        """Write ``files`` (``{path: (text, mode)}``) atomically under ``root`` on the host; the paths written."""
        payload = {rel: {"text": text, "mode": mode} for rel, (text, mode) in files.items()}
        return self.call("files.write", files=payload, root=root)["written"]
