"""What every persistence format shares: the files it writes, the addressing a bridge takes over, INI text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config import BridgeConfig
from ..snapshot import Address, Route, Snapshot

Files = dict[str, tuple[str, int]]
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
        routes = {
            (r.family, r.dst, r.gateway, r.metric): r for dev in devs for r in snapshot.routes_of(dev) if r.movable
        }
        uplink = snapshot.links.get(b.uplink)
        found[b.name] = Addressing(tuple(addresses.values()), tuple(routes.values()), uplink.mac if uplink else None)
    return found


def ini(sections: list[tuple[str, dict[str, object]]]) -> str:
    """INI text; a list value repeats its key (networkd ``Address=``); None leaves a key, or a section of Nones, out."""
    out = []
    for name, values in sections:
        if all(v is None for v in values.values()):
            continue
        out.append(f"[{name}]")
        for key, value in values.items():
            out += [f"{key}={ini_value(v)}" for v in (value if isinstance(value, list) else [value]) if v is not None]
        out.append("")
    return "\n".join(out)


def ini_value(v: object) -> str:
    return ("yes" if v else "no") if isinstance(v, bool) else str(v)


def is_default(route: Route) -> bool:
    return route.dst == "default"
