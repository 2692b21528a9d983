"""Make bridges survive a reboot: configuration files for netplan, NetworkManager, ifupdown or systemd-networkd.

Each renderer returns ``{path relative to the root: (text, mode)}``; :func:`write_files`
writes them atomically under a root folder. Promiscuous mode is persisted too:
networkd ``[Link] Promiscuous=yes``; NetworkManager ``ethernet.accept-all-mac-addresses=true``
(NM >= 1.32); ifupdown an ``up ip link set dev X promisc on`` line; netplan has no
promiscuity key, so a systemd-networkd drop-in for the ``.network`` file that netplan
generates for the uplink (``10-netplan-<uplink>.network.d``) carries it (networkd renderer).
Addresses and routes moved by ``migrate_addresses`` are not written (see docs/host-networking.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from ..configdrive import atomic_write_private
from .config import BridgeConfig

Files = dict[str, tuple[str, int]]
FORMATS = ("netplan", "networkmanager", "ifupdown", "networkd")
PRIVATE, PUBLIC = 0o600, 0o644


def detect_format(root: Path) -> str:
    """The network configuration system of the host under ``root``; ValueError when none is recognised."""
    if (root / "etc/netplan").is_dir():
        return "netplan"
    if (root / "run/NetworkManager").is_dir() or (root / "etc/NetworkManager/system-connections").is_dir():
        return "networkmanager"
    if (root / "run/systemd/netif").is_dir():
        return "networkd"
    if (root / "etc/network/interfaces").is_file():
        return "ifupdown"
    raise ValueError(f"cannot tell how {root} configures its network; pass --format ({', '.join(FORMATS)})")


def render(fmt: str, bridges: Sequence[BridgeConfig]) -> Files:
    """The files that configure ``bridges`` in format ``fmt``."""
    renderers: dict[str, Callable[[Sequence[BridgeConfig]], Files]] = {
        "netplan": netplan, "networkmanager": networkmanager, "ifupdown": ifupdown, "networkd": networkd,
    }
    if fmt not in renderers:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    return renderers[fmt](bridges)


def write_files(root: Path, files: Files) -> list[Path]:
    """Write every file under ``root`` atomically with its mode; return the paths written."""
    written = []
    for rel, (text, mode) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_private(path, text.encode())
        os.chmod(path, mode)
        written.append(path)
    return written


def _ini(sections: list[tuple[str, dict[str, object]]]) -> str:
    out = []
    for name, values in sections:
        out.append(f"[{name}]")
        out += [f"{k}={_ini_value(v)}" for k, v in values.items() if v is not None]
        out.append("")
    return "\n".join(out)


def _ini_value(v: object) -> str:
    return ("yes" if v else "no") if isinstance(v, bool) else str(v)


def networkd(bridges: Sequence[BridgeConfig]) -> Files:
    """systemd-networkd: a .netdev and a .network per bridge, a .network per uplink."""
    files: Files = {}
    base = "etc/systemd/network"
    for b in bridges:
        files[f"{base}/60-fgtha-{b.name}.netdev"] = (_ini([
            ("NetDev", {"Name": b.name, "Kind": "bridge", "MTUBytes": b.mtu}),
            ("Bridge", {"STP": b.stp}),
        ]), PUBLIC)
        files[f"{base}/60-fgtha-{b.name}.network"] = (_ini([
            ("Match", {"Name": b.name}),
            ("Network", {"LinkLocalAddressing": "no", "ConfigureWithoutCarrier": True}),
        ]), PUBLIC)
        if b.uplink:
            files[f"{base}/60-fgtha-{b.uplink}.network"] = (_ini([
                ("Match", {"Name": b.uplink}),
                ("Link", {"MTUBytes": b.mtu, "Promiscuous": b.promiscuous or None}),
                ("Network", {"Bridge": b.name}),
            ]), PUBLIC)
    return files


def netplan(bridges: Sequence[BridgeConfig]) -> Files:
    """netplan: one YAML file (mode 0600, as netplan asks) and a networkd drop-in per promiscuous uplink."""
    ethernets: dict[str, dict[str, object]] = {}
    netplan_bridges: dict[str, dict[str, object]] = {}
    files: Files = {}
    for b in bridges:
        entry: dict[str, object] = {"interfaces": [b.uplink] if b.uplink else [], "parameters": {"stp": b.stp},
                                    "dhcp4": False, "dhcp6": False}
        if b.mtu:
            entry["mtu"] = b.mtu
        netplan_bridges[b.name] = entry
        if b.uplink:
            ethernets[b.uplink] = {"dhcp4": False, "dhcp6": False, **({"mtu": b.mtu} if b.mtu else {})}
            if b.promiscuous:
                files[f"etc/systemd/network/10-netplan-{b.uplink}.network.d/fgtha-promiscuous.conf"] = (
                    _ini([("Link", {"Promiscuous": True})]), PUBLIC)
    network: dict[str, object] = {"version": 2, "renderer": "networkd"}
    if ethernets:
        network["ethernets"] = ethernets
    network["bridges"] = netplan_bridges
    files["etc/netplan/60-fgtha-bridges.yaml"] = (yaml.safe_dump({"network": network}, sort_keys=False), PRIVATE)
    return files


def networkmanager(bridges: Sequence[BridgeConfig]) -> Files:
    """NetworkManager keyfiles (mode 0600, or NM ignores them): a bridge profile and a port profile per uplink."""
    files: Files = {}
    base = "etc/NetworkManager/system-connections"
    for b in bridges:
        files[f"{base}/fgtha-{b.name}.nmconnection"] = (_ini([
            ("connection", {"id": f"fgtha-{b.name}", "type": "bridge", "interface-name": b.name}),
            ("bridge", {"stp": "true" if b.stp else "false"}),
            ("ipv4", {"method": "disabled"}),
            ("ipv6", {"method": "disabled"}),
        ]), PRIVATE)
        if b.uplink:
            files[f"{base}/fgtha-{b.name}-{b.uplink}.nmconnection"] = (_ini([
                ("connection", {"id": f"fgtha-{b.name}-{b.uplink}", "type": "ethernet", "interface-name": b.uplink,
                                "master": b.name, "slave-type": "bridge"}),
                ("ethernet", {"mtu": b.mtu, "accept-all-mac-addresses": "true" if b.promiscuous else None}),
            ]), PRIVATE)
    return files


def ifupdown(bridges: Sequence[BridgeConfig]) -> Files:
    """ifupdown: one stanza file per bridge in /etc/network/interfaces.d (bridge_* options need bridge-utils)."""
    files: Files = {}
    for b in bridges:
        lines = [f"auto {b.name}", f"iface {b.name} inet manual", f"    bridge_ports {b.uplink or 'none'}",
                 f"    bridge_stp {'on' if b.stp else 'off'}"]
        if b.mtu:
            lines.append(f"    mtu {b.mtu}")
            if b.uplink:
                lines.append(f"    pre-up ip link set dev {b.uplink} mtu {b.mtu}")
        if b.uplink and b.promiscuous:
            lines.append(f"    up ip link set dev {b.uplink} promisc on")
        files[f"etc/network/interfaces.d/fgtha-{b.name}"] = ("\n".join(lines) + "\n", PUBLIC)
    return files
