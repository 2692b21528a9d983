"""A plain synchronous rtnetlink socket: one ``send`` and one ``recv`` per request, messages encoded by :mod:`.wire`.

pyroute2's ``IPRoute`` costs about 1 ms per request (an event loop turn per
call) and forks a helper process to open a socket in a named namespace; even
its message classes cost about 0.1 s to import. Here a request is one ``send``
and one ``recv``, and the socket is made by a short-lived thread that enters the
namespace, so the caller's own threads never change namespace. Interfaces are
named in the requests (the kernel looks them up); an index the kernel needs as
a value (a master, an address's or a route's device) is remembered from a dump
or asked with one ``SIOCGIFINDEX`` ioctl on the socket (its namespace's).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import threading
from typing import Any

from . import wire
from .netns import NETNS_DIR
from .snapshot import AF_INET, RT_TABLE_MAIN, RTN_UNICAST, Address, Route
from .wire import (
    HEADER,
    IFINFO,
    NLM_F_ACK,
    NLM_F_APPEND,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    NetlinkError,
)

CLONE_NEWNET = 0x40000000
SIOCGIFINDEX = 0x8933
_IFREQ = struct.Struct("=16si20x")  # struct ifreq: the name, then ifr_ifindex in the union
_RECV_SIZE = 1 << 20  # larger than any rtnetlink datagram, so nothing is truncated


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
        self._buffer = bytearray(_RECV_SIZE)  # received into, not allocated per datagram (1 MB each is an mmap)
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
        """The index of interface ``name``: remembered, else asked of the kernel (``LookupError`` when there is none)."""
        if name not in self._indexes:
            try:
                reply = fcntl.ioctl(self._sock.fileno(), SIOCGIFINDEX, _IFREQ.pack(name.encode(), 0))
            except OSError as exc:
                raise LookupError(f"interface {name!r} does not exist") from exc
            self._indexes[name] = _IFREQ.unpack(reply)[1]
        return self._indexes[name]

    def set_link(self, name: str, *attrs: bytes, flags: int = 0, change: int = 0) -> None:
        """One RTM_NEWLINK on the existing interface ``name``: these attributes (from :mod:`.wire`) and flags.

        ``change`` masks the flags that change.
        """
        body = IFINFO.pack(0, 0, 0, flags, change) + wire.ifname(name) + b"".join(attrs)
        self.request(wire.RTM_NEWLINK, body)

    def add_bridge(self, name: str, stp: bool, *attrs: bytes) -> None:
        """Create bridge ``name`` (down, no ports) with these extra attributes."""
        body = IFINFO.pack(0, 0, 0, 0, 0) + wire.ifname(name) + wire.bridge_info(stp) + b"".join(attrs)
        self.request(wire.RTM_NEWLINK, body, NLM_F_CREATE | NLM_F_EXCL)

    def add_veth(self, name: str, peer: str, *attrs: bytes, peer_attrs: tuple[bytes, ...] = ()) -> None:
        """Create the veth pair ``name``/``peer`` (both down) with these extra attributes on each end."""
        body = IFINFO.pack(0, 0, 0, 0, 0) + wire.ifname(name) + wire.veth_info(peer, *peer_attrs) + b"".join(attrs)
        self.request(wire.RTM_NEWLINK, body, NLM_F_CREATE | NLM_F_EXCL)

    def delete_link(self, name: str) -> None:
        """Delete interface ``name``."""
        self.forget(name)
        self.request(wire.RTM_DELLINK, IFINFO.pack(0, 0, 0, 0, 0) + wire.ifname(name))

    def address(self, dev: str, address: Address, *, add: bool) -> None:
        """Add ``address`` to ``dev`` or remove it."""
        ip, prefixlen = address.cidr.split("/")
        family = address.family
        packed = wire.ip(family, ip)
        body = wire.IFADDR.pack(family, int(prefixlen), 0, 0, self.index(dev))
        if family == AF_INET:
            body += wire.attr(wire.IFA_LOCAL, packed)
        body += wire.attr(wire.IFA_ADDRESS, packed)
        if address.broadcast:
            body += wire.attr(wire.IFA_BROADCAST, wire.ip(family, address.broadcast))
        if add:
            self.request(wire.RTM_NEWADDR, body, NLM_F_CREATE | NLM_F_EXCL)
        else:
            self.request(wire.RTM_DELADDR, body)

    def route(self, dev: str, route: Route, *, add: bool) -> None:
        """Append ``route`` through ``dev`` to the main table (next to an equal one elsewhere) or remove it."""
        family = route.family
        dst, dst_len = ("", 0) if route.dst == "default" else route.dst.split("/")
        fixed = wire.RTMSG.pack(family, int(dst_len), 0, 0, RT_TABLE_MAIN, route.proto, route.scope, RTN_UNICAST, 0)
        body = fixed + wire.u32(wire.RTA_TABLE, RT_TABLE_MAIN) + wire.u32(wire.RTA_OIF, self.index(dev))
        if dst:
            body += wire.attr(wire.RTA_DST, wire.ip(family, dst))
        if route.gateway is not None:
            body += wire.attr(wire.RTA_GATEWAY, wire.ip(family, route.gateway))
        if route.metric is not None:
            body += wire.u32(wire.RTA_PRIORITY, route.metric)
        if route.prefsrc is not None:
            body += wire.attr(wire.RTA_PREFSRC, wire.ip(family, route.prefsrc))
        if add:
            self.request(wire.RTM_NEWROUTE, body, NLM_F_CREATE | NLM_F_APPEND)
        else:
            self.request(wire.RTM_DELROUTE, body)

    def request(self, msg_type: int, body: bytes, flags: int = 0) -> None:
        """Send one request (``body``: the fixed part and the attributes) and wait for the kernel's ack.

        Raises :class:`~.wire.NetlinkError` with the kernel's errno when the kernel refuses.
        """
        self._exchange(msg_type, NLM_F_REQUEST | NLM_F_ACK | flags, body)

    def dump(self, msg_type: int, body: bytes) -> list[bytes]:
        """Every message of a dump request (``body`` gives the family and any filter), each whole and undecoded."""
        return self._exchange(msg_type, NLM_F_REQUEST | NLM_F_DUMP, body)

    def _exchange(self, msg_type: int, flags: int, body: bytes) -> list[bytes]:
        """Send one request; the answers (raw messages) up to the ack or the end of the dump."""
        self._seq += 1
        self._sock.send(wire.message(msg_type, flags, self._seq, body))
        replies: list[bytes] = []
        while True:
            size = self._sock.recv_into(self._buffer)
            data = bytes(memoryview(self._buffer)[:size])
            offset = 0
            while offset + HEADER.size <= len(data):
                length, kind, _, seq, _ = HEADER.unpack_from(data, offset)
                raw, offset = data[offset : offset + length], offset + _align(length)
                if seq != self._seq:
                    continue  # a late answer to an earlier, failed exchange
                if kind == NLMSG_DONE:
                    return replies
                if kind == NLMSG_ERROR:
                    (error,) = wire.ERRNO.unpack_from(raw, HEADER.size)
                    if error:
                        raise NetlinkError(-error)
                    return replies
                replies.append(raw)


def _align(length: int) -> int:
    return (length + 3) & ~3
