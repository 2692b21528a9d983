"""HostNetwork: read, plan and apply bridges on the host or in a named namespace, all or nothing, even when interrupted."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .changes import Change, touched
from .config import BridgeConfig, BridgeError, BridgeState
from .dump import read_snapshot
from .faultpoint import pause_at, pause_step
from .interrupt import Interrupted, SignalCatcher, signal_name
from .journal import Journal, UnfinishedApply, journal_path, read_journal
from .lock import LOCK_TIMEOUT, RUN_DIR, host_lock
from .netns import netns_exists
from .planner import Plan, bridge_state, make_plan
from .snapshot import Snapshot

if TYPE_CHECKING:
    from .netlink import Netlink


class HostNetwork:
    """The bridges of one host (or of the named namespace ``netns``) through one netlink socket.

    Use it as a context manager. ``before_step`` is called with each change just
    before it is made; an exception raised there fails the apply like a netlink
    error would (tests inject failures this way). ``label`` names the host in
    messages (default: the namespace, or "this host"); ``notify`` receives the
    messages a person should see while an apply runs (waiting for the lock, an
    interrupted apply rolled back). ``stop`` is asked between steps: a reason it
    returns stops the apply, which rolls back (Terraform's cancel).
    ``before_commit`` is called with the plan once it is applied and verified,
    still under the lock; an exception raised there rolls the whole plan back
    (the remote side's commit-confirmed).
    """

    def __init__(
        self,
        netns: str | None = None,
        *,
        before_step: Callable[[Change], None] | None = None,
        label: str | None = None,
        notify: Callable[[str], None] | None = None,
        stop: Callable[[], str | None] | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
        run_dir: Path = RUN_DIR,
        before_commit: Callable[[Plan], None] | None = None,
    ) -> None:
        self.netns = netns
        self.before_step = before_step
        self.before_commit = before_commit
        self.label = label or (f"netns {netns}" if netns else "this host")
        self.notify = notify
        self.stop = stop
        self.lock_timeout = lock_timeout
        self.run_dir = run_dir
        #: What the last lock taken found and did about an interrupted apply (None: there was none).
        self.recovered: str | None = None
        self._nl: Netlink | None = None
        self._signals: SignalCatcher | None = None
        self._folder: Path | None = None  # the lock's folder while the lock is held

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
            from .netlink import Netlink  # ctypes and fcntl: imported when a host is first used

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

    def unfinished(self) -> UnfinishedApply | None:
        """An apply that left its journal (killed, or running now); None when there is none. Changes nothing."""
        return read_journal(journal_path(self.netns, self.run_dir), self.netns, drop_stale=False)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the host's lock: wait (saying for whom) up to ``lock_timeout``, then undo an interrupted apply.

        While it is held, SIGINT, SIGTERM and SIGHUP are caught (main thread): an
        apply inside rolls back and raises :class:`Interrupted`. Re-entrant: ``apply``
        inside a ``locked()`` block uses the lock already held, so a caller can plan,
        show the plan and apply it under one lock.
        """
        if self._folder is not None:
            yield
            return
        self._open()
        with SignalCatcher() as signals:
            self._signals = signals
            try:
                with host_lock(
                    self.netns,
                    label=self.label,
                    timeout=self.lock_timeout,
                    on_wait=self._tell,
                    interrupted=self._interrupted_while_waiting,
                    run_dir=self.run_dir,
                ) as folder:
                    self._folder = folder
                    try:
                        self._recover(folder)
                        yield
                    finally:
                        self._folder = None
                    if signals.signum is not None:  # it came when no step was being made: say so, exit as asked
                        raise Interrupted(
                            f"{self.label}: {signal_name(signals.signum)} arrived when no change was in progress; "
                            "nothing is half-done",
                            signum=signals.signum,
                        )
            finally:
                self._signals = None

    def apply(self, desired: Sequence[BridgeConfig], absent: Sequence[str] = ()) -> Plan:
        """Bring the bridges to ``desired`` and remove ``absent`` ones; all or nothing.

        Holds the host's lock, plans against a fresh read, journals the plan, makes
        each change, verifies the result, and on any failure or interrupt undoes
        what was done and raises :class:`BridgeError` (:class:`Interrupted` for a
        signal or a stop; ``rolled_back`` True once the old state is back).
        """
        with self.locked():
            assert self._folder is not None
            nl = self._open()
            before = self.snapshot()
            plan = make_plan(before, desired, absent)
            if plan.empty:
                return plan
            journal = self._journal(self._folder, before, plan)
            pause = pause_step()
            done: list[Change] = []
            try:
                for step, change in enumerate(plan):
                    self._raise_if_stopped()
                    journal.started(step)
                    pause_at(pause, step, lambda: self._stop_reason() is not None)
                    if self.before_step is not None:
                        self.before_step(change)
                    self._raise_if_stopped()
                    change.do(nl)
                    done.append(change)
                self._verify(desired, absent)
                if self.before_commit is not None:
                    self.before_commit(plan)
            except BaseException as exc:  # any failure, ours, the kernel's or a signal, rolls back
                where = str(plan.changes[len(done)]) if len(done) < len(plan) else "verification"
                if isinstance(exc, Interrupted):
                    message = f"{self.label}: {exc} before '{where}' (step {len(done) + 1} of {len(plan)})"
                else:
                    message = f"bridge {_bridge_of(plan, done)}: {where} failed: {_reason(exc)}"
                error = self._rollback(nl, before, done, message)
                journal.remove() if error.rolled_back else journal.close()  # an incomplete one: the next run retries
                if isinstance(exc, Interrupted):
                    raise Interrupted(str(error), signum=exc.signum, rolled_back=error.rolled_back) from None
                if not isinstance(exc, Exception):
                    raise  # KeyboardInterrupt or SystemExit from elsewhere: rolled back, passed on
                raise error from exc
            journal.remove()
        return plan

    # ---- interrupts -----------------------------------------------------------------------------------------------
    def _stop_reason(self) -> Interrupted | None:
        """Why the apply must stop now (a signal caught, or ``stop`` said so); None to go on."""
        if self._signals is not None and self._signals.signum is not None:
            signum = self._signals.signum
            return Interrupted(f"interrupted by {signal_name(signum)}", signum=signum)
        reason = self.stop() if self.stop is not None else None
        return Interrupted(reason) if reason else None

    def _raise_if_stopped(self) -> None:
        reason = self._stop_reason()
        if reason is not None:
            raise reason

    def _interrupted_while_waiting(self) -> Interrupted | None:
        reason = self._stop_reason()
        if reason is None:
            return None
        return Interrupted(
            f"{self.label}: {reason} while waiting for the lock; nothing was changed", signum=reason.signum
        )

    def _tell(self, message: str) -> None:
        if self.notify is not None:
            self.notify(f"{self.label}: {message}")

    # ---- journal --------------------------------------------------------------------------------------------------
    def _journal(self, folder: Path, before: Snapshot, plan: Plan) -> Journal:
        path = journal_path(self.netns, folder)
        try:
            return Journal.start(
                path,
                netns=self.netns,
                label=self.label,
                before=before.only(touched(plan.changes)),
                changes=plan.changes,
            )
        except OSError as exc:
            raise BridgeError(
                f"{self.label}: cannot write the journal {path}: {exc.strerror}; nothing was changed"
            ) from None

    def _recover(self, folder: Path) -> None:
        """Undo what an apply that never finished (kill -9, crash) left, from its journal; then drop the journal."""
        self.recovered = None
        path = journal_path(self.netns, folder)
        left = read_journal(path, self.netns)
        if left is None:
            return
        nl = self._open()
        problems = []
        seen = self.snapshot()  # read once: each step touches its own property, address or route
        for change in reversed(left.begun):  # the last one may not have happened: each is undone only if it did
            if change.undone_in(seen):
                continue
            try:
                change.undo(nl)
            except Exception as exc:  # perhaps an undo before this one already put it back: look again
                seen = self.snapshot()
                if not change.undone_in(seen):
                    problems.append(f"undo of '{change}' failed: {_reason(exc)}")
        devices = touched(left.changes)
        restored = self.snapshot().only(devices).comparable() == left.before.only(devices).comparable()
        what = f"the apply of pid {left.pid} on {left.label} (started {left.started_at}) did not finish"
        if restored and not problems:
            self.recovered = f"{what}: its {len(left.begun)} step(s) were undone, the host is as it was before it"
        else:
            detail = "; ".join(problems) or "the state after undo differs from the state before it"
            self.recovered = f"{what}: undoing it was incomplete ({detail}); planning from the host as it is now"
        path.unlink(missing_ok=True)
        self._tell(self.recovered)

    # ---- verification and rollback --------------------------------------------------------------------------------
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
