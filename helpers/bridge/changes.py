"""The steps of a bridge plan: each one netlink request, with the request that undoes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import wire
from .snapshot import IFF_PROMISC, IFF_UP, Address, Link, Route, Snapshot

if TYPE_CHECKING:
    from .netlink import Netlink


def _onoff(value: bool) -> str:
    return "on" if value else "off"


class Change:
    """One step of a plan. ``str()`` is a line a person reads; ``bridge`` names the bridge it serves."""

    bridge: str

    def do(self, nl: Netlink) -> None:
        """Make the change through an open netlink socket."""
        raise NotImplementedError

    def undo(self, nl: Netlink) -> None:
        """Put back what :meth:`do` changed."""
        raise NotImplementedError

    def undone_in(self, snapshot: Snapshot) -> bool:
        """True when ``snapshot`` shows what this change touches as it was before :meth:`do` (nothing to undo)."""
        raise NotImplementedError


@dataclass(frozen=True)
class CreateBridge(Change):
    """Create a bridge (down, no ports)."""

    bridge: str
    stp: bool
    mac: str | None = None

    def __str__(self) -> str:
        mac = f", mac {self.mac}" if self.mac else ""
        return f"create bridge {self.bridge} (stp {_onoff(self.stp)}{mac})"

    def do(self, nl: Netlink) -> None:
        nl.add_bridge(self.bridge, self.stp, *([wire.mac(self.mac)] if self.mac else []))

    def undo(self, nl: Netlink) -> None:
        nl.delete_link(self.bridge)

    def undone_in(self, snapshot: Snapshot) -> bool:
        return self.bridge not in snapshot.links


@dataclass(frozen=True)
class DeleteBridge(Change):
    """Delete a bridge that has no ports left; undo re-creates it with the same properties."""

    bridge: str
    old: Link

    def __str__(self) -> str:
        return f"delete bridge {self.bridge}"

    def do(self, nl: Netlink) -> None:
        nl.delete_link(self.bridge)

    def undo(self, nl: Netlink) -> None:
        old = self.old
        nl.add_bridge(old.name, old.stp, wire.mac(old.mac), wire.mtu(old.mtu))
        if old.alias or old.up:  # the kernel ignores an alias given at creation
            alias = [wire.alias(old.alias)] if old.alias else []
            nl.set_link(old.name, *alias, flags=IFF_UP if old.up else 0, change=IFF_UP)

    def undone_in(self, snapshot: Snapshot) -> bool:
        return self.bridge in snapshot.links


@dataclass(frozen=True)
class SetLink(Change):
    """Set one property of an interface: ``up``, ``mtu``, ``promiscuous``, ``master``, ``stp`` or ``alias``."""

    bridge: str
    dev: str
    prop: str
    new: Any
    old: Any

    def __str__(self) -> str:
        if self.prop == "up":
            return f"set {self.dev} {'up' if self.new else 'down'}"
        if self.prop == "master":
            return f"enslave {self.dev} to {self.new}" if self.new else f"release {self.dev} from {self.old}"
        if self.prop == "alias":
            return (
                f"record on {self.bridge}: {self.new[len('fgtha:') :]}"
                if self.new
                else f"clear the record on {self.dev}"
            )
        value = _onoff(self.new) if isinstance(self.new, bool) else self.new
        if self.old is None:  # a property of a bridge this apply creates: there was nothing before
            return f"set {self.dev} {self.prop} {value}"
        was = _onoff(self.old) if isinstance(self.old, bool) else self.old
        return f"set {self.dev} {self.prop} {value} (was {was})"

    def do(self, nl: Netlink) -> None:
        self._set(nl, self.new)

    def undo(self, nl: Netlink) -> None:
        if self.old is None and self.prop == "mtu":
            return  # the bridge was created by the same apply: undoing its creation removes it
        self._set(nl, self.old)

    def undone_in(self, snapshot: Snapshot) -> bool:
        link = snapshot.links.get(self.dev)
        if link is None or (self.old is None and self.prop == "mtu"):
            return True
        return bool(getattr(link, self.prop) == self.old)

    def _set(self, nl: Netlink, value: Any) -> None:
        if self.prop == "up":
            nl.set_link(self.dev, flags=IFF_UP if value else 0, change=IFF_UP)
        elif self.prop == "mtu":
            nl.set_link(self.dev, wire.mtu(value))
        elif self.prop == "promiscuous":
            nl.set_link(self.dev, flags=IFF_PROMISC if value else 0, change=IFF_PROMISC)
        elif self.prop == "master":
            nl.set_link(self.dev, wire.master(nl.index(value) if value else 0))
        elif self.prop == "stp":
            nl.set_link(self.dev, wire.bridge_info(value))
        elif self.prop == "alias":
            nl.set_link(self.dev, wire.alias(value))
        else:
            raise ValueError(f"unknown link property {self.prop!r}")


@dataclass(frozen=True)
class AddressChange(Change):
    """Add an address to, or remove it from, an interface."""

    bridge: str
    dev: str
    address: Address
    add: bool

    def __str__(self) -> str:
        return (
            f"{'add' if self.add else 'remove'} address {self.address.cidr} {'to' if self.add else 'from'} {self.dev}"
        )

    def do(self, nl: Netlink) -> None:
        self._request(nl, self.add)

    def undo(self, nl: Netlink) -> None:
        self._request(nl, not self.add)

    def _request(self, nl: Netlink, add: bool) -> None:
        nl.address(self.dev, self.address, add=add)

    def undone_in(self, snapshot: Snapshot) -> bool:
        return snapshot.has_address(self.dev, self.address) != self.add


@dataclass(frozen=True)
class RouteChange(Change):
    """Add a route through an interface (appended next to an equal one elsewhere), or remove it."""

    bridge: str
    dev: str
    route: Route
    add: bool

    def __str__(self) -> str:
        via = f" via {self.route.gateway}" if self.route.gateway else ""
        metric = f" metric {self.route.metric}" if self.route.metric is not None else ""
        where = "to" if self.add else "from"
        return f"{'add' if self.add else 'remove'} route {self.route.dst}{via}{metric} {where} {self.dev}"

    def do(self, nl: Netlink) -> None:
        self._request(nl, self.add)

    def undo(self, nl: Netlink) -> None:
        self._request(nl, not self.add)

    def _request(self, nl: Netlink, add: bool) -> None:
        nl.route(self.dev, self.route, add=add)

    def undone_in(self, snapshot: Snapshot) -> bool:
        return snapshot.has_route(self.dev, self.route) != self.add


def touched(changes: Sequence[Change]) -> set[str]:
    """The interfaces a list of changes acts on: the bridges and the device of each step."""
    devices = {c.bridge for c in changes}
    return devices | {c.dev for c in changes if isinstance(c, (SetLink, AddressChange, RouteChange))}
