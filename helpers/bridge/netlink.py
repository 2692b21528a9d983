"""A plain synchronous rtnetlink socket: pyroute2's messages, without its asyncio machinery.

pyroute2's ``IPRoute`` costs about 1 ms per request (an event loop turn per
call) and forks a helper process to open a socket in a named namespace. Here a
request is one ``send`` and one ``recv`` (about 0.07 ms), and the socket is made
by a short-lived thread that enters the namespace, so the caller's own threads
never change namespace. Messages are still encoded and decoded by pyroute2.
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import threading
from typing import Any

from pyroute2.netlink import (
    NLM_F_ACK,
    NLM_F_APPEND,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
)
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.rtnl import (
    RTM_DELADDR,
    RTM_DELLINK,
    RTM_DELROUTE,
    RTM_GETLINK,
    RTM_NEWADDR,
    RTM_NEWLINK,
    RTM_NEWROUTE,
)
from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.marshal import MarshalRtnl
from pyroute2.netlink.rtnl.rtmsg import rtmsg

from .netns import NETNS_DIR
from .snapshot import AF_INET, RT_TABLE_MAIN, RTN_UNICAST, Address, Route

CLONE_NEWNET = 0x40000000
_RECV_SIZE = 1 << 20  # larger than any rtnetlink datagram, so nothing is truncated
NLMSG_HEADER = struct.Struct("=IHHII")  # length, type, flags, sequence number, port id
_ERRNO = struct.Struct("=i")  # nlmsgerr: the negative errno (0 for an ack) after the header
_IFINDEX = struct.Struct("=i")  # ifinfomsg.ifi_index, 4 bytes into the ifinfomsg


def open_socket(netns: str | None) -> socket.socket:
    """A bound NETLINK_ROUTE socket of the current namespace, or of the named namespace ``netns``."""
    return _bound(socket_in_netns(netns, socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE))


def socket_in_netns(netns: str | None, family: int, kind: int, proto: int = 0) -> socket.socket:
    """A new socket of the current namespace, or made inside the named namespace ``netns`` (it stays there)."""
    if netns is None:
        return socket.socket(family, kind, proto)
    made: dict[str, Any] = {}

    def enter_and_open() -> None:  # the thread ends in ``netns``; nothing else runs in it
        try:
            fd = os.open(os.path.join(NETNS_DIR, netns), os.O_RDONLY)
            try:
                if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"cannot enter network namespace {netns!r}")
            finally:
                os.close(fd)
            made["socket"] = socket.socket(family, kind, proto)
        except Exception as exc:  # handed to the caller's thread
            made["error"] = exc

    thread = threading.Thread(target=enter_and_open, name=f"netns-{netns}")
    thread.start()
    thread.join()
    if "error" in made:
        raise made["error"]
    sock: socket.socket = made["socket"]
    return sock


def _bound(sock: socket.socket) -> socket.socket:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECV_SIZE)
    sock.bind((0, 0))
    return sock


class Netlink:
    """Requests and dumps on one rtnetlink socket; interface indexes looked up once and remembered."""

    def __init__(self, netns: str | None = None) -> None:
        self._sock = open_socket(netns)
        self._marshal = MarshalRtnl()
        self._seq = 0
        self._indexes: dict[str, int] = {}

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()

    def learn(self, indexes: dict[str, int]) -> None:
        """Remember interface indexes already known (from a dump), so no request looks them up."""
        self._indexes = dict(indexes)

    def forget(self, name: str) -> None:
        """Drop a remembered index (the interface was deleted)."""
        self._indexes.pop(name, None)

    def index(self, name: str) -> int:
        """The index of interface ``name``: remembered, else one RTM_GETLINK request."""
        if name not in self._indexes:
            msg = ifinfmsg()
            msg["attrs"] = [("IFLA_IFNAME", name)]
            try:
                (reply,) = self._exchange(msg, RTM_GETLINK, NLM_F_REQUEST)
            except NetlinkError as exc:
                raise LookupError(f"interface {name!r} does not exist") from exc
            self._indexes[name] = _IFINDEX.unpack_from(reply, NLMSG_HEADER.size + 4)[0]
        return self._indexes[name]

    @staticmethod
    def bridge_info(stp: bool) -> tuple[str, dict[str, Any]]:
        """The IFLA_LINKINFO attribute of a bridge with spanning tree on or off."""
        data = {"attrs": [("IFLA_BR_STP_STATE", int(stp))]}
        return "IFLA_LINKINFO", {"attrs": [("IFLA_INFO_KIND", "bridge"), ("IFLA_INFO_DATA", data)]}

    def set_link(self, name: str, *attrs: tuple[str, Any], flags: int = 0, change: int = 0) -> None:
        """One RTM_NEWLINK on the existing interface ``name``: these attributes and flags (``change`` masks them)."""
        msg = ifinfmsg()
        msg["index"], msg["flags"], msg["change"] = self.index(name), flags, change
        msg["attrs"] = list(attrs)
        self.request(msg, RTM_NEWLINK)

    def add_bridge(self, name: str, stp: bool, *attrs: tuple[str, Any]) -> None:
        """Create bridge ``name`` (down, no ports) with these extra attributes."""
        msg = ifinfmsg()
        msg["attrs"] = [("IFLA_IFNAME", name), self.bridge_info(stp), *attrs]
        self.request(msg, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)

    def add_veth(
        self, name: str, peer: str, *attrs: tuple[str, Any], peer_attrs: tuple[tuple[str, Any], ...] = ()
    ) -> None:
        """Create the veth pair ``name``/``peer`` (both down) with these extra attributes on each end."""
        peer_info = {"attrs": [("IFLA_IFNAME", peer), *peer_attrs]}
        info = {"attrs": [("IFLA_INFO_KIND", "veth"), ("IFLA_INFO_DATA", {"attrs": [("VETH_INFO_PEER", peer_info)]})]}
        msg = ifinfmsg()
        msg["attrs"] = [("IFLA_IFNAME", name), ("IFLA_LINKINFO", info), *attrs]
        self.request(msg, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)

    def delete_link(self, name: str) -> None:
        """Delete interface ``name``."""
        msg = ifinfmsg()
        msg["index"] = self.index(name)
        self.request(msg, RTM_DELLINK)
        self.forget(name)

    def address(self, dev: str, address: Address, *, add: bool) -> None:
        """Add ``address`` to ``dev`` or remove it."""
        ip, prefixlen = address.cidr.split("/")
        msg = ifaddrmsg()
        msg["family"], msg["prefixlen"], msg["index"] = address.family, int(prefixlen), self.index(dev)
        attrs = [("IFA_LOCAL", ip)] if address.family == AF_INET else []
        attrs.append(("IFA_ADDRESS", ip))
        if address.broadcast:
            attrs.append(("IFA_BROADCAST", address.broadcast))
        msg["attrs"] = attrs
        self.request(msg, RTM_NEWADDR if add else RTM_DELADDR, NLM_F_CREATE | NLM_F_EXCL if add else 0)

    def route(self, dev: str, route: Route, *, add: bool) -> None:
        """Append ``route`` through ``dev`` to the main table (next to an equal one elsewhere) or remove it."""
        msg = rtmsg()
        msg["family"], msg["table"], msg["proto"], msg["scope"], msg["type"] = (
            route.family,
            RT_TABLE_MAIN,
            route.proto,
            route.scope,
            RTN_UNICAST,
        )
        attrs: list[tuple[str, Any]] = [("RTA_TABLE", RT_TABLE_MAIN), ("RTA_OIF", self.index(dev))]
        if route.dst != "default":
            dst, dst_len = route.dst.split("/")
            msg["dst_len"] = int(dst_len)
            attrs.append(("RTA_DST", dst))
        for name, value in (
            ("RTA_GATEWAY", route.gateway),
            ("RTA_PRIORITY", route.metric),
            ("RTA_PREFSRC", route.prefsrc),
        ):
            if value is not None:
                attrs.append((name, value))
        msg["attrs"] = attrs
        self.request(msg, RTM_NEWROUTE if add else RTM_DELROUTE, NLM_F_CREATE | NLM_F_APPEND if add else 0)

    def request(self, msg: Any, msg_type: int, flags: int = 0) -> None:
        """Send ``msg`` (a pyroute2 message with its fields and attrs set) and wait for the kernel's ack.

        Raises pyroute2's ``NetlinkError`` with the kernel's errno when the kernel refuses.
        """
        self._exchange(msg, msg_type, NLM_F_REQUEST | NLM_F_ACK | flags)

    def dump(self, msg: Any, msg_type: int) -> list[Any]:
        """Every message of a dump request (``msg`` gives the family and any filter), decoded by pyroute2."""
        return [reply for raw in self.dump_raw(msg, msg_type) for reply in self._marshal.parse(raw)]

    def dump_raw(self, msg: Any, msg_type: int) -> list[bytes]:
        """Every message of a dump request, undecoded (for the callers that read a few attributes of many messages)."""
        return self._exchange(msg, msg_type, NLM_F_REQUEST | NLM_F_DUMP)

    def _exchange(self, msg: Any, msg_type: int, flags: int) -> list[bytes]:
        """Send one request; the answers (raw messages) up to the ack, the end of the dump, or the one reply of a get."""
        self._seq += 1
        msg["header"]["type"] = msg_type
        msg["header"]["flags"] = flags
        msg["header"]["sequence_number"] = self._seq
        msg.encode()
        self._sock.send(msg.data)
        replies: list[bytes] = []
        while True:
            data = self._sock.recv(_RECV_SIZE)
            offset = 0
            while offset + NLMSG_HEADER.size <= len(data):
                length, kind, _, seq, _ = NLMSG_HEADER.unpack_from(data, offset)
                raw, offset = data[offset : offset + length], offset + _align(length)
                if seq != self._seq:
                    continue  # a late answer to an earlier, failed exchange
                if kind == NLMSG_DONE:
                    return replies
                if kind == NLMSG_ERROR:
                    (error,) = _ERRNO.unpack_from(raw, NLMSG_HEADER.size)
                    if error:
                        raise NetlinkError(-error)
                    return replies
                replies.append(raw)
                if not flags & (NLM_F_DUMP | NLM_F_ACK):
                    return replies  # a plain get: one answer, no ack


def _align(length: int) -> int:
    return (length + 3) & ~3
