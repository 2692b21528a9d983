"""HostNetwork: read, plan and apply bridges on the host or in a named namespace, all or nothing."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .changes import Change
from .config import BridgeConfig, BridgeError, BridgeState
from .dump import read_snapshot
from .lock import host_lock
from .netns import netns_exists
from .planner import Plan, bridge_state, make_plan
from .snapshot import Snapshot

if TYPE_CHECKING:
    from .netlink import Netlink


class HostNetwork:
    """The bridges of one host (or of the named namespace ``netns``) through one netlink socket.

    Use it as a context manager. ``before_step`` is called with each change just
    before it is made; an exception raised there fails the apply like a netlink
    error would (tests inject failures this way).
    """

    def __init__(self, netns: str | None = None, *, before_step: Callable[[Change], None] | None = None) -> None:
        self.netns = netns
        self.before_step = before_step
        self._nl: Netlink | None = None

    def __enter__(self) -> HostNetwork:
        self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the netlink socket (the object can be opened again by using it)."""
        if self._nl is not None:
            self._nl.close()
            self._nl = None

    def _open(self) -> Netlink:
        if self._nl is None:
            from .netlink import Netlink  # pyroute2 is heavy: imported on first use only

            if self.netns and not netns_exists(self.netns):
                raise BridgeError(f"network namespace {self.netns!r} does not exist")
            self._nl = Netlink(self.netns)
        return self._nl

    def snapshot(self) -> Snapshot:
        """Every link, address and main-table route, as they are now."""
        nl = self._open()
        snapshot = read_snapshot(nl)
        nl.learn({name: link.index for name, link in snapshot.links.items()})
        return snapshot

    def read(self, name: str) -> BridgeState | None:
        """The real state of bridge ``name``; None when it does not exist."""
        return bridge_state(self.snapshot(), name)

    def plan(self, desired: Sequence[BridgeConfig], absent: Sequence[str] = ()) -> Plan:
        """The changes that ``apply`` would make now, without making them."""
        return make_plan(self.snapshot(), desired, absent)

    def apply(self, desired: Sequence[BridgeConfig], absent: Sequence[str] = ()) -> Plan:
        """Bring the bridges to ``desired`` and remove ``absent`` ones; all or nothing.

        Holds the host's lock, plans against a fresh read, makes each change,
        verifies the result, and on any failure undoes what was done and raises
        :class:`BridgeError` (``rolled_back`` True once the old state is back).
        """
        nl = self._open()
        with host_lock(self.netns):
            before = self.snapshot()
            plan = make_plan(before, desired, absent)
            done: list[Change] = []
            try:
                for change in plan:
                    if self.before_step is not None:
                        self.before_step(change)
                    change.do(nl)
                    done.append(change)
                self._verify(desired, absent)
            except Exception as exc:  # any failure, ours or the kernel's, rolls back
                step = str(plan.changes[len(done)]) if len(done) < len(plan) else "verification"
                raise self._rollback(
                    nl, before, done, f"bridge {_bridge_of(plan, done)}: {step} failed: {_reason(exc)}"
                ) from exc
        return plan

    def _verify(self, desired: Sequence[BridgeConfig], absent: Sequence[str]) -> None:
        left = make_plan(self.snapshot(), desired, absent)
        if not left.empty:
            raise BridgeError(f"the host did not reach the desired state; still to do: {'; '.join(map(str, left))}")

    def _rollback(self, nl: Netlink, before: Snapshot, done: list[Change], message: str) -> BridgeError:
        problems = []
        for change in reversed(done):
            try:
                change.undo(nl)
            except Exception as exc:  # keep undoing the rest; report what could not be undone
                problems.append(f"undo of '{change}' failed: {_reason(exc)}")
        if self.snapshot().comparable() == before.comparable():
            return BridgeError(f"{message}; rolled back, the host is as it was", rolled_back=True)
        detail = "; ".join(problems) or "the state after undo differs from the state before"
        return BridgeError(f"{message}; rollback incomplete: {detail}", rolled_back=False)


def _bridge_of(plan: Plan, done: list[Change]) -> str:
    return plan.changes[min(len(done), len(plan) - 1)].bridge if len(plan) else "?"


def _reason(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, int) and code in errno.errorcode:
        return f"{os.strerror(code)} ({errno.errorcode[code]})"
    return str(exc) or type(exc).__name__
