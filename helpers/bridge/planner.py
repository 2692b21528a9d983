"""Diff a namespace snapshot against the desired bridges: the ordered steps that get there, or a clear error."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .changes import AddressChange, Change, CreateBridge, DeleteBridge, RouteChange, SetLink
from .config import BridgeConfig, BridgeError, BridgeProblem, BridgeState
from .record import UplinkRecord, uplink_of
from .snapshot import Link, Snapshot
from .validate import problems


class Plan:
    """The ordered changes that bring a host to the desired state; empty when it is already there."""

    def __init__(self, changes: Sequence[Change] = ()) -> None:
        self.changes: tuple[Change, ...] = tuple(changes)

    @property
    def empty(self) -> bool:
        """True when nothing needs to change."""
        return not self.changes

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __str__(self) -> str:
        return "\n".join(str(c) for c in self.changes) if self.changes else "no changes"

    def __repr__(self) -> str:
        return f"Plan({len(self.changes)} changes)"


def bridge_state(snapshot: Snapshot, name: str) -> BridgeState | None:
    """The observed state of bridge ``name``; None when there is no such interface."""
    link = snapshot.links.get(name)
    if link is None:
        return None
    if link.kind != "bridge":
        raise BridgeError(f"bridge {name}: the name is taken by a {link.kind or 'non-bridge'} device, not a bridge")
    uplink, _ = uplink_of(snapshot, name)
    return BridgeState(
        name=name,
        uplink=uplink,
        ports=snapshot.ports_of(name),
        promiscuous=snapshot.links[uplink].promiscuous if uplink else False,
        stp=link.stp,
        mtu=link.mtu,
        mac=link.mac,
        addresses=tuple(a.cidr for a in snapshot.addresses_of(name) if a.movable),
    )


def make_plan(snapshot: Snapshot, desired: Sequence[BridgeConfig], absent: Sequence[str] = ()) -> Plan:
    """Every change from ``snapshot`` to ``desired`` with the ``absent`` bridges removed (removals first)."""
    _check_input(snapshot, desired, absent)
    changes: list[Change] = []
    for name in absent:
        changes += _removal(snapshot, name)
    for cfg in desired:
        changes += _bridge_changes(snapshot, cfg)
    return Plan(changes)


def _check_input(snapshot: Snapshot, desired: Sequence[BridgeConfig], absent: Sequence[str]) -> None:
    found = request_problems(snapshot, desired, absent)
    if found:
        raise BridgeError.refusing(found)


def request_problems(
    snapshot: Snapshot, desired: Sequence[BridgeConfig], absent: Sequence[str] = ()
) -> list[BridgeProblem]:
    """Everything wrong with the request against this host, every bridge's problems (the first of each chain)."""
    found: list[BridgeProblem] = []
    names = [c.name for c in desired]
    found += [BridgeProblem(n, "given more than once") for n in sorted(set(names)) if names.count(n) > 1]
    found += [BridgeProblem(n, "both desired and absent") for n in sorted(set(names) & set(absent))]
    uplinks = [c.uplink for c in desired if c.uplink]
    for cfg in desired:
        problem = _bridge_problem(snapshot, cfg, uplinks, absent)
        if problem:
            found.append(BridgeProblem(cfg.name, problem[1], problem[0]))
    for name in absent:
        link = snapshot.links.get(name)
        if link is not None and link.kind != "bridge":
            found.append(
                BridgeProblem(name, f"cannot remove it, the name is taken by a {link.kind or 'non-bridge'} device")
            )
    return found


def _bridge_problem(
    snapshot: Snapshot, cfg: BridgeConfig, uplinks: Sequence[str], absent: Sequence[str]
) -> tuple[str, str] | None:
    """The first ``(field, message)`` wrong with one desired bridge on this host, or None."""
    problem = next(problems(cfg), None)
    if problem:
        return problem
    link = snapshot.links.get(cfg.name)
    if link is not None and link.kind != "bridge":
        return "name", f"the name is taken by a {link.kind or 'non-bridge'} device, not a bridge"
    if cfg.uplink is None:
        return None
    up = snapshot.links.get(cfg.uplink)
    if up is None:
        return "uplink", f"uplink {cfg.uplink!r} does not exist"
    if up.kind == "bridge":
        return "uplink", f"uplink {cfg.uplink!r} is itself a bridge"
    if uplinks.count(cfg.uplink) > 1:
        return "uplink", f"uplink {cfg.uplink!r} is given to more than one bridge"
    if up.master not in (None, cfg.name, *absent):
        return "uplink", f"uplink {cfg.uplink!r} is already a port of {up.master!r}"
    return None


