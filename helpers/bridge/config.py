"""Desired and observed state of a host bridge, and the one error the bridge helper raises."""

from __future__ import annotations

from collections.abc import Sequence
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


@dataclass(frozen=True)
class BridgeProblem:
    """One thing wrong with the request for one bridge; ``field`` names the :class:`BridgeConfig` field at fault."""

    bridge: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return f"bridge {self.bridge}: {self.message}"


class BridgeError(Exception):
    """A bridge could not be planned or applied; the message names the bridge and the field.

    ``rolled_back`` is True when changes had been made and were undone, so the
    host is exactly as it was before the apply. ``field`` names the
    :class:`BridgeConfig` field at fault when the problem is in the request.
    ``problems`` lists every problem of the request when it was refused (the
    message then has one line each; ``field`` is the first one's).
    """

    def __init__(
        self,
        message: str,
        *,
        rolled_back: bool = False,
        field: str | None = None,
        problems: tuple[BridgeProblem, ...] = (),
    ) -> None:
        super().__init__(message)
        self.rolled_back = rolled_back
        self.field = field
        self.problems = problems

    @classmethod
    def refusing(cls, problems: Sequence[BridgeProblem]) -> BridgeError:
        """The error that refuses a request for all of ``problems`` (at least one)."""
        return cls("\n".join(map(str, problems)), field=problems[0].field, problems=tuple(problems))


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
