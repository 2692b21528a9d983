"""A read of a namespace's links, addresses and main-table routes: what apply diffs against and restores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .netlink import Netlink

AF_INET = 2
AF_INET6 = 10
IFA_F_SECONDARY = 0x1
IFF_UP = 0x1
IFF_PROMISC = 0x100
RT_TABLE_MAIN = 254
RTN_UNICAST = 1
RTPROT_KERNEL = 2
RT_SCOPE_LINK = 253
#: Prefix of the alias the helper writes on the bridges it manages (records the uplink and its prior state).
ALIAS_PREFIX = "fgtha:"


@dataclass(frozen=True)
class Link:
    """One network interface as the kernel reports it."""

    index: int
    name: str
    kind: str | None
    master: str | None
    up: bool
    promiscuous: bool
    mtu: int
    mac: str
    stp: bool
    alias: str


@dataclass(frozen=True)
class Address:
    """One address on one interface."""

    dev: str
    family: int
    cidr: str
    broadcast: str | None
    scope: int
    secondary: bool = False

    @property
    def movable(self) -> bool:
        """Global addresses move with a migration; link-local ones belong to their interface."""
        return self.scope != RT_SCOPE_LINK


@dataclass(frozen=True)
class Route:
    """One unicast route of the main table."""

    dev: str
    family: int
    dst: str  # CIDR, "default" for the default route
    gateway: str | None
    metric: int | None
    proto: int
    scope: int
    prefsrc: str | None

    @property
    def movable(self) -> bool:
        """Routes the kernel makes for an address come back by themselves; the others are moved."""
        return self.proto != RTPROT_KERNEL


@dataclass(frozen=True)
class Snapshot:
    """Every link, address and main-table route of one namespace at one moment."""

    links: dict[str, Link] = field(default_factory=dict)
    addresses: frozenset[Address] = frozenset()
    routes: frozenset[Route] = frozenset()

    def addresses_of(self, dev: str) -> list[Address]:
        """The addresses on ``dev`` in the order they can be added (IPv4 first, primaries before secondaries)."""
        return sorted((a for a in self.addresses if a.dev == dev), key=lambda a: (a.family, a.secondary, a.cidr))

    def routes_of(self, dev: str) -> list[Route]:
        """The main-table routes through ``dev``, gateways last (they need the connected routes first)."""
        return sorted((r for r in self.routes if r.dev == dev), key=lambda r: (r.gateway is not None, r.family, r.dst))

    def ports_of(self, bridge: str) -> tuple[str, ...]:
        """The interfaces enslaved to ``bridge``, by name."""
        return tuple(sorted(n for n, link in self.links.items() if link.master == bridge))

    def comparable(self) -> tuple[object, ...]:
        """The parts that a rollback must restore exactly.

        Indexes of re-created links may differ, and IPv6 link-local addresses and
        their kernel routes come and go with carrier, so they are left out.
        """
        links = tuple(sorted((n, l.kind, l.master, l.up, l.promiscuous, l.mtu, l.mac, l.stp, l.alias) for n, l in self.links.items()))
        addresses = frozenset(a for a in self.addresses if a.movable or a.family != AF_INET6)
        routes = frozenset(r for r in self.routes if r.movable or r.family != AF_INET6)
        return links, addresses, routes


def read_snapshot(nl: Netlink) -> Snapshot:
    """Dump links, addresses and routes (one request each) through an open netlink socket."""
    from pyroute2.netlink.rtnl import RTM_GETADDR, RTM_GETLINK, RTM_GETROUTE
    from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
    from pyroute2.netlink.rtnl.rtmsg import rtmsg

    raw = nl.dump(ifinfmsg(), RTM_GETLINK)
    names = {m["index"]: m.get_attr("IFLA_IFNAME") for m in raw}
    links = {}
    for m in raw:
        info = m.get_attr("IFLA_LINKINFO")
        kind = info.get_attr("IFLA_INFO_KIND") if info else None
        data = info.get_attr("IFLA_INFO_DATA") if info else None
        stp = bool(data.get_attr("IFLA_BR_STP_STATE")) if kind == "bridge" and data else False
        name = names[m["index"]]
        links[name] = Link(
            index=m["index"],
            name=name,
            kind=kind,
            master=names.get(m.get_attr("IFLA_MASTER")),
            up=bool(m["flags"] & IFF_UP),
            promiscuous=bool(m["flags"] & IFF_PROMISC),
            mtu=m.get_attr("IFLA_MTU"),
            mac=m.get_attr("IFLA_ADDRESS") or "",
            stp=stp,
            alias=m.get_attr("IFLA_IFALIAS") or "",
        )
    addresses = frozenset(
        Address(
            dev=names[a["index"]],
            family=a["family"],
            cidr=f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}",
            broadcast=a.get_attr("IFA_BROADCAST"),
            scope=a["scope"],
            secondary=bool(a["flags"] & IFA_F_SECONDARY),
        )
        for a in nl.dump(ifaddrmsg(), RTM_GETADDR)
        if a["index"] in names
    )
    routes = frozenset(_route(r, names) for r in nl.dump(rtmsg(), RTM_GETROUTE) if _is_plain_unicast(r, names))
    return Snapshot(links, addresses, routes)


def _is_plain_unicast(r: Any, names: dict[int, str]) -> bool:
    table = r.get_attr("RTA_TABLE") or r["table"]
    return table == RT_TABLE_MAIN and r["type"] == RTN_UNICAST and r.get_attr("RTA_OIF") in names


def _route(r: Any, names: dict[int, str]) -> Route:
    dst = r.get_attr("RTA_DST")
    return Route(
        dev=names[r.get_attr("RTA_OIF")],
        family=r["family"],
        dst=f"{dst}/{r['dst_len']}" if dst else "default",
        gateway=r.get_attr("RTA_GATEWAY"),
        metric=r.get_attr("RTA_PRIORITY"),
        proto=r["proto"],
        scope=r["scope"],
        prefsrc=r.get_attr("RTA_PREFSRC"),
    )
