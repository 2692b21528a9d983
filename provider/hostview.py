"""One reading of this machine's links per Terraform command, shared by the refresh and plan of every bridge.

Terraform asks about each resource in its own RPC: a plan of ten bridges is ten ReadResource and ten
PlanResourceChange calls, and each used to dump every link, address and route of the host again. A
refresh is not one point in time in Terraform either (the reads run one by one, in parallel); sharing one
reading makes every bridge of the command see the same host. The reading is dropped when a new command
configures the provider, and whenever this process changes the host: a read or plan that starts while a
change is in flight, or after one, reads the host afresh, exactly as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fgtha.bridge import BridgeConfig, BridgeState, HostNetwork, Plan
    from fgtha.bridge.snapshot import Snapshot


class HostView:
    """One kept snapshot of a host (this machine, or a named namespace) until it may have changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reading = threading.Lock()  # one reading at a time: parallel RPCs wait for it and share it
        self._snapshot: Snapshot | None = None
        self._generation = 0  # moves on at every forget(): a reading begun before it is not kept
        self._changes = 0  # host changes in flight in this process

    def forget(self) -> None:
        """Drop the kept snapshot: the next read or plan takes a new one."""
        with self._lock:
            self._snapshot = None
            self._generation += 1

    @contextmanager
    def changing(self) -> Iterator[None]:
        """A host change by this process: nothing is kept while it runs, nor what was read before it."""
        with self._lock:
            self._changes += 1
        self.forget()
        try:
            yield
        finally:
            with self._lock:
                self._changes -= 1
            self.forget()

    def snapshot(self, open_host: Callable[[], HostNetwork]) -> Snapshot:
        """The kept snapshot, or a new one through ``open_host()`` (kept unless a change began or ended meanwhile)."""
        with self._reading:
            with self._lock:
                if self._snapshot is not None:
                    return self._snapshot
                generation, keep = self._generation, self._changes == 0
            with open_host() as net:
                snapshot = net.snapshot()
            with self._lock:
                if keep and self._generation == generation and self._changes == 0:
                    self._snapshot = snapshot
            return snapshot

    def reads(self, open_host: Callable[[], HostNetwork]) -> KeptReads:
        """Reads and plans answered from :meth:`snapshot`."""
        return KeptReads(self, open_host)


@dataclass
class KeptReads:
    """The read-only half of HostNetwork's API (``read``, ``plan``) over a :class:`HostView`'s snapshot."""

    view: HostView
    open_host: Callable[[], HostNetwork]

    def read(self, name: str) -> BridgeState | None:
        """Like ``HostNetwork.read``: the state of bridge ``name``, None when there is none."""
        from fgtha.bridge.planner import bridge_state

        return bridge_state(self.view.snapshot(self.open_host), name)

    def plan(self, desired: Sequence[BridgeConfig]) -> Plan:
        """Like ``HostNetwork.plan``: the changes an apply of ``desired`` would make now."""
        from fgtha.bridge.planner import make_plan

        return make_plan(self.view.snapshot(self.open_host), desired)
