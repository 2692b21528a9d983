"""The per-host part of ``fgtha host probe``: attach temporary ports, send and listen, remove every port.

:func:`probe_host` takes and returns plain JSON-able data, so a host transport
can run it on a remote host as it is (the frames travel as hex; nothing here
reads the spec). Input::

    {"netns": "ns1" | null, "nonce": "<8 hex>", "seconds": 2.0, "interval": 0.1,
     "ports": [{"name": "fgp...a", "peer": "fgp...b", "bridge": "br-hb", "mac": "52:54:00:..",
                "frames": ["<hex>", ...]}],
     "uplinks": ["enp3s0"]}

Each port is a veth pair: ``peer`` is enslaved to ``bridge`` (with a high MAC, so the
bridge never takes it as its own), ``name`` stays free and plays the unit's NIC
(MAC ``mac``, no IPv6 address, so it sends nothing of its own). For ``seconds`` the
port's frames go out every ``interval`` from ``name`` while every port and every
uplink listens. Output::

    {"heard": {"fgp...a": [frame ids]}, "uplinks": {"enp3s0": {"out": [ids], "in": [ids]} | {"error": ".."}},
     "error": null | "what failed", "left_behind": [names that could not be removed]}

The veth pairs are removed on every way out: success, a failure, ``stop`` set
(Ctrl-C in the caller), or an exception.
"""

from __future__ import annotations

import errno
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from ..bridge import wire
from ..bridge.netlink import Netlink, socket_in_netns
from ..bridge.netns import netns_exists
from ..bridge.wire import NetlinkError
from .frames import frame_id

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
IFF_UP = 0x1
ALIAS = "fgtha host probe (temporary)"


class ProbeHostError(Exception):
    """The probe could not be set up on this host (the message says what and where)."""


def probe_host(task: dict[str, Any], stop: threading.Event | None = None) -> dict[str, Any]:
    """Run one host's part of the probe (see the module docstring); never raises for host problems."""
    netns = task.get("netns")
    result: dict[str, Any] = {"heard": {}, "uplinks": {}, "error": None, "left_behind": []}
    if netns and not netns_exists(netns):
        result["error"] = f"network namespace {netns!r} does not exist"
        return result
    nl = Netlink(netns)
    created: list[str] = []
    try:
        with ExitStack() as sockets:
            ports: dict[str, socket.socket] = {}
            for port in task["ports"]:
                ports[port["name"]] = sockets.enter_context(_packet_socket(netns, port["name"], (nl, port, created)))
            uplinks: dict[str, socket.socket] = {}
            for name in task["uplinks"]:
                try:
                    uplinks[name] = sockets.enter_context(_packet_socket(netns, name))
                except OSError as exc:
                    result["uplinks"][name] = {"error": f"cannot watch uplink {name}: {exc.strerror or exc}"}
            heard = _exchange(task, ports, uplinks, stop or threading.Event())
        result["heard"] = {name: sorted(heard[name]) for name in ports}
        for name in uplinks:
            result["uplinks"][name] = {"out": sorted(heard[f"{name}>out"]), "in": sorted(heard[f"{name}>in"])}
    except ProbeHostError as exc:
        result["error"] = str(exc)
    finally:
        result["left_behind"] = _remove(nl, created, netns)
        nl.close()
    return result


