"""Read a :class:`~.snapshot.Snapshot` through an open netlink socket: three dumps, the few attributes used."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from . import wire
from .snapshot import IFF_PROMISC, IFF_UP, RT_TABLE_MAIN, RTN_UNICAST, Address, Link, Route, Snapshot
from .wire import HEADER, IFADDR, IFINFO, RTMSG, U32

if TYPE_CHECKING:
    from .netlink import Netlink

_LINK_ATTRS = frozenset(
    {wire.IFLA_ADDRESS, wire.IFLA_IFNAME, wire.IFLA_MTU, wire.IFLA_MASTER, wire.IFLA_LINKINFO, wire.IFLA_IFALIAS}
)
_BRIDGE_ATTRS = frozenset({wire.IFLA_BR_STP_STATE})
_LINK_REQUEST = IFINFO.pack(0, 0, 0, 0, 0) + wire.u32(wire.IFLA_EXT_MASK, wire.RTEXT_FILTER_SKIP_STATS)


def read_snapshot(nl: Netlink) -> Snapshot:
    """Dump links, addresses and routes (one request each) through an open netlink socket."""
    found = [_link(raw) for raw in nl.dump(wire.RTM_GETLINK, _LINK_REQUEST)]  # counters skipped: never used
    names = {link.index: link.name for _, link in found}
    links = {link.name: link for _, link in found}
    for master, link in found:  # the master by name (the dump gives its index)
        if master is not None:
            links[link.name] = replace(link, master=names.get(master))
    addresses = frozenset(
        a for raw in nl.dump(wire.RTM_GETADDR, IFADDR.pack(0, 0, 0, 0, 0)) if (a := _address(raw, names))
    )
    routes = frozenset(
        r for raw in nl.dump(wire.RTM_GETROUTE, RTMSG.pack(0, 0, 0, 0, 0, 0, 0, 0, 0)) if (r := _route(raw, names))
    )
    return Snapshot(links, addresses, routes)


def _link(raw: bytes) -> tuple[int | None, Link]:
    """The master's index and the link (its master not yet named) of one RTM_NEWLINK message.

    A dump of many links is read here, so only the six attributes a snapshot uses are taken out of each message.
    """
    _, _, index, flags, _ = IFINFO.unpack_from(raw, HEADER.size)
    attrs = wire.attrs(raw, HEADER.size + IFINFO.size, wanted=_LINK_ATTRS)
    info = wire.attrs(attrs.get(wire.IFLA_LINKINFO, b""))
    kind = wire.text(info[wire.IFLA_INFO_KIND]) if wire.IFLA_INFO_KIND in info else None
    stp = None
    if kind == "bridge" and wire.IFLA_INFO_DATA in info:
        stp = wire.attrs(info[wire.IFLA_INFO_DATA], wanted=_BRIDGE_ATTRS).get(wire.IFLA_BR_STP_STATE)
    master = attrs.get(wire.IFLA_MASTER)
    return None if master is None else U32.unpack(master)[0], Link(
        index=index,
        name=wire.text(attrs[wire.IFLA_IFNAME]),
        kind=kind,
        master=None,
        up=bool(flags & IFF_UP),
        promiscuous=bool(flags & IFF_PROMISC),
        mtu=U32.unpack(attrs[wire.IFLA_MTU])[0],
        mac=attrs[wire.IFLA_ADDRESS].hex(":") if wire.IFLA_ADDRESS in attrs else "",
        stp=stp is not None and U32.unpack(stp)[0] != 0,
        alias=wire.text(attrs.get(wire.IFLA_IFALIAS, b"")),
    )


def _address(raw: bytes, names: dict[int, str]) -> Address | None:
    """The address of one RTM_NEWADDR message; None when its interface is not in the link dump."""
    family, prefixlen, flags, scope, index = IFADDR.unpack_from(raw, HEADER.size)
    if index not in names:
        return None
    attrs = wire.attrs(raw, HEADER.size + IFADDR.size)
    return Address(
        dev=names[index],
        family=family,
        cidr=f"{wire.ip_text(family, attrs.get(wire.IFA_ADDRESS))}/{prefixlen}",
        broadcast=wire.ip_text(family, attrs.get(wire.IFA_BROADCAST)),
        scope=scope,
        secondary=bool(flags & wire.IFA_F_SECONDARY),
    )


def _route(raw: bytes, names: dict[int, str]) -> Route | None:
    """The route of one RTM_NEWROUTE message; None unless it is a plain unicast route of the main table via a known link."""
    family, dst_len, _, _, table, proto, scope, kind, _ = RTMSG.unpack_from(raw, HEADER.size)
    attrs = wire.attrs(raw, HEADER.size + RTMSG.size)
    oif = wire.number(attrs.get(wire.RTA_OIF))
    if (wire.number(attrs.get(wire.RTA_TABLE)) or table) != RT_TABLE_MAIN or kind != RTN_UNICAST or oif not in names:
        return None
    dst = wire.ip_text(family, attrs.get(wire.RTA_DST))
    return Route(
        dev=names[oif],
        family=family,
        dst=f"{dst}/{dst_len}" if dst else "default",
        gateway=wire.ip_text(family, attrs.get(wire.RTA_GATEWAY)),
        metric=wire.number(attrs.get(wire.RTA_PRIORITY)),
        proto=proto,
        scope=scope,
        prefsrc=wire.ip_text(family, attrs.get(wire.RTA_PREFSRC)),
    )