def _removal(snapshot: Snapshot, name: str) -> list[Change]:
    link = snapshot.links.get(name)
    if link is None:
        return []
    uplink, record = uplink_of(snapshot, name)
    others = [p for p in snapshot.ports_of(name) if p != uplink]
    if others:
        raise BridgeError(f"bridge {name}: cannot remove it while {', '.join(others)} still use it (detach them first)")
    released = _released_uplink(snapshot, uplink, record)
    home = uplink or (released.uplink if released else None)
    changes: list[Change] = []
    if home:
        changes += _move_addresses(snapshot, name, src=name, dst=home)
    else:
        changes += [RouteChange(name, name, r, add=False) for r in snapshot.routes_of(name) if r.movable]
        changes += [AddressChange(name, name, a, add=False) for a in reversed(snapshot.addresses_of(name)) if a.movable]
    if uplink:
        changes += _release(snapshot, name, uplink, record)
    elif released:
        changes += _set(name, snapshot.links[released.uplink], released.mtu, released.promiscuous, released.up)
    changes.append(DeleteBridge(name, link))
    return changes


def _bridge_changes(snapshot: Snapshot, cfg: BridgeConfig) -> list[Change]:
    name = cfg.name
    link = snapshot.links.get(name)
    changes: list[Change] = []
    current_uplink, record = (None, None) if link is None else uplink_of(snapshot, name)
    if link is None:
        mac = snapshot.links[cfg.uplink].mac if cfg.migrate_addresses and cfg.uplink else None
        changes.append(CreateBridge(name, cfg.stp, mac))
    elif link.stp != cfg.stp:
        changes.append(SetLink(name, name, "stp", cfg.stp, link.stp))
    if current_uplink and current_uplink != cfg.uplink:
        changes += _release(snapshot, name, current_uplink, record)
    if cfg.uplink:
        up = snapshot.links[cfg.uplink]
        if record is None or record.uplink != cfg.uplink:
            changes.append(SetLink(name, name, "alias", UplinkRecord.of(up).alias(), link.alias if link else ""))
        changes += _set(name, up, cfg.mtu or up.mtu, cfg.promiscuous, True)
    elif link is not None and record is not None:
        changes.append(SetLink(name, name, "alias", "", link.alias))
    if cfg.mtu and (link is None or link.mtu != cfg.mtu):
        changes.append(SetLink(name, name, "mtu", cfg.mtu, link.mtu if link else None))
    if link is None or not link.up:
        changes.append(SetLink(name, name, "up", True, False))
    enslave: list[Change] = []
    if cfg.uplink and snapshot.links[cfg.uplink].master != name:
        enslave.append(SetLink(name, cfg.uplink, "master", name, snapshot.links[cfg.uplink].master))
    if cfg.uplink and cfg.migrate_addresses:
        return changes + _move_addresses(snapshot, name, src=cfg.uplink, dst=name, between=enslave)
    return changes + enslave


def _released_uplink(snapshot: Snapshot, uplink: str | None, record: UplinkRecord | None) -> UplinkRecord | None:
    """The record of an uplink already out of the bridge (by hand, or by an interrupted removal) and in no other."""
    if uplink is not None or record is None:
        return None
    link = snapshot.links.get(record.uplink)
    return record if link is not None and link.master is None else None


def _release(snapshot: Snapshot, bridge: str, uplink: str, record: UplinkRecord | None) -> list[Change]:
    """Take the uplink out of the bridge and give it back the state it had (promiscuous off when unknown)."""
    old = snapshot.links[uplink]
    prior = record if record and record.uplink == uplink else UplinkRecord(uplink, old.mtu, False, old.up)
    return [SetLink(bridge, uplink, "master", None, bridge), *_set(bridge, old, prior.mtu, prior.promiscuous, prior.up)]


def _set(bridge: str, link: Link, mtu: int, promiscuous: bool, up: bool) -> list[Change]:
    """The changes that give ``link`` this MTU, promiscuity and up state (none for what already matches)."""
    changes: list[Change] = []
    for prop, value in (("mtu", mtu), ("promiscuous", promiscuous), ("up", up)):
        current = getattr(link, prop)
        if current != value:
            changes.append(SetLink(bridge, link.name, prop, value, current))
    return changes


def _move_addresses(
    snapshot: Snapshot, bridge: str, src: str, dst: str, between: Sequence[Change] = ()
) -> list[Change]:
    """Addresses and routes of ``src`` arrive on ``dst`` before they leave ``src``; ``between`` runs once they arrived.

    Routes move before the addresses leave: removing a device's last address flushes its routes.
    What is already on ``dst`` (an interrupted earlier move) counts as arrived.
    """
    moving = [a for a in snapshot.addresses_of(src) if a.movable]
    return (
        [AddressChange(bridge, dst, a, add=True) for a in moving if not snapshot.has_address(dst, a)]
        + list(between)
        + _move_routes(snapshot, bridge, src, dst)
        + [AddressChange(bridge, src, a, add=False) for a in reversed(moving)]
    )


def _move_routes(snapshot: Snapshot, bridge: str, src: str, dst: str) -> list[Change]:
    """Routes through ``src`` (the default route included) arrive on ``dst`` before they leave ``src``."""
    moving = [r for r in snapshot.routes_of(src) if r.movable]
    arrive: list[Change] = [RouteChange(bridge, dst, r, add=True) for r in moving if not snapshot.has_route(dst, r)]
    return arrive + [RouteChange(bridge, src, r, add=False) for r in moving]