@contextmanager
def _packet_socket(
    netns: str | None, name: str, attach: tuple[Netlink, dict[str, Any], list[str]] | None = None
) -> Iterator[socket.socket]:
    """A raw packet socket on interface ``name`` (first made as a temporary port, with ``attach``).

    Made with protocol 0, it hears nothing until it is bound to ``name``: a socket made with ETH_P_ALL
    hears every interface until then, and would count a frame seen on the uplink as arrived at the port.
    """
    sock = socket_in_netns(netns, socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        if attach:
            _attach(*attach)
        sock.bind((name, ETH_P_ALL))
        sock.setblocking(False)
        yield sock
    finally:
        sock.close()


def _attach(nl: Netlink, port: dict[str, Any], created: list[str]) -> None:
    """Create the port's veth pair and enslave its ``peer`` end to the bridge; both ends up."""
    try:
        bridge = nl.index(port["bridge"])
    except LookupError:
        raise ProbeHostError(f"bridge {port['bridge']} does not exist (fgtha host apply makes it)") from None
    try:
        nl.add_veth(
            port["name"],
            port["peer"],
            wire.mac(port["mac"]),
            peer_attrs=(wire.mac("fe" + port["mac"][2:]),),
        )
        created.append(port["name"])
        for end in (port["name"], port["peer"]):
            nl.set_link(end, wire.no_ipv6_addresses())  # no link-local address, so no DAD or RS
            nl.set_link(end, wire.alias(ALIAS))
        nl.set_link(port["peer"], wire.master(bridge))
        nl.set_link(port["peer"], flags=IFF_UP, change=IFF_UP)
        nl.set_link(port["name"], flags=IFF_UP, change=IFF_UP)
    except NetlinkError as exc:
        raise ProbeHostError(f"cannot attach a temporary port to bridge {port['bridge']}: {exc}") from None


def _exchange(
    task: dict[str, Any], ports: dict[str, socket.socket], uplinks: dict[str, socket.socket], stop: threading.Event
) -> dict[str, set[int]]:
    """Send every port's frames each ``interval`` for ``seconds``; the ids each socket heard, keyed by name."""
    nonce = bytes.fromhex(task["nonce"])
    frames = {p["name"]: [bytes.fromhex(f) for f in p["frames"]] for p in task["ports"]}
    heard: dict[str, set[int]] = {name: set() for name in ports}
    for name in uplinks:
        heard[f"{name}>out"], heard[f"{name}>in"] = set(), set()
    readers = {sock: (name, name in uplinks) for name, sock in (*ports.items(), *uplinks.items())}
    now = time.monotonic()
    deadline, next_send = now + float(task["seconds"]), now
    while now < deadline and not stop.is_set():
        if now >= next_send:
            for name, sock in ports.items():
                for frame in frames[name]:
                    sock.send(frame)
            next_send += float(task["interval"])
        ready, _, _ = select.select(list(readers), [], [], max(0.0, min(next_send, deadline) - now))
        for sock in ready:
            _drain(sock, nonce, *readers[sock], heard)
        now = time.monotonic()
    return heard


def _drain(sock: socket.socket, nonce: bytes, name: str, is_uplink: bool, heard: dict[str, set[int]]) -> None:
    """Read every frame waiting on ``sock`` and note the probe's own (ports: incoming only)."""
    while True:
        try:
            frame, addr = sock.recvfrom(65535)
        except BlockingIOError:
            return
        ident = frame_id(frame, nonce)
        if ident is None:
            continue
        outgoing = addr[2] == PACKET_OUTGOING
        if is_uplink:
            heard[f"{name}>{'out' if outgoing else 'in'}"].add(ident)
        elif not outgoing:
            heard[name].add(ident)


def _remove(nl: Netlink, created: list[str], netns: str | None = None) -> list[str]:
    """Delete every veth pair made (one end takes the other); the names that could not be deleted.

    Each name is looked up afresh, and whatever is still there afterwards is deleted again through a new
    netlink socket: a socket whose exchange was cut short (an interrupted probe) must not leave a port behind.
    """
    for name in created:
        _delete_if_present(nl, name)
    if not created:
        return []
    fresh = Netlink(netns)
    try:
        return [name for name in created if not _delete_if_present(fresh, name)]
    finally:
        fresh.close()


def _delete_if_present(nl: Netlink, name: str) -> bool:
    """Delete interface ``name`` if it exists; whether it is gone now."""
    nl.forget(name)
    try:
        nl.delete_link(name)
    except LookupError:
        return True
    except NetlinkError as exc:
        return exc.code == errno.ENODEV
    return True
