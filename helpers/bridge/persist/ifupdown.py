"""ifupdown: one stanza file per bridge in /etc/network/interfaces.d."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config import BridgeConfig
from ..snapshot import AF_INET, AF_INET6, Route
from .base import NO_ADDRESSING, PUBLIC, Addressing, Files


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
        stanzas: list[tuple[int, str | None]] = [
            (fam, cidr) for fam in (AF_INET, AF_INET6) for cidr in l3.of_family(fam)[0]
        ] or [(AF_INET, None)]
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
