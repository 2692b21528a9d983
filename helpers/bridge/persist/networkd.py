"""systemd-networkd: .netdev and .network files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config import BridgeConfig
from ..snapshot import Route
from .base import NO_ADDRESSING, PUBLIC, Addressing, Files, ini, is_default


def _networkd_route(r: Route) -> tuple[str, dict[str, object]]:
    return "Route", {
        "Destination": None if is_default(r) else r.dst,
        "Gateway": r.gateway,
        "Metric": r.metric,
        "Scope": None if r.gateway else "link",
    }


def networkd(bridges: Sequence[BridgeConfig], addressing: Mapping[str, Addressing]) -> Files:
    """systemd-networkd: a .netdev and a .network per bridge, a .network per uplink."""
    files: Files = {}
    base = "etc/systemd/network"
    for b in bridges:
        l3 = addressing.get(b.name, NO_ADDRESSING)
        files[f"{base}/60-fgtha-{b.name}.netdev"] = (
            ini(
                [
                    ("NetDev", {"Name": b.name, "Kind": "bridge", "MTUBytes": b.mtu, "MACAddress": l3.mac}),
                    ("Bridge", {"STP": b.stp}),
                ]
            ),
            PUBLIC,
        )
        files[f"{base}/60-fgtha-{b.name}.network"] = (
            ini(
                [
                    ("Match", {"Name": b.name}),
                    (
                        "Network",
                        {
                            "Address": [a.cidr for a in l3.addresses],
                            "LinkLocalAddressing": None if l3.addresses else "no",
                            "ConfigureWithoutCarrier": True,
                        },
                    ),
                    *map(_networkd_route, l3.routes),
                ]
            ),
            PUBLIC,
        )
        if b.uplink:
            files[f"{base}/60-fgtha-{b.uplink}.network"] = (
                ini(
                    [
                        ("Match", {"Name": b.uplink}),
                        ("Link", {"MTUBytes": b.mtu, "Promiscuous": b.promiscuous or None}),
                        ("Network", {"Bridge": b.name}),
                    ]
                ),
                PUBLIC,
            )
    return files
