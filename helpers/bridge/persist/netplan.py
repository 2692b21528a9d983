"""netplan: one YAML file, and a networkd drop-in for promiscuous uplinks (netplan has no key for it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import yaml

from ..config import BridgeConfig
from ..snapshot import Route
from .base import NO_ADDRESSING, PRIVATE, PUBLIC, Addressing, Files, ini


def _netplan_route(r: Route) -> dict[str, object]:
    route: dict[str, object] = {"to": r.dst}
    if r.gateway:
        route["via"] = r.gateway
    else:
        route["scope"] = "link"
    if r.metric is not None:
        route["metric"] = r.metric
    return route


def netplan(bridges: Sequence[BridgeConfig], addressing: Mapping[str, Addressing]) -> Files:
    """netplan: one YAML file (mode 0600, as netplan asks) and a networkd drop-in per promiscuous uplink."""
    ethernets: dict[str, dict[str, object]] = {}
    netplan_bridges: dict[str, dict[str, object]] = {}
    files: Files = {}
    for b in bridges:
        l3 = addressing.get(b.name, NO_ADDRESSING)
        entry: dict[str, object] = {
            "interfaces": [b.uplink] if b.uplink else [],
            "parameters": {"stp": b.stp},
            "dhcp4": False,
            "dhcp6": False,
        }
        if b.mtu:
            entry["mtu"] = b.mtu
        if l3.mac:
            entry["macaddress"] = l3.mac
        if l3.addresses:
            entry["addresses"] = [a.cidr for a in l3.addresses]
        else:
            entry["link-local"] = []
        if l3.routes:
            entry["routes"] = [_netplan_route(r) for r in l3.routes]
        netplan_bridges[b.name] = entry
        if b.uplink:
            ethernets[b.uplink] = {"dhcp4": False, "dhcp6": False, **({"mtu": b.mtu} if b.mtu else {})}
            if b.promiscuous:
                files[f"etc/systemd/network/10-netplan-{b.uplink}.network.d/fgtha-promiscuous.conf"] = (
                    ini([("Link", {"Promiscuous": True})]),
                    PUBLIC,
                )
    network: dict[str, object] = {"version": 2, "renderer": "networkd"}
    if ethernets:
        network["ethernets"] = ethernets
    network["bridges"] = netplan_bridges
    files["etc/netplan/60-fgtha-bridges.yaml"] = (yaml.safe_dump({"network": network}, sort_keys=False), PRIVATE)
    return files
