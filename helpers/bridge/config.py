"""Desired and observed state of a host bridge, and the one error the bridge helper raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..spec.model import ClusterSpec


@dataclass(frozen=True)
class BridgeConfig:
    """The desired state of one bridge."""

    name: str
    uplink: str | None = None
    promiscuous: bool = False
    stp: bool = False
    mtu: int | None = None  # None: leave it as the kernel and the uplink decide
    migrate_addresses: bool = False


@dataclass(frozen=True)
class BridgeState:
    """What is really there for one bridge."""

    name: str
    uplink: str | None  # the managed uplink, when it is enslaved to this bridge
    ports: tuple[str, ...]  # every enslaved interface, taps included
    promiscuous: bool  # the uplink's user-set IFF_PROMISC flag (False without an uplink)
    stp: bool
    mtu: int
    mac: str
    addresses: tuple[str, ...]  # CIDR strings on the bridge


class BridgeError(Exception):
    """A bridge could not be planned or applied; the message names the bridge and the field.

    ``rolled_back`` is True when changes had been made and were undone, so the
    host is exactly as it was before the apply. ``field`` names the
    :class:`BridgeConfig` field at fault when the problem is in the request.
    """

    def __init__(self, message: str, *, rolled_back: bool = False, field: str | None = None) -> None:
        super().__init__(message)
        self.rolled_back = rolled_back
        self.field = field


def bridges_for_host(spec: ClusterSpec, host_name: str) -> list[BridgeConfig]:
    """The desired bridges of one host of a validated spec (promiscuity as the model derives it).

    ``KeyError`` naming the known hosts when the spec has no such host.
    """
    host = spec.host(host_name)
    return [
        BridgeConfig(
            name=b.name,
            uplink=b.uplink,
            promiscuous=spec.bridge_promiscuous(host, b),
            stp=b.stp,
            mtu=b.mtu,
            migrate_addresses=b.migrate_addresses,
        )
        for b in host.bridges
    ]
