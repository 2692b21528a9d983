"""Cross-field rules of a cluster spec: the seed's heartbeat rules and FortiOS forms.

Each rule is a generator of :class:`Problem`; :func:`check` runs them all so a
user sees every problem at once. Only :class:`fgtha.spec.model.ClusterSpec` calls this.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from .facts import (
    FGCP_MAX_MEMBERS,
    GROUP_NAME_MAX,
    LICENSED_VCPU_MAX,
    MAC_SPOOF_BLOCKING_NWFILTERS,
    MAX_VNICS,
    UNICAST_MEMBERS,
)
from .licence import license_file_problem
from .problems import Problem
from .reach import reach_problems

if TYPE_CHECKING:
    from .model import ClusterSpec, Unit

Rule = Callable[["ClusterSpec"], Iterator[Problem]]


def _warn(path: str, message: str) -> Problem:
    return Problem(path, message, "warning")


def _duplicates(names: list[str]) -> Iterator[tuple[int, int]]:
    """(later index, first index) for every repeated name."""
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            yield i, first[name]
        else:
            first[name] = i


def unique_names(spec: ClusterSpec) -> Iterator[Problem]:
    """Unit names, host names, and bridge names and uplinks per host are unique."""
    for i, j in _duplicates([u.name for u in spec.units]):
        yield Problem(f"units[{i}].name", f"{spec.units[i].name!r} is already the name of units[{j}]")
    for i, j in _duplicates([h.name for h in spec.hosts]):
        yield Problem(f"hosts[{i}].name", f"{spec.hosts[i].name!r} is already the name of hosts[{j}]")
    for h, host in enumerate(spec.hosts):
        for i, j in _duplicates([b.name for b in host.bridges]):
            yield Problem(f"hosts[{h}].bridges[{i}].name", f"bridge {host.bridges[i].name!r} is already bridges[{j}]")
        uplinks = [b.uplink or f"\0{k}" for k, b in enumerate(host.bridges)]
        for i, j in _duplicates(uplinks):
            yield Problem(
                f"hosts[{h}].bridges[{i}].uplink",
                f"{host.bridges[i].uplink!r} is already the uplink of bridges[{j}]; a NIC joins one bridge only",
            )
        for b, bridge in enumerate(host.bridges):
            if bridge.uplink == bridge.name:
                yield Problem(f"hosts[{h}].bridges[{b}].uplink", "the uplink cannot be the bridge itself")
            if bridge.migrate_addresses and bridge.uplink is None:
                yield Problem(f"hosts[{h}].bridges[{b}].migrate_addresses", "needs an uplink to take addresses from")


def group_name(spec: ClusterSpec) -> Iterator[Problem]:
    """The FGCP group-name, explicit or the cluster name by default, fits FortiOS's limit."""
    name = spec.cluster.name
    if spec.cluster.group_name is None and len(name) > GROUP_NAME_MAX:
        yield Problem(
            "cluster.name",
            f"is {len(name)} characters long and is also the default FGCP group-name, which has at most "
            f"{GROUP_NAME_MAX}: shorten cluster.name or set cluster.group_name",
        )


def hosts_reachable(spec: ClusterSpec) -> Iterator[Problem]:
    """Each host's shell is reachable one way, at most one host is this machine, no two share a target."""
    yield from reach_problems(spec.hosts)


def cluster_size(spec: ClusterSpec) -> Iterator[Problem]:
    """Two to four members; unicast heartbeat exactly two (seed)."""
    n = len(spec.units)
    if n < 2:
        yield Problem("units", f"an HA cluster needs at least two units, found {n}")
    if spec.cluster.heartbeat == "unicast" and n > UNICAST_MEMBERS:
        yield Problem(
            "units",
            f"unicast heartbeat supports exactly {UNICAST_MEMBERS} FortiGate-VMs, found {n}; "
            f"use heartbeat: broadcast for up to {FGCP_MAX_MEMBERS}",
        )
    elif n > FGCP_MAX_MEMBERS:
        yield Problem("units", f"an FGCP cluster has at most {FGCP_MAX_MEMBERS} members, found {n}")


def units_on_known_hosts(spec: ClusterSpec) -> Iterator[Problem]:
    """Every unit names a host of the spec."""
    known = [h.name for h in spec.hosts]
    for i, unit in enumerate(spec.units):
        if unit.host not in known:
            yield Problem(f"units[{i}].host", f"no host {unit.host!r} (hosts are: {', '.join(known) or 'none'})")


def port_order(spec: ClusterSpec) -> Iterator[Problem]:
    """Ports are port1..portN in NIC order, without gaps, within the vNIC limit."""
    if not spec.ports:
        yield Problem("ports", "at least one port is needed")
    if len(spec.ports) > MAX_VNICS:
        yield Problem("ports", f"{len(spec.ports)} ports exceed FortiGate-VM's {MAX_VNICS} vNICs on KVM")
    for i, port in enumerate(spec.ports):
        if port.port != f"port{i + 1}":
            yield Problem(
                f"ports[{i}].port",
                f"expected 'port{i + 1}', found {port.port!r}: list ports in NIC order port1..portN without gaps",
            )


