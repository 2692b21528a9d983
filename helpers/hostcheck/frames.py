"""Ethernet frames of the heartbeat probe: raw EtherType, ARP and IPv4/UDP, each carrying a findable marker.

Every frame carries ``MAGIC + nonce + frame id`` in its payload (for ARP, after
the ARP body, where padding would be), so a receiver recognises the probe's own
frames among any other traffic and knows which one arrived.
"""

from __future__ import annotations

import ipaddress
import struct

MAGIC = b"FGTHA-PROBE"
#: IEEE 802 local experimental EtherType: the control frames that no FGCP rule should match.
ETH_EXPERIMENTAL = 0x88B5
ETH_IPV4 = 0x0800
ETH_ARP = 0x0806
#: FGCP's port number (Fortinet: heartbeat TCP 703); the probe's unicast datagrams go to UDP 703.
FGCP_PORT = 703
BROADCAST = "ff:ff:ff:ff:ff:ff"
_MIN_FRAME = 60  # without the FCS
_ID = struct.Struct("!H")


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def marker(nonce: bytes, frame_id: int) -> bytes:
    """The bytes that identify frame ``frame_id`` of the probe run ``nonce``."""
    return MAGIC + nonce + _ID.pack(frame_id)


def _pad(frame: bytes) -> bytes:
    return frame.ljust(_MIN_FRAME, b"\0")


def ethernet(src: str, dst: str, ethertype: int, payload: bytes) -> bytes:
    """An Ethernet II frame, padded to the 60-byte minimum."""
    return _pad(_mac(dst) + _mac(src) + struct.pack("!H", ethertype) + payload)


def arp_request(src: str, sender_ip: str, target_ip: str, tail: bytes) -> bytes:
    """A broadcast ARP who-has ``target_ip`` from ``src``/``sender_ip``, ``tail`` after the ARP body."""
    body = struct.pack("!HHBBH", 1, ETH_IPV4, 6, 4, 1) + _mac(src) + _ip(sender_ip) + bytes(6) + _ip(target_ip)
    return ethernet(src, BROADCAST, ETH_ARP, body + tail)


def udp_datagram(src: str, dst: str, src_ip: str, dst_ip: str, payload: bytes) -> bytes:
    """An IPv4 UDP datagram to port :data:`FGCP_PORT` (UDP checksum 0: none, allowed in IPv4), in a frame."""
    udp = struct.pack("!HHHH", FGCP_PORT, FGCP_PORT, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, _ip(src_ip), _ip(dst_ip))
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return ethernet(src, dst, ETH_IPV4, header + udp)


def frame_id(frame: bytes, nonce: bytes) -> int | None:
    """The id of the probe frame ``frame`` of the run ``nonce``; None for any other frame."""
    at = frame.find(MAGIC + nonce)
    if at < 0 or at + len(MAGIC) + len(nonce) + _ID.size > len(frame):
        return None
    return int(_ID.unpack_from(frame, at + len(MAGIC) + len(nonce))[0])


def _ip(text: str) -> bytes:
    return ipaddress.IPv4Address(text).packed


def _checksum(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
