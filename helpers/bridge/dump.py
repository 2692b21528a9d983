"""Read a :class:`~.snapshot.Snapshot` through an open netlink socket: three dumps, the few attributes used."""

from __future__ import annotations

import struct
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .snapshot import IFF_PROMISC, IFF_UP, RT_TABLE_MAIN, RTN_UNICAST, Address, Link, Route, Snapshot

if TYPE_CHECKING:
    from .netlink import Netlink

RTEXT_FILTER_SKIP_STATS = 1 << 3
_NLMSG_HEADER_SIZE = 16
_IFINFO = struct.Struct("=BxHiII")  # ifinfomsg: family, type, index, flags, change
_RTA = struct.Struct("=HH")  # attribute length and type
_U32 = struct.Struct("=I")
NLA_TYPE_MASK = 0x3FFF
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER, IFLA_LINKINFO, IFLA_IFALIAS = 1, 3, 4, 10, 18, 20
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_BR_STP_STATE = 5
IFA_F_SECONDARY = 0x1


def read_snapshot(nl: Netlink) -> Snapshot:
    """Dump links, addresses and routes (one request each) through an open netlink socket."""
    from pyroute2.netlink.rtnl import RTM_GETADDR, RTM_GETLINK, RTM_GETROUTE
    from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
    from pyroute2.netlink.rtnl.rtmsg import rtmsg

    request = ifinfmsg()
    request["attrs"] = [("IFLA_EXT_MASK", RTEXT_FILTER_SKIP_STATS)]  # counters are half of each message, never used
    links = {link.name: link for link in map(_link, nl.dump_raw(request, RTM_GETLINK))}
    names = {link.index: link.name for link in links.values()}
    links = {
        name: replace(link, master=names.get(link.master) if isinstance(link.master, int) else None)
        for name, link in links.items()
    }
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


def _link(raw: bytes) -> Link:
    """A link from one RTM_NEWLINK message, its master still an index (the few attributes used, read directly).

    pyroute2 decodes every attribute of every link (about 0.3 ms each); a snapshot needs six.
    """
    _, _, index, flags, _ = _IFINFO.unpack_from(raw, _NLMSG_HEADER_SIZE)
    attrs = _attrs(raw, _NLMSG_HEADER_SIZE + _IFINFO.size)
    info = _attrs(attrs.get(IFLA_LINKINFO, b""))
    data = _attrs(info[IFLA_INFO_DATA]) if IFLA_INFO_DATA in info else {}
    kind = _text(info[IFLA_INFO_KIND]) if IFLA_INFO_KIND in info else None
    return Link(
        index=index,
        name=_text(attrs[IFLA_IFNAME]),
        kind=kind,
        master=_U32.unpack(attrs[IFLA_MASTER])[0] if IFLA_MASTER in attrs else None,  # type: ignore[arg-type]
        up=bool(flags & IFF_UP),
        promiscuous=bool(flags & IFF_PROMISC),
        mtu=_U32.unpack(attrs[IFLA_MTU])[0],
        mac=":".join(f"{b:02x}" for b in attrs.get(IFLA_ADDRESS, b"")),
        stp=kind == "bridge" and IFLA_BR_STP_STATE in data and _U32.unpack(data[IFLA_BR_STP_STATE])[0] != 0,
        alias=_text(attrs.get(IFLA_IFALIAS, b"")),
    )


def _attrs(data: bytes, offset: int = 0) -> dict[int, bytes]:
    """The netlink attributes in ``data`` from ``offset``, by type (flag bits cleared), values undecoded."""
    found = {}
    while offset + _RTA.size <= len(data):
        length, kind = _RTA.unpack_from(data, offset)
        if length < _RTA.size:
            break
        found[kind & NLA_TYPE_MASK] = data[offset + _RTA.size : offset + length]
        offset += (length + 3) & ~3
    return found


def _text(value: bytes) -> str:
    return value.split(b"\0", 1)[0].decode()


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