def bridges_exist(spec: ClusterSpec) -> Iterator[Problem]:
    """Every port's bridge exists on the host of every unit."""
    hosts = {h.name: h for h in spec.hosts}
    for i, port in enumerate(spec.ports):
        if port.bridge is None:
            continue
        for u, unit in enumerate(spec.units):
            host = hosts.get(unit.host)
            if host is not None and host.bridge(port.bridge) is None:
                yield Problem(
                    f"ports[{i}].bridge",
                    f"bridge {port.bridge!r} is not defined on host {host.name!r} (where units[{u}] runs)",
                )


def heartbeat_ports(spec: ClusterSpec) -> Iterator[Problem]:
    """At least one heartbeat port (two recommended); one HA management port at most, not a heartbeat port."""
    hb = spec.heartbeat_ports
    if not hb:
        yield Problem("ports", "no port has heartbeat: true; FGCP needs at least one heartbeat interface")
    elif len(hb) == 1:
        yield _warn(
            "ports", f"only {hb[0].port} carries heartbeat; two heartbeat ports avoid a split brain on one link failure"
        )
    mgmt = [i for i, p in enumerate(spec.ports) if p.ha_mgmt]
    if not mgmt:
        yield Problem(
            "ports",
            "no port has ha_mgmt: true; each unit's mgmt_ip stays its own only on the reserved HA management "
            "interface (FGCP synchronizes every other interface from the primary)",
        )
    for i in mgmt[1:]:
        yield Problem(f"ports[{i}].ha_mgmt", f"only one HA management port is allowed; ports[{mgmt[0]}] is already one")
    for i in mgmt:
        if spec.ports[i].heartbeat:
            yield Problem(f"ports[{i}].ha_mgmt", "the HA management port cannot also be a heartbeat port")


def monitored_ports(spec: ClusterSpec) -> Iterator[Problem]:
    """Monitored interfaces are data ports of the spec, each listed once."""
    names = {p.port: p for p in spec.ports}
    seen: set[str] = set()
    for i, name in enumerate(spec.cluster.monitor):
        path = f"cluster.monitor[{i}]"
        port = names.get(name)
        if port is None:
            yield Problem(path, f"{name!r} is not a port of the spec")
        elif port.heartbeat:
            yield Problem(
                path, f"{name} is a heartbeat port; monitoring it makes a heartbeat failure also a failover trigger"
            )
        elif port.ha_mgmt:
            yield Problem(path, f"{name} is the HA management port, which FGCP does not monitor")
        if name in seen:
            yield Problem(path, f"{name} is listed twice")
        seen.add(name)


def _network_of(path: str, iface: ipaddress.IPv4Interface) -> Iterator[Problem]:
    net = iface.network
    if net.prefixlen < 31 and iface.ip in (net.network_address, net.broadcast_address):
        yield Problem(path, f"{iface.ip} is the network or broadcast address of {net}")


def management(spec: ClusterSpec) -> Iterator[Problem]:
    """Management addresses are usable, distinct, and gateways are on-link."""
    seen: dict[ipaddress.IPv4Address, int] = {}
    for i, unit in enumerate(spec.units):
        path = f"units[{i}].mgmt_ip"
        yield from _network_of(path, unit.mgmt_ip)
        if unit.mgmt_ip.ip in seen:
            yield Problem(path, f"{unit.mgmt_ip.ip} is already the mgmt_ip of units[{seen[unit.mgmt_ip.ip]}]")
        seen.setdefault(unit.mgmt_ip.ip, i)
        gw = unit.mgmt_gateway
        if gw is not None and (gw not in unit.mgmt_ip.network or gw == unit.mgmt_ip.ip):
            yield Problem(f"units[{i}].mgmt_gateway", f"{gw} is not another address in {unit.mgmt_ip.network}")


def unicast_heartbeat(spec: ClusterSpec) -> Iterator[Problem]:
    """Seed: unicast heartbeat IPs on every unit, different, on one network."""
    if spec.cluster.heartbeat != "unicast":
        return
    first: tuple[int, Unit] | None = None
    for i, unit in enumerate(spec.units):
        path = f"units[{i}].heartbeat_ip"
        hb = unit.heartbeat_ip
        if hb is None:
            yield Problem(path, "required with unicast heartbeat (the peer's unicast-hb-peerip points at it)")
            continue
        yield from _network_of(path, hb)
        if hb.network.overlaps(unit.mgmt_ip.network):
            yield Problem(
                path,
                f"{hb} overlaps the management network {unit.mgmt_ip.network}; FortiOS refuses overlapping interface subnets",
            )
        if hb.ip.is_link_local:
            yield Problem(path, f"{hb.ip} is link-local; FGCP uses 169.254.0.0/26 for its own heartbeat addresses")
        if first is None:
            first = (i, unit)
            continue
        j, ref = first
        assert ref.heartbeat_ip is not None
        if hb.ip == ref.heartbeat_ip.ip:
            yield Problem(path, f"{hb.ip} is already the heartbeat_ip of units[{j}]")
        elif hb.network != ref.heartbeat_ip.network:
            yield Problem(path, f"{hb.ip} is not in {ref.heartbeat_ip.network}, the network of units[{j}].heartbeat_ip")


