"""The bridge helper's operations on the host side: read, plan, apply (commit-confirmed), confirm, persist.

Shipped to the host. Arguments and results are JSON: a desired bridge is a
:class:`~fgtha.bridge.config.BridgeConfig` as a mapping, an observed one a
:class:`~fgtha.bridge.config.BridgeState` as a mapping, a change ``{"bridge", "text"}``.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from ..bridge.changes import Change
from ..bridge.config import BridgeConfig
from ..bridge.host import HostNetwork
from ..bridge.planner import Plan
from ..bridge.snapshot import Snapshot
from . import confirm as confirmation
from .server import Channel, operation

#: Seconds a change waits for the controller's confirmation when the request names none.
DEFAULT_CONFIRM_TIMEOUT = 60.0


def _desired(args: dict) -> list[BridgeConfig]:
    return [BridgeConfig(**cfg) for cfg in args.get("desired", [])]


def _changes(plan: Plan) -> list[dict]:
    return [{"bridge": c.bridge, "text": str(c)} for c in plan]


@operation("bridge.read")
def read(channel: Channel, args: dict) -> dict:
    """``{name: state or None}`` for every bridge in ``names``, from one read of the host."""
    from ..bridge.planner import bridge_state

    with HostNetwork() as net:
        snapshot = net.snapshot()
    found = {}
    for name in args["names"]:
        state = bridge_state(snapshot, name)
        found[name] = asdict(state) if state else None
    return found


@operation("bridge.plan")
def plan(channel: Channel, args: dict) -> dict:
    """The changes that ``bridge.apply`` would make now."""
    with HostNetwork() as net:
        return {"changes": _changes(net.plan(_desired(args), args.get("absent", ())))}


def carrier(snapshot: Snapshot, address: str | None) -> str | None:
    """The interface that holds ``address`` (the SSH session's own address on this host), if any."""
    if not address:
        return None
    return next((a.dev for a in snapshot.addresses if a.cidr.split("/")[0] == address), None)


def touches(change: Change, dev: str | None) -> bool:
    """True when ``change`` acts on ``dev`` (so the session's path may break while it is made)."""
    return dev is not None and dev in (getattr(change, "dev", None), change.bridge)


@operation("bridge.apply")
def apply(channel: Channel, args: dict) -> dict:
    """Plan, apply, verify, then wait for the controller's confirmation; roll back on any failure or no confirmation.

    The answer comes before the confirmation: ``{"changes": [...], "pending":
    {"token", "confirm": "session" | "fresh", "timeout"}}`` (no ``pending`` when
    nothing changed). A change that touches the interface carrying this session
    needs the confirmation over a fresh connection.
    """
    timeout = float(args.get("timeout") or DEFAULT_CONFIRM_TIMEOUT)
    request_id = channel.request_id

    def confirm_or_roll_back(applied: Plan) -> None:
        if applied.empty:
            return
        fresh = any(touches(c, session_dev) for c in applied)
        confirmation.await_confirmation(
            channel, request_id, {"changes": _changes(applied)}, fresh=fresh, timeout=timeout
        )

    with HostNetwork(before_commit=confirm_or_roll_back) as net:
        session_dev = carrier(net.snapshot(), channel.local_address)
        done = net.apply(_desired(args), args.get("absent", ()))
    return {"changes": _changes(done)}


@operation("bridge.confirm")
def confirm(channel: Channel, args: dict) -> dict:
    """Confirm a change that waits for a fresh connection's confirmation."""
    return confirmation.confirm(str(args.get("token", "")))


@operation("bridge.persist")
def persist(channel: Channel, args: dict) -> dict:
    """The distribution's network configuration for ``desired``, from this host's addressing as it is now.

    ``{"format": ..., "files": {path relative to root: {"text", "mode"}}}``; nothing is written.
    """
    from ..bridge.persist import detect_format, observed_addressing, render

    desired = _desired(args)
    fmt = args.get("format") or "auto"
    if fmt == "auto":
        fmt = detect_format(Path(args.get("root") or "/"))
    with HostNetwork() as net:
        files = render(fmt, desired, observed_addressing(net.snapshot(), desired))
    return {"format": fmt, "files": {rel: {"text": t, "mode": m} for rel, (t, m) in files.items()}}


@operation("files.write")
def write(channel: Channel, args: dict) -> dict:
    """Write ``files`` (as ``bridge.persist`` returns them) atomically under ``root``; the paths written."""
    from ..bridge.persist import write_files

    files = {rel: (f["text"], int(f["mode"])) for rel, f in args["files"].items()}
    return {"written": [str(p) for p in write_files(Path(args.get("root") or "/"), files)]}
