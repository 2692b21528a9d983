"""A read of a namespace's links, addresses and main-table routes: what apply diffs against and restores."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property

AF_INET = 2
AF_INET6 = 10
IFF_UP = 0x1
IFF_PROMISC = 0x100
RT_TABLE_MAIN = 254
RTN_UNICAST = 1
RTPROT_KERNEL = 2
RT_SCOPE_LINK = 253
#: Prefix of the alias the helper writes on the bridges it manages (records the uplink and its prior state).
ALIAS_PREFIX = "fgtha:"


@dataclass(frozen=True)
class Link:
    """One network interface as the kernel reports it."""

    index: int
    name: str
    kind: str | None
    master: str | None
    up: bool
    promiscuous: bool
    mtu: int
    mac: str
    stp: bool
    alias: str


@dataclass(frozen=True)
class Address:
    """One address on one interface."""

    dev: str
    family: int
    cidr: str
    broadcast: str | None
    scope: int
    secondary: bool = False

    @property
    def movable(self) -> bool:
        """Global addresses move with a migration; link-local ones belong to their interface."""
        return self.scope != RT_SCOPE_LINK


@dataclass(frozen=True)
class Route:
    """One unicast route of the main table."""

    dev: str
    family: int
    dst: str  # CIDR, "default" for the default route
    gateway: str | None
    metric: int | None
    proto: int
    scope: int
    prefsrc: str | None

    @property
    def movable(self) -> bool:
        """Routes the kernel makes for an address come back by themselves; the others are moved."""
        return self.proto != RTPROT_KERNEL


@dataclass(frozen=True)
class Snapshot:
    """Every link, address and main-table route of one namespace at one moment."""

    links: dict[str, Link] = field(default_factory=dict)
    addresses: frozenset[Address] = frozenset()
    routes: frozenset[Route] = frozenset()

    def addresses_of(self, dev: str) -> list[Address]:
        """The addresses on ``dev`` in the order they can be added (IPv4 first, primaries before secondaries)."""
        return sorted((a for a in self.addresses if a.dev == dev), key=lambda a: (a.family, a.secondary, a.cidr))

    def routes_of(self, dev: str) -> list[Route]:
        """The main-table routes through ``dev``, gateways last (they need the connected routes first)."""
        return sorted((r for r in self.routes if r.dev == dev), key=lambda r: (r.gateway is not None, r.family, r.dst))

    def ports_of(self, bridge: str) -> tuple[str, ...]:
        """The interfaces enslaved to ``bridge``, by name."""
        return self._ports.get(bridge, ())

    @cached_property
    def _ports(self) -> dict[str, tuple[str, ...]]:
        """Every master's ports, sorted by name: found in one pass (a plan asks for each bridge's)."""
        ports: dict[str, list[str]] = {}
        for name, link in self.links.items():
            if link.master is not None:
                ports.setdefault(link.master, []).append(name)
        return {master: tuple(sorted(names)) for master, names in ports.items()}

    def has_address(self, dev: str, address: Address) -> bool:
        """True when ``dev`` carries ``address`` (same family and CIDR; flags may differ)."""
        return any(a.dev == dev and a.family == address.family and a.cidr == address.cidr for a in self.addresses)

    def has_route(self, dev: str, route: Route) -> bool:
        """True when a route to the same destination, through the same gateway and with the same metric, uses ``dev``."""
        key = (route.family, route.dst, route.gateway, route.metric)
        return any(r.dev == dev and (r.family, r.dst, r.gateway, r.metric) == key for r in self.routes)

    def only(self, devices: Collection[str]) -> Snapshot:
        """The part of this snapshot about ``devices`` (links, their addresses and routes)."""
        return Snapshot(
            {n: link for n, link in self.links.items() if n in devices},
            frozenset(a for a in self.addresses if a.dev in devices),
            frozenset(r for r in self.routes if r.dev in devices),
        )

    def comparable(self) -> tuple[object, ...]:
        """The parts that a rollback must restore exactly.

        Indexes of re-created links may differ, and IPv6 link-local addresses and
        their kernel routes come and go with carrier, so they are left out.
        """
        links = tuple(
            sorted(
                (n, l.kind, l.master, l.up, l.promiscuous, l.mtu, l.mac, l.stp, l.alias) for n, l in self.links.items()
            )
        )
        addresses = frozenset(a for a in self.addresses if a.movable or a.family != AF_INET6)
        routes = frozenset(r for r in self.routes if r.movable or r.family != AF_INET6)
        return links, addresses, routes
