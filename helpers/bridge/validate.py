"""The rules of a desired bridge that need no host: interface names, MTU range, what needs an uplink.

The bridge planner and the Terraform provider both apply them (the provider at
validate time, with values still unknown until apply skipped).
"""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Real

from ..spec.facts import MTU_MAX, MTU_MIN
from ..spec.names import ifname_problem
from .config import BridgeConfig


def problems(cfg: BridgeConfig) -> Iterator[tuple[str, str]]:
    """Each ``(field, message)`` wrong with ``cfg`` on its own.

    A field holding a value of another type than the dataclass declares (Terraform's
    "unknown until apply") is not checked.
    """
    for field in ("name", "uplink"):
        value = getattr(cfg, field)
        problem = ifname_problem(value) if isinstance(value, str) else None
        if problem:
            yield field, problem
    if isinstance(cfg.uplink, str) and cfg.uplink == cfg.name:
        yield "uplink", "the uplink cannot be the bridge itself"
    mtu = cfg.mtu
    if isinstance(mtu, Real) and not isinstance(mtu, bool) and (mtu != int(mtu) or not MTU_MIN <= mtu <= MTU_MAX):
        yield "mtu", f"{mtu} is not an MTU (a whole number from {MTU_MIN} to {MTU_MAX})"
    for flag in ("promiscuous", "migrate_addresses"):
        if getattr(cfg, flag) is True and cfg.uplink is None:
            yield flag, f"{flag} needs an uplink"
