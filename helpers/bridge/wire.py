"""The rtnetlink wire format of the few messages the bridge helper sends and reads: layouts, numbers, attributes.

The one place both directions take it from: :mod:`.netlink` builds its requests
here and :mod:`.dump` reads the kernel's dumps here. The layouts and numbers are
the kernel's uapi (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h,
linux/if_addr.h, linux/veth.h), which the kernel keeps stable. Encoding by hand
keeps pyroute2 out: importing its message classes runs its package start-up
(about 0.1 s, asyncio and every socket family it supports), more than the apply
it serves. tests/test_netlink.py checks each message against the real kernel in
a namespace, read back by iproute2.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Collection

# Message types and flags (linux/netlink.h, linux/rtnetlink.h).
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND = 0x200, 0x400, 0x800

#: nlmsghdr: length, type, flags, sequence number, port id.
HEADER = struct.Struct("=IHHII")
#: ifinfomsg: family, (pad), device type, index, flags, change mask.
IFINFO = struct.Struct("=BxHiII")
#: ifaddrmsg: family, prefix length, flags, scope, index.
IFADDR = struct.Struct("=BBBBI")
#: rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
RTMSG = struct.Struct("=BBBBBBBBI")
#: nlmsgerr's first field: the negative errno, 0 for an ack.
ERRNO = struct.Struct("=i")
ATTR = struct.Struct("=HH")  # rtattr / nlattr: length, type
U32 = struct.Struct("=I")
NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3FFF

# Link attributes (linux/if_link.h) and their nested ones.
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER = 1, 3, 4, 10
IFLA_LINKINFO, IFLA_IFALIAS, IFLA_AF_SPEC, IFLA_EXT_MASK = 18, 20, 26, 29
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_BR_STP_STATE = 5
VETH_INFO_PEER = 1
IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE = 8, 1
RTEXT_FILTER_SKIP_STATS = 1 << 3
# Address attributes (linux/if_addr.h) and route attributes (linux/rtnetlink.h).
IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST = 1, 2, 4
IFA_F_SECONDARY = 0x1
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_TABLE = 1, 4, 5, 6, 7, 15


class NetlinkError(Exception):
    """The kernel refused a request; ``code`` is its errno."""

    def __init__(self, code: int) -> None:
        super().__init__(code, os.strerror(code))
        self.code = code

    def __str__(self) -> str:
        return f"{os.strerror(self.code)} (errno {self.code})"


def message(msg_type: int, flags: int, seq: int, body: bytes) -> bytes:
    """One netlink message: the header, then ``body`` (the fixed part and its attributes, each already aligned)."""
    return HEADER.pack(HEADER.size + len(body), msg_type, flags, seq, 0) + body


def attr(kind: int, payload: bytes) -> bytes:
    """One attribute, padded to 4 bytes."""
    length = ATTR.size + len(payload)
    return ATTR.pack(length, kind) + payload + b"\0" * (-length % 4)


def u32(kind: int, value: int) -> bytes:
    """An unsigned 32-bit attribute."""
    return attr(kind, U32.pack(value))


def nested(kind: int, *attrs: bytes) -> bytes:
    """An attribute holding other attributes."""
    return attr(kind | NLA_F_NESTED, b"".join(attrs))


def ip(family: int, text: str) -> bytes:
    """An IPv4 or IPv6 address in network order."""
    return socket.inet_pton(family, text)


# ---- the link attributes the helper sets -----------------------------------------------------------------------------
def ifname(name: str) -> bytes:
    """IFLA_IFNAME: names the interface a request is about (or the one it creates)."""
    return attr(IFLA_IFNAME, name.encode() + b"\0")


def mtu(value: int) -> bytes:
    """IFLA_MTU."""
    return u32(IFLA_MTU, value)


def master(index: int) -> bytes:
    """IFLA_MASTER: enslave to the interface of this index (0 releases)."""
    return u32(IFLA_MASTER, index)


def alias(text: str) -> bytes:
    """IFLA_IFALIAS (an empty one clears the alias)."""
    return attr(IFLA_IFALIAS, text.encode())


def mac(text: str) -> bytes:
    """IFLA_ADDRESS: a MAC address written ``52:54:00:12:34:56``."""
    return attr(IFLA_ADDRESS, bytes.fromhex(text.replace(":", "")))


def bridge_info(stp: bool) -> bytes:
    """IFLA_LINKINFO of a bridge with spanning tree on or off."""
    data = nested(IFLA_INFO_DATA, u32(IFLA_BR_STP_STATE, int(stp)))
    return nested(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"bridge"), data)


def veth_info(peer: str, *peer_attrs: bytes) -> bytes:
    """IFLA_LINKINFO of a veth pair whose other end is ``peer`` (with these attributes)."""
    peer_msg = IFINFO.pack(0, 0, 0, 0, 0) + ifname(peer) + b"".join(peer_attrs)
    data = nested(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peer_msg))
    return nested(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"veth"), data)


def no_ipv6_addresses() -> bytes:
    """IFLA_AF_SPEC that gives the interface no IPv6 link-local address (address generation mode "none")."""
    mode = attr(IFLA_INET6_ADDR_GEN_MODE, bytes([IN6_ADDR_GEN_MODE_NONE]))
    return nested(IFLA_AF_SPEC, nested(socket.AF_INET6, mode))


# ---- reading ---------------------------------------------------------------------------------------------------------
def attrs(data: bytes, offset: int = 0, wanted: Collection[int] | None = None) -> dict[int, bytes]:
    """The attributes in ``data`` from ``offset`` by type (flag bits cleared), values undecoded.

    With ``wanted``, only those are taken, and the walk ends once all of them are found.
    """
    found = {}
    end = len(data)
    unpack = ATTR.unpack_from
    missing = len(wanted) if wanted is not None else -1
    while offset + 4 <= end:
        length, kind = unpack(data, offset)
        if length < 4:
            break
        kind &= NLA_TYPE_MASK
        if wanted is None:
            found[kind] = data[offset + 4 : offset + length]
        elif kind in wanted and kind not in found:
            found[kind] = data[offset + 4 : offset + length]
            missing -= 1
            if not missing:
                break
        offset += (length + 3) & ~3
    return found


def text(value: bytes) -> str:
    """A string attribute (up to its NUL, if any)."""
    return value.split(b"\0", 1)[0].decode()


def ip_text(family: int, value: bytes | None) -> str | None:
    """An address attribute as text; None when absent."""
    return None if value is None else socket.inet_ntop(family, value)


def number(value: bytes | None) -> int | None:
    """An unsigned 32-bit attribute; None when absent."""
    return None if value is None else U32.unpack(value)[0]
