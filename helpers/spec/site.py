"""Rules across the clusters of one site: unique cluster names, and one group-id per L2 segment.

FGCP derives its virtual MACs from the group-id (``docs/fortios-facts.md``): two clusters with one group-id
on one L2 segment answer with the same MACs. A segment, as far as specs can tell, is a bridge of a host, or
a host NIC (a bridge's uplink, a macvtap parent) — a host is named by its ``name``, so two specs that call a
machine ``kvm1`` mean the same machine. A port reserved for HA management (``ha_mgmt``) keeps its own MAC
and is left out. Segments joined outside the hosts (two uplinks on one switch VLAN) cannot be seen here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .model import ClusterSpec
from .problems import Problem


def segments(spec: ClusterSpec) -> frozenset[str]:
    """The L2 segments the cluster's virtual MACs appear on, as ``host bridge NAME`` / ``host NIC NAME``."""
    found: set[str] = set()
    for unit in spec.units:
        host = spec.host(unit.host)
        for port in spec.ports:
            if port.ha_mgmt:
                continue
            if port.macvtap:
                found.add(f"{host.name} NIC {port.macvtap}")
            elif port.bridge:
                found.add(f"{host.name} bridge {port.bridge}")
                bridge = host.bridge(port.bridge)
                if bridge is not None and bridge.uplink:
                    found.add(f"{host.name} NIC {bridge.uplink}")
    return frozenset(found)


def site_problems(specs: Mapping[str, ClusterSpec]) -> Iterator[tuple[str, Problem]]:
    """``(spec path, problem)`` for each clash between valid specs (keyed by path, in order)."""
    seen: dict[str, str] = {}
    items = list(specs.items())
    for path, spec in items:
        name = spec.cluster.name
        if name in seen:
            yield (
                path,
                Problem("cluster.name", f"{name!r} is also the cluster of {seen[name]}: stack names would clash"),
            )
        else:
            seen[name] = path
    for i, (path, spec) in enumerate(items):
        for other_path, other in items[:i]:
            if spec.cluster.group_id != other.cluster.group_id:
                continue
            shared = sorted(segments(spec) & segments(other))
            if shared:
                yield (
                    path,
                    Problem(
                        "cluster.group_id",
                        f"group-id {spec.cluster.group_id} is also used by {other.cluster.name} ({other_path}) "
                        f"on {', '.join(shared)}: the FGCP virtual MACs would collide; choose another group_id",
                    ),
                )
