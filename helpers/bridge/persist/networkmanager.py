"""NetworkManager keyfiles: a bridge profile and a port profile per uplink."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config import BridgeConfig
from ..snapshot import AF_INET, AF_INET6
from .base import NO_ADDRESSING, PRIVATE, Addressing, Files, ini, is_default


def _nm_ip(family: int, l3: Addressing) -> dict[str, object]:
    """An NM ``[ipv4]``/``[ipv6]`` section: manual addresses and routes, or none (link-local kept for v6 hosts)."""
    addresses, routes = l3.of_family(family)
    if not addresses:
        return {"method": "link-local" if family == AF_INET6 and l3.addresses else "disabled"}
    section: dict[str, object] = {"method": "manual"}
    section |= {f"address{i}": cidr for i, cidr in enumerate(addresses, 1)}
    default = next((r for r in routes if is_default(r)), None)
    if default is not None:
        section |= {"gateway": default.gateway, "route-metric": default.metric}
    no_gateway = "0.0.0.0" if family == AF_INET else "::"
    others = [r for r in routes if not is_default(r)]
    section |= {
        f"route{i}": ",".join(str(p) for p in (r.dst, r.gateway or no_gateway, r.metric) if p is not None)
        for i, r in enumerate(others, 1)
    }
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
        files[f"{base}/fgtha-{b.name}.nmconnection"] = (
            ini(
                [
                    ("connection", {"id": f"fgtha-{b.name}", "type": "bridge", "interface-name": b.name}),
                    ("ethernet", {"mtu": b.mtu, "cloned-mac-address": l3.mac}),
                    ("bridge", {"stp": "true" if b.stp else "false"}),
                    ("ipv4", _nm_ip(AF_INET, l3)),
                    ("ipv6", _nm_ip(AF_INET6, l3)),
                ]
            ),
            PRIVATE,
        )
        if b.uplink:
            files[f"{base}/fgtha-{b.name}-{b.uplink}.nmconnection"] = (
                ini(
                    [
                        (
                            "connection",
                            {
                                "id": f"fgtha-{b.name}-{b.uplink}",
                                "type": "ethernet",
                                "interface-name": b.uplink,
                                "master": b.name,
                                "slave-type": "bridge",
                            },
                        ),
                        ("ethernet", {"mtu": b.mtu, "accept-all-mac-addresses": 1 if b.promiscuous else None}),
                    ]
                ),
                PRIVATE,
            )
    return files
