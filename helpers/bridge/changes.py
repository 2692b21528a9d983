"""The steps of a bridge plan: each one netlink request, with the request that undoes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .snapshot import IFF_PROMISC, Address, Link, Route


def _index(ipr: Any, name: str) -> int:
    """The index of interface ``name`` (one RTM_GETLINK request, not a dump)."""
    from pyroute2.netlink.exceptions import NetlinkError

    try:
        return int(ipr.link("get", ifname=name)[0]["index"])
    except NetlinkError as exc:
        raise LookupError(f"interface {name!r} does not exist") from exc


def _onoff(value: bool) -> str:
    return "on" if value else "off"


class Change:
    """One step of a plan. ``str()`` is a line a person reads; ``bridge`` names the bridge it serves."""

    bridge: str

    def do(self, ipr: Any) -> None:
        """Make the change through an open ``IPRoute``."""
        raise NotImplementedError

    def undo(self, ipr: Any) -> None:
        """Put back what :meth:`do` changed."""
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

    def do(self, ipr: Any) -> None:
        extra = {"address": self.mac} if self.mac else {}
        ipr.link("add", ifname=self.bridge, kind="bridge", br_stp_state=int(self.stp), **extra)

    def undo(self, ipr: Any) -> None:
        ipr.link("del", index=_index(ipr, self.bridge))


@dataclass(frozen=True)
class DeleteBridge(Change):
    """Delete a bridge that has no ports left; undo re-creates it with the same properties."""

    bridge: str
    old: Link

    def __str__(self) -> str:
        return f"delete bridge {self.bridge}"

    def do(self, ipr: Any) -> None:
        ipr.link("del", index=_index(ipr, self.bridge))

    def undo(self, ipr: Any) -> None:
        old = self.old
        ipr.link("add", ifname=old.name, kind="bridge", br_stp_state=int(old.stp), address=old.mac, mtu=old.mtu)
        index = _index(ipr, old.name)
        if old.alias:
            ipr.link("set", index=index, ifalias=old.alias)
        if old.up:
            ipr.link("set", index=index, state="up")


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
            return f"record on {self.bridge}: {self.new[len('fgtha:'):]}" if self.new else f"clear the record on {self.dev}"
        value = _onoff(self.new) if isinstance(self.new, bool) else self.new
        was = _onoff(self.old) if isinstance(self.old, bool) else self.old
        return f"set {self.dev} {self.prop} {value} (was {was})"

    def do(self, ipr: Any) -> None:
        self._set(ipr, self.new)

    def undo(self, ipr: Any) -> None:
        self._set(ipr, self.old)

    def _set(self, ipr: Any, value: Any) -> None:
        index = _index(ipr, self.dev)
        if self.prop == "up":
            ipr.link("set", index=index, state="up" if value else "down")
        elif self.prop == "mtu":
            ipr.link("set", index=index, mtu=value)
        elif self.prop == "promiscuous":
            ipr.link("set", index=index, flags=IFF_PROMISC if value else 0, change=IFF_PROMISC)
        elif self.prop == "master":
            ipr.link("set", index=index, master=_index(ipr, value) if value else 0)
        elif self.prop == "stp":
            ipr.link("set", index=index, kind="bridge", br_stp_state=int(value))
        elif self.prop == "alias":
            ipr.link("set", index=index, ifalias=value)
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
        return f"{'add' if self.add else 'remove'} address {self.address.cidr} {'to' if self.add else 'from'} {self.dev}"

    def do(self, ipr: Any) -> None:
        self._request(ipr, "add" if self.add else "del")

    def undo(self, ipr: Any) -> None:
        self._request(ipr, "del" if self.add else "add")

    def _request(self, ipr: Any, command: str) -> None:
        ip, prefixlen = self.address.cidr.split("/")
        extra = {"broadcast": self.address.broadcast} if self.address.broadcast else {}
        ipr.addr(command, index=_index(ipr, self.dev), address=ip, prefixlen=int(prefixlen), **extra)


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

    def do(self, ipr: Any) -> None:
        self._request(ipr, "append" if self.add else "del")

    def undo(self, ipr: Any) -> None:
        self._request(ipr, "del" if self.add else "append")

    def _request(self, ipr: Any, command: str) -> None:
        ipr.route(command, **self.route.netlink_args(_index(ipr, self.dev)))
