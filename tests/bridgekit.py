"""Helpers for the bridge tests: veth uplinks, peer namespaces, a full state snapshot taken with `ip`, pause points."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from netns import in_netns, ip


def veth_uplink(
    netns: str, name: str, peer: str | None = None, peer_netns: str | None = None, mac: str | None = None
) -> None:
    """A veth pair whose end ``name`` in ``netns`` plays the host's NIC; the peer stays or moves to ``peer_netns``."""
    peer = peer or f"{name}p"
    ip("link", "add", name, *(["address", mac] if mac else []), "type", "veth", "peer", "name", peer, netns=netns)
    if peer_netns:
        ip("link", "set", peer, "netns", peer_netns, netns=netns)
        ip("link", "set", peer, "up", netns=peer_netns)
    else:
        ip("link", "set", peer, "up", netns=netns)


def ip_state(netns: str) -> tuple[object, ...]:
    """Links (name, master, flags, mtu, mac, alias), IPv4 addresses and IPv4 main routes, read with iproute2."""
    links = json.loads(ip("-j", "-d", "link", "show", netns=netns).stdout)
    link_view = sorted(
        (l["ifname"], l.get("master"), tuple(sorted(l["flags"])), l["mtu"], l.get("address"), l.get("ifalias"))
        for l in links
    )
    addrs = json.loads(ip("-j", "-4", "addr", "show", netns=netns).stdout)
    addr_view = sorted((a["ifname"], i["local"], i["prefixlen"]) for a in addrs for i in a.get("addr_info", []))
    routes = json.loads(ip("-j", "-4", "route", "show", "table", "main", netns=netns).stdout)
    route_view = sorted((r["dst"], r.get("gateway"), r.get("dev"), r.get("metric"), r.get("protocol")) for r in routes)
    return tuple(link_view), tuple(addr_view), tuple(route_view)


def pings(netns: str, address: str) -> bool:
    """Whether ``address`` answers one ping from ``netns`` within a second."""
    return in_netns(netns, "ping", "-c", "1", "-W", "1", address, check=False).returncode == 0


def wait_for_file(path: Path, proc: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Wait until ``proc`` has created ``path`` (a fault test's pause point); fail if it exits first."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"exited with {proc.returncode} before pausing:\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"did not reach its pause point {path} within {timeout} s")
        time.sleep(0.01)