def broadcast_heartbeat(spec: ClusterSpec) -> Iterator[Problem]:
    """Seed: no heartbeat IPs; promiscuous uplinks; nothing blocks MAC spoofing on FortiGate ports."""
    if spec.cluster.heartbeat != "broadcast":
        return
    for i, unit in enumerate(spec.units):
        if unit.heartbeat_ip is not None:
            yield Problem(
                f"units[{i}].heartbeat_ip",
                "not used with broadcast heartbeat: FGCP assigns link-local 169.254.0.x addresses itself; remove it",
            )
    used = spec.port_bridges
    for h, host in enumerate(spec.hosts):
        for b, bridge in enumerate(host.bridges):
            if bridge.name in used and bridge.uplink and bridge.promiscuous is False:
                yield Problem(
                    f"hosts[{h}].bridges[{b}].promiscuous",
                    f"broadcast heartbeat needs {bridge.uplink} in promiscuous mode: FGCP virtual MACs on "
                    f"{bridge.name} must reach the VMs; remove 'promiscuous: false' (it is derived)",
                )
    for i, port in enumerate(spec.ports):
        if port.nwfilter in MAC_SPOOF_BLOCKING_NWFILTERS:
            yield Problem(
                f"ports[{i}].nwfilter",
                f"{port.nwfilter!r} drops frames from FGCP virtual MACs; broadcast heartbeat needs MAC spoofing "
                "allowed on FortiGate ports",
            )


def hosts_are_linked(spec: ClusterSpec) -> Iterator[Problem]:
    """Units on different hosts reach each other: heartbeat bridges need an uplink on every such host."""
    hosts = {h.name: (k, h) for k, h in enumerate(spec.hosts)}
    used = [hosts[u.host] for u in spec.units if u.host in hosts]
    if len({h.name for _, h in used}) < 2:
        return
    for port in spec.ports:
        if port.bridge is None:
            continue
        for k, host in dict(used).items():
            bridge = host.bridge(port.bridge)
            if bridge is None or bridge.uplink:
                continue
            b = host.bridges.index(bridge)
            msg = f"{port.port} joins units on several hosts, so {bridge.name} on {host.name} needs an uplink to reach them"
            if port.heartbeat:
                yield Problem(f"hosts[{k}].bridges[{b}].uplink", f"heartbeat port {msg}")
            else:
                yield _warn(f"hosts[{k}].bridges[{b}].uplink", f"data port {msg}")


def priorities(spec: ClusterSpec) -> Iterator[Problem]:
    """Distinct priorities make the intended primary explicit."""
    for i, j in _duplicates([str(u.priority) for u in spec.units]):
        yield _warn(
            f"units[{i}].priority",
            f"same priority as units[{j}]; the primary is then chosen by uptime and serial number",
        )


def vcpu_licences(spec: ClusterSpec) -> Iterator[Problem]:
    """More vCPUs than the largest per-vCPU licence needs an unlimited licence."""
    for i, unit in enumerate(spec.units):
        if unit.vcpu > LICENSED_VCPU_MAX:
            yield _warn(
                f"units[{i}].vcpu",
                f"{unit.vcpu} vCPU need an unlimited (VM-UL) licence; FortiGate-VM licences stop at {LICENSED_VCPU_MAX}",
            )


def licences(spec: ClusterSpec) -> Iterator[Problem]:
    """Licence files stay in the spec's folder and are small regular UTF-8 files; a missing one is a warning."""
    for i, unit in enumerate(spec.units):
        if unit.license_file is None:
            continue
        found = license_file_problem(spec.source_dir, unit.license_file)
        if found is not None:
            is_error, message = found
            yield (
                Problem(f"units[{i}].license_file", message) if is_error else _warn(f"units[{i}].license_file", message)
            )


def api_admin(spec: ClusterSpec) -> Iterator[Problem]:
    """The REST API administrator is created only with a key: say so when ``api_admin`` is given without one."""
    if "api_admin" in spec.model_fields_set and spec.secrets.api_key is None:
        yield _warn("api_admin", "has no effect without secrets.api_key (no REST API administrator is created)")


RULES: tuple[Rule, ...] = (
    group_name,
    unique_names,
    hosts_reachable,
    cluster_size,
    units_on_known_hosts,
    port_order,
    bridges_exist,
    heartbeat_ports,
    monitored_ports,
    management,
    unicast_heartbeat,
    broadcast_heartbeat,
    hosts_are_linked,
    priorities,
    vcpu_licences,
    licences,
    api_admin,
)


def check(spec: ClusterSpec) -> list[Problem]:
    """Run every rule; return errors and warnings in rule order."""
    return [problem for rule in RULES for problem in rule(spec)]
