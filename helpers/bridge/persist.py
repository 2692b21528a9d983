"""Make bridges survive a reboot: configuration files for netplan, NetworkManager, ifupdown or systemd-networkd.

:func:`render` is a pure function of the desired bridges and the host's addressing
(:func:`observed_addressing`, read from a :class:`~.snapshot.Snapshot`); it returns
``{path relative to the root: (text, mode)}`` and :func:`write_files` writes them
atomically under a root folder. A bridge with ``migrate_addresses`` carries the
addresses, routes and MAC address that the migration gives it; its uplink carries
none. Promiscuous mode: networkd ``[Link] Promiscuous=yes``; NetworkManager
``ethernet.accept-all-mac-addresses=1``; ifupdown an ``up ip link set dev X promisc on``
line; netplan has no key for it, so a drop-in for the ``.network`` file that netplan
generates for the uplink (``10-netplan-<uplink>.network.d``) carries it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..atomicfile import atomic_write
from .config import BridgeConfig
from .snapshot import AF_INET, AF_INET6, Address, Route, Snapshot

Files = dict[str, tuple[str, int]]
FORMATS = ("netplan", "networkmanager", "ifupdown", "networkd")
PRIVATE, PUBLIC = 0o600, 0o644


@dataclass(frozen=True)
class Addressing:
    """The layer-3 configuration a bridge takes over from its uplink."""

    addresses: tuple[Address, ...] = ()
    routes: tuple[Route, ...] = ()
    mac: str | None = None  # the uplink's MAC address, which the bridge keeps

    def of_family(self, family: int) -> tuple[list[str], list[Route]]:
        """The addresses (CIDR) and routes of one address family."""
        return [a.cidr for a in self.addresses if a.family == family], [r for r in self.routes if r.family == family]


NO_ADDRESSING = Addressing()


def observed_addressing(snapshot: Snapshot, bridges: Sequence[BridgeConfig]) -> dict[str, Addressing]:
    """The addresses, routes and MAC of each migrating bridge, wherever they are now (uplink or bridge).

    Link-local addresses and kernel routes are left out: they come back by themselves.
    """
    found = {}
    for b in bridges:
        if not (b.migrate_addresses and b.uplink):
            continue
        devs = (b.name, b.uplink)
        addresses = {a.cidr: a for dev in devs for a in snapshot.addresses_of(dev) if a.movable}
        routes = {(r.family, r.dst, r.gateway, r.metric): r for dev in devs for r in snapshot.routes_of(dev) if r.movable}
        uplink = snapshot.links.get(b.uplink)
        found[b.name] = Addressing(tuple(addresses.values()), tuple(routes.values()), uplink.mac if uplink else None)
    return found


def detect_format(root: Path) -> str:
    """The network configuration system of the host under ``root``; ValueError when none is recognised."""
    if any((root / "etc/netplan").glob("*.yaml")):  # the folder alone only says the package is installed
        return "netplan"
    if (root / "run/NetworkManager").is_dir() or (root / "etc/NetworkManager/system-connections").is_dir():
        return "networkmanager"
    if (root / "run/systemd/netif").is_dir():
        return "networkd"
    if (root / "etc/network/interfaces").is_file():
        return "ifupdown"
    raise ValueError(f"cannot tell how {root} configures its network; pass --format ({', '.join(FORMATS)})")


Renderer = Callable[[Sequence[BridgeConfig], Mapping[str, Addressing]], Files]


def render(fmt: str, bridges: Sequence[BridgeConfig], addressing: Mapping[str, Addressing] | None = None) -> Files:
    """The files that configure ``bridges`` (with the ``addressing`` of migrating ones, by bridge name) in ``fmt``."""
    renderers: dict[str, Renderer] = {
        "netplan": netplan, "networkmanager": networkmanager, "ifupdown": ifupdown, "networkd": networkd,
    }
    if fmt not in renderers:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    return renderers[fmt](bridges, addressing or {})


def write_files(root: Path, files: Files) -> list[Path]:
    """Write every file under ``root`` atomically with its mode; return the paths written."""
    written = []
    for rel, (text, mode) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode(), mode)
        written.append(path)
    return written


def _ini(sections: list[tuple[str, dict[str, object]]]) -> str:
    """INI text; a list value repeats its key (networkd ``Address=``); None leaves a key, or a section of Nones, out."""
    out = []
    for name, values in sections:
        if all(v is None for v in values.values()):
            continue
        out.append(f"[{name}]")
        for key, value in values.items():
            out += [f"{key}={_ini_value(v)}" for v in (value if isinstance(value, list) else [value]) if v is not None]
        out.append("")
    return "\n".join(out)


def _ini_value(v: object) -> str:
    return ("yes" if v else "no") if isinstance(v, bool) else str(v)


def _default(route: Route) -> bool:
    return route.dst == "default"


def _networkd_route(r: Route) -> tuple[str, dict[str, object]]:
    return "Route", {"Destination": None if _default(r) else r.dst, "Gateway": r.gateway,
                     "Metric": r.metric, "Scope": None if r.gateway else "link"}


def networkd(bridges: Sequence[BridgeConfig], addressing: Mapping[str, Addressing]) -> Files:
    """systemd-networkd: a .netdev and a .network per bridge, a .network per uplink."""
    files: Files = {}
    base = "etc/systemd/network"
    for b in bridges:
        l3 = addressing.get(b.name, NO_ADDRESSING)
        files[f"{base}/60-fgtha-{b.name}.netdev"] = (_ini([
            ("NetDev", {"Name": b.name, "Kind": "bridge", "MTUBytes": b.mtu, "MACAddress": l3.mac}),
            ("Bridge", {"STP": b.stp}),
        ]), PUBLIC)
        files[f"{base}/60-fgtha-{b.name}.network"] = (_ini([
            ("Match", {"Name": b.name}),
            ("Network", {"Address": [a.cidr for a in l3.addresses],
                         "LinkLocalAddressing": None if l3.addresses else "no", "ConfigureWithoutCarrier": True}),
            *map(_networkd_route, l3.routes),
        ]), PUBLIC)
        if b.uplink:
            files[f"{base}/60-fgtha-{b.uplink}.network"] = (_ini([
                ("Match", {"Name": b.uplink}),
                ("Link", {"MTUBytes": b.mtu, "Promiscuous": b.promiscuous or None}),
                ("Network", {"Bridge": b.name}),
            ]), PUBLIC)
    return files


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
        entry: dict[str, object] = {"interfaces": [b.uplink] if b.uplink else [], "parameters": {"stp": b.stp},
                                    "dhcp4": False, "dhcp6": False}
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
                    _ini([("Link", {"Promiscuous": True})]), PUBLIC)
    network: dict[str, object] = {"version": 2, "renderer": "networkd"}
    if ethernets:
        network["ethernets"] = ethernets
    network["bridges"] = netplan_bridges
    files["etc/netplan/60-fgtha-bridges.yaml"] = (yaml.safe_dump({"network": network}, sort_keys=False), PRIVATE)
    return files


def _nm_ip(family: int, l3: Addressing) -> dict[str, object]:
    """An NM ``[ipv4]``/``[ipv6]`` section: manual addresses and routes, or none (link-local kept for v6 hosts)."""
    addresses, routes = l3.of_family(family)
    if not addresses:
        return {"method": "link-local" if family == AF_INET6 and l3.addresses else "disabled"}
    section: dict[str, object] = {"method": "manual"}
    section |= {f"address{i}": cidr for i, cidr in enumerate(addresses, 1)}
    default = next((r for r in routes if _default(r)), None)
    if default is not None:
        section |= {"gateway": default.gateway, "route-metric": default.metric}
    no_gateway = "0.0.0.0" if family == AF_INET else "::"
    others = [r for r in routes if not _default(r)]
    section |= {f"route{i}": ",".join(str(p) for p in (r.dst, r.gateway or no_gateway, r.metric) if p is not None)
                for i, r in enumerate(others, 1)}
    return section


def networkmanager(bridges: Sequence[BridgeConfig], addressing: Mapping[str, Addressing]) -> Files:
    """NetworkManager keyfiles (mode 0600, or NM ignores them): a bridge profile and a port profile per uplink.

    The bridge's MTU and MAC go in its own ``[ethernet]`` section (NM's bridge device reads the wired
    setting, as ``nmcli ... type bridge ethernet.mtu N`` writes it); ``accept-all-mac-addresses`` is a
    ternary written as ``1`` (NM 1.42 silently drops ``true``); ``master=``/``slave-type=`` are read by
    every NM, ``controller=``/``port-type=`` only by newer ones.
    """
    files: Files = {}
    base = "etc/NetworkManager/system-connections"
    for b in bridges:
        l3 = addressing.get(b.name, NO_ADDRESSING)
        files[f"{base}/fgtha-{b.name}.nmconnection"] = (_ini([
            ("connection", {"id": f"fgtha-{b.name}", "type": "bridge", "interface-name": b.name}),
            ("ethernet", {"mtu": b.mtu, "cloned-mac-address": l3.mac}),
            ("bridge", {"stp": "true" if b.stp else "false"}),
            ("ipv4", _nm_ip(AF_INET, l3)),
            ("ipv6", _nm_ip(AF_INET6, l3)),
        ]), PRIVATE)
        if b.uplink:
            files[f"{base}/fgtha-{b.name}-{b.uplink}.nmconnection"] = (_ini([
                ("connection", {"id": f"fgtha-{b.name}-{b.uplink}", "type": "ethernet", "interface-name": b.uplink,
                                "master": b.name, "slave-type": "bridge"}),
                ("ethernet", {"mtu": b.mtu, "accept-all-mac-addresses": 1 if b.promiscuous else None}),
            ]), PRIVATE)
    return files


def _ifupdown_route(b: BridgeConfig, r: Route) -> str:
    via = f" via {r.gateway}" if r.gateway else ""
    metric = f" metric {r.metric}" if r.metric is not None else ""
    return f"    up ip {'-6 ' if r.family == AF_INET6 else ''}route add {r.dst}{via}{metric} dev {b.name}"


def ifupdown(bridges: Sequence[BridgeConfig], addressing: Mapping[str, Addressing]) -> Files:
    """ifupdown: one file per bridge in /etc/network/interfaces.d (bridge_* options need bridge-utils).

    The first stanza holds the bridge options; each address gets a stanza of its own (ifupdown
    allows several per interface and family), and a family's routes are ``up ip route add``
    lines on the last stanza of that family, once all its addresses are there.
    """
    files: Files = {}
    for b in bridges:
        l3 = addressing.get(b.name, NO_ADDRESSING)
        stanzas: list[tuple[int, str | None]] = [(fam, cidr) for fam in (AF_INET, AF_INET6) for cidr in l3.of_family(fam)[0]] or [(AF_INET, None)]
        lines = [f"auto {b.name}"]
        for n, (family, cidr) in enumerate(stanzas):
            lines.append(f"iface {b.name} {'inet6' if family == AF_INET6 else 'inet'} {'static' if cidr else 'manual'}")
            if cidr:
                lines.append(f"    address {cidr}")
            if n == 0:
                lines += _ifupdown_bridge_options(b, l3)
            if n == len(stanzas) - 1 or stanzas[n + 1][0] != family:
                lines += [_ifupdown_route(b, r) for r in l3.of_family(family)[1]]
        files[f"etc/network/interfaces.d/fgtha-{b.name}"] = ("\n".join(lines) + "\n", PUBLIC)
    return files


def _ifupdown_bridge_options(b: BridgeConfig, l3: Addressing) -> list[str]:
    lines = [f"    bridge_ports {b.uplink or 'none'}", f"    bridge_stp {'on' if b.stp else 'off'}"]
    if l3.mac:
        lines.append(f"    hwaddress {l3.mac}")
    if b.mtu:
        lines.append(f"    mtu {b.mtu}")
        if b.uplink:
            lines.append(f"    pre-up ip link set dev {b.uplink} mtu {b.mtu}")
    if b.uplink and b.promiscuous:
        lines.append(f"    up ip link set dev {b.uplink} promisc on")
    return lines
