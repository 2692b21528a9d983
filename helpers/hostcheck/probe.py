"""`fgtha host probe`: do the units' hosts pass FGCP frames to each other? Plan the frames, run, find where they stop.

For every unit and every probed port (heartbeat ports; in broadcast mode also the
data ports) a temporary port on the unit's host joins the port's bridge and plays
the unit's NIC. It sends, broadcast: a control frame (the unit's own MAC, EtherType
0x88b5), the same from the cluster's virtual MAC, and FGCP frames (EtherTypes
0x8890, 0x8891, 0x8893, virtual MAC) on heartbeat ports; for unicast heartbeat
also an ARP request and a UDP datagram (port 703) between the units' heartbeat
addresses. Every other unit's port listens, and so does every bridge's uplink, so
a lost frame is placed: in the sender's host, between the hosts (the switch), or
in the receiver's host. A loss inside a host is explained with the packet-filter
findings of :mod:`fgtha.hostcheck.check`; a loss between hosts by its pattern
(only one EtherType, only the virtual MAC, everything).

Each host's part is :func:`fgtha.hostcheck.probe_host.probe_host` (plain data in
and out); the hosts' parts run at the same time, one thread each: on this machine,
in the network namespace mapped to the host, or on the host over SSH (the
operation ``probe.host`` of the host transport, :mod:`fgtha.remote`).
"""

from __future__ import annotations

import secrets
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, Literal

from ..spec.model import ClusterSpec, Port, Unit
from ..spec.problems import Problem, SpecError
from ..spec.reach import SshReach
from . import frames
from .check import Finding, netfilter_findings, nwfilter_finding
from .probe_host import probe_host

Status = Literal["ok", "fail", "warn", "not checked"]
FGCP_KINDS = {"0x8890": 0x8890, "0x8891": 0x8891, "0x8893": 0x8893}


@dataclass(frozen=True)
class Place:
    """Where a host's part runs: this machine, one of its namespaces (``netns``), or a host over SSH (``reach``)."""

    netns: str | None = None
    reach: SshReach | None = None

    def __str__(self) -> str:
        return f"namespace {self.netns}" if self.netns else str(self.reach) if self.reach else "this machine"


@dataclass(frozen=True)
class FrameResult:
    """One kind of frame on one path: did it arrive, and if not, where it was lost."""

    kind: str
    source_mac: str
    needed: bool
    arrived: bool
    lost_at: str | None = None


@dataclass(frozen=True)
class PathResult:
    """One port from one unit's host to another unit's host."""

    port: str
    role: str
    bridge: str
    from_unit: str
    from_host: str
    to_unit: str
    to_host: str
    status: Status
    frames: tuple[FrameResult, ...]
    symptom: str = ""
    cause: str = ""


@dataclass(frozen=True)
class HostResult:
    """What happened on one host: a set-up error, ports that could not be removed, what the probe cannot test."""

    host: str
    place: str
    error: str | None = None
    left_behind: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProbeReport:
    """Every path of the probe; ok when every needed frame arrived and every temporary port was removed."""

    cluster: str
    heartbeat: str
    paths: tuple[PathResult, ...]
    hosts: tuple[HostResult, ...]

    @property
    def ok(self) -> bool:
        """True when no path failed or went unchecked and no host had an error or leftovers."""
        return all(p.status in ("ok", "warn") for p in self.paths) and not any(
            h.error or h.left_behind for h in self.hosts
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "cluster": self.cluster,
            "heartbeat": self.heartbeat,
            "ok": self.ok,
            "paths": [asdict(p) for p in self.paths],
            "hosts": [asdict(h) for h in self.hosts],
        }


@dataclass
class _Sent:
    """What a frame id stands for."""

    unit: Unit
    port: Port
    kind: str
    source_mac: str
    needed: bool


@dataclass
class _Plan:
    """The tasks per host and what each frame id and temporary port stands for."""

    nonce: str
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: dict[int, _Sent] = field(default_factory=dict)
    ports: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit, port) -> temporary port name


def probed_ports(spec: ClusterSpec) -> list[tuple[Port, str]]:
    """``(port, role)`` for each port the probe covers: heartbeat ports, and data ports in broadcast mode."""
    roles = []
    for port in spec.ports:
        if port.bridge is None:
            continue  # macvtap: no host bridge to join
        if port.heartbeat:
            roles.append((port, "heartbeat"))
        elif spec.cluster.heartbeat == "broadcast" and not port.ha_mgmt:
            roles.append((port, "data"))
    return roles


def resolve_places(spec: ClusterSpec, netns: Mapping[str, str]) -> dict[str, Place]:
    """Where each unit's host is probed: its mapped namespace, else where its ``uri`` says (here or over SSH)."""
    problems = [
        Problem("--netns", f"no host {name!r}; hosts are: {', '.join(h.name for h in spec.hosts)}")
        for name in netns
        if name not in {h.name for h in spec.hosts}
    ]
    places: dict[str, Place] = {}
    for host in spec.hosts:
        if any(u.host == host.name for u in spec.units):
            places[host.name] = Place(netns=netns[host.name]) if host.name in netns else Place(reach=host.reach)
    seen: dict[Place, str] = {}
    for host_name, place in places.items():
        if place in seen:
            problems.append(Problem("--netns", f"hosts {seen[place]} and {host_name} would both be probed on {place}"))
        seen.setdefault(place, host_name)
    if problems:
        raise SpecError(problems)
    return places


def plan_probe(spec: ClusterSpec, places: Mapping[str, Place], seconds: float, interval: float) -> _Plan:
    """Every host's task (temporary ports, their frames, uplinks to watch) and the meaning of each frame id."""
    plan = _Plan(nonce=secrets.token_hex(4))
    nonce = bytes.fromhex(plan.nonce)
    for host_name, place in places.items():
        plan.tasks[host_name] = {
            "netns": place.netns,
            "nonce": plan.nonce,
            "seconds": seconds,
            "interval": interval,
            "ports": [],
            "uplinks": [],
        }
    for unit in spec.units:
        task = plan.tasks[unit.host]
        for port, role in probed_ports(spec):
            name = f"fgp{plan.nonce[:6]}{len(plan.ports):02x}"
            plan.ports[(unit.name, port.port)] = name
            sent = []
            for kind, source_mac, needed, build in _frames(spec, unit, port, role):
                ident = len(plan.sent)
                plan.sent[ident] = _Sent(unit, port, kind, source_mac, needed)
                sent.append(build(frames.marker(nonce, ident)).hex())
            own = spec.mac_address(unit, port)
            task["ports"].append({"name": name, "peer": f"{name}b", "bridge": port.bridge, "mac": own, "frames": sent})
            bridge = spec.host(unit.host).bridge(port.bridge or "")
            if bridge and bridge.uplink and bridge.uplink not in task["uplinks"]:
                task["uplinks"].append(bridge.uplink)
    return plan


Builder = Callable[[bytes], bytes]


def _frames(spec: ClusterSpec, unit: Unit, port: Port, role: str) -> Iterator[tuple[str, str, bool, Builder]]:
    """``(kind, source MAC, needed, build(marker))`` of each frame a unit's temporary port sends."""
    own, vmac = spec.mac_address(unit, port), spec.virtual_mac(port)
    broadcast = spec.cluster.heartbeat == "broadcast"
    yield "control", own, True, partial(frames.ethernet, own, frames.BROADCAST, frames.ETH_EXPERIMENTAL)
    yield "vmac", vmac, broadcast, partial(frames.ethernet, vmac, frames.BROADCAST, frames.ETH_EXPERIMENTAL)
    if role != "heartbeat":
        return
    for kind, ethertype in FGCP_KINDS.items():
        yield kind, vmac, broadcast, partial(frames.ethernet, vmac, frames.BROADCAST, ethertype)
    unicast = spec.unicast_heartbeat(unit)
    if unicast is None or port != spec.unicast_port or unit.heartbeat_ip is None:
        return
    me, peer_ip = str(unit.heartbeat_ip.ip), str(unicast.peer_ip)
    peer = next(u for u in spec.units if u.name != unit.name)
    peer_mac = spec.mac_address(peer, port)
    yield "arp", own, True, partial(frames.arp_request, own, me, peer_ip)
    yield "ipv4", own, True, partial(frames.udp_datagram, own, peer_mac, me, peer_ip)


def run_probe(
    spec: ClusterSpec, netns: Mapping[str, str] | None = None, seconds: float = 2.0, interval: float = 0.1
) -> ProbeReport:
    """Probe every path of ``spec`` (hosts mapped to namespaces by ``netns``); temporary ports always removed."""
    places = resolve_places(spec, netns or {})
    plan = plan_probe(spec, places, seconds, interval)
    results = _run_tasks(plan.tasks, places)
    return _report(spec, places, plan, results)


def _run_tasks(tasks: Mapping[str, dict[str, Any]], places: Mapping[str, Place]) -> dict[str, dict[str, Any]]:
    """Each host's part in its own thread; Ctrl-C (or SIGTERM) stops them all, and they clean up before it returns."""
    stop = threading.Event()
    results: dict[str, dict[str, Any]] = {}
    # Each thread says it is done through an Event, not join(): a KeyboardInterrupt inside Thread.join (Python
    # 3.11) can leave a running thread marked as stopped, and the process then exited with its ports in place.
    done = {host: threading.Event() for host in tasks}

    def run(host: str) -> None:
        try:
            results[host] = _run_host(host, tasks[host], places[host], stop)
        except Exception as exc:  # a bug or an OS refusal: reported for this host, the others go on
            results[host] = {"heard": {}, "uplinks": {}, "error": f"{type(exc).__name__}: {exc}", "left_behind": []}
        finally:
            done[host].set()

    threads = [threading.Thread(target=run, args=(host,), name=f"probe-{host}") for host in tasks]
    previous = _sigterm_interrupts()
    try:
        for t in threads:
            t.start()
        for event in done.values():
            while not event.wait(0.2):
                pass
    except KeyboardInterrupt:
        stop.set()
        for t, event in zip(threads, done.values()):
            if t.ident is not None:  # started (one that never started has nothing to clean up)
                event.wait()
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return results


def _run_host(host: str, task: dict[str, Any], place: Place, stop: threading.Event) -> dict[str, Any]:
    """One host's part: here, or over one SSH session (the host removes its ports by itself even if it drops)."""
    if place.reach is None:
        return probe_host(task, stop)
    from ..remote.host import RemoteHost

    remote = RemoteHost(place.reach, f"host {host} ({place.reach})")
    try:
        result: dict[str, Any] = remote.call("probe.host", **task)
        return result
    finally:
        remote.close()


def _sigterm_interrupts() -> Any:
    """In the main thread: SIGTERM raises KeyboardInterrupt (so the ports are removed); the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def _report(
    spec: ClusterSpec, places: Mapping[str, Place], plan: _Plan, results: Mapping[str, dict[str, Any]]
) -> ProbeReport:
    failed = {h for h, r in results.items() if r.get("error")}
    findings: dict[str, list[Finding]] = {}  # a host's packet-filter findings, read once when a loss needs them

    def host_cause(host: str) -> str:
        if places[host].reach is not None:
            return f"something in {host}'s bridge drops them (fgtha host check --host {host} names the rule)"
        if host not in findings:
            findings[host] = [f for f in netfilter_findings(places[host].netns) if f.status in ("fail", "warn")]
        bad = [f for f in findings[host] if f.status == "fail"] or findings[host]
        if not bad:
            return (
                f"nothing in {host}'s nft/ebtables/br_netfilter rules explains it (tc filters, bridge VLAN filtering?)"
            )
        return "; ".join(f"{host} {f.check}: {f.detail}" for f in bad)

    paths = []
    for port, role in probed_ports(spec):
        for sender in spec.units:
            for receiver in (u for u in spec.units if u.name != sender.name):
                paths.append(_path(spec, plan, results, failed, host_cause, port, role, sender, receiver))
    hosts = tuple(
        HostResult(
            host,
            str(place),
            results[host].get("error"),
            tuple(results[host].get("left_behind", ())),
            _notes(place),
        )
        for host, place in places.items()
    )
    return ProbeReport(spec.cluster.name, spec.cluster.heartbeat, tuple(paths), hosts)


def _path(
    spec: ClusterSpec,
    plan: _Plan,
    results: Mapping[str, dict[str, Any]],
    failed: set[str],
    host_cause: Callable[[str], str],
    port: Port,
    role: str,
    sender: Unit,
    receiver: Unit,
) -> PathResult:
    """Which of the sender's frames on ``port`` reached the receiver, where the others were lost, and why."""
    base = dict(
        port=port.port,
        role=role,
        bridge=port.bridge or "",
        from_unit=sender.name,
        from_host=sender.host,
        to_unit=receiver.name,
        to_host=receiver.host,
    )
    if failed & {sender.host, receiver.host}:
        why = "; ".join(f"{h}: {results[h]['error']}" for h in sorted(failed & {sender.host, receiver.host}))
        return PathResult(**base, status="not checked", frames=(), cause=why)  # type: ignore[arg-type]
    heard = set(results[receiver.host]["heard"].get(plan.ports[(receiver.name, port.port)], ()))
    lost_where: dict[str, tuple[str, str]] = {}  # kind -> (where, cause)
    out: list[FrameResult] = []
    for ident, sent in plan.sent.items():
        if sent.unit.name != sender.name or sent.port.port != port.port:
            continue
        if ident in heard:
            out.append(FrameResult(sent.kind, sent.source_mac, sent.needed, True))
            continue
        where, cause = _locate(spec, results, host_cause, port, sender, receiver, ident)
        lost_where[sent.kind] = (where, cause)
        out.append(FrameResult(sent.kind, sent.source_mac, sent.needed, False, where))
    lost_needed = [f for f in out if not f.arrived and f.needed]
    status: Status = "fail" if lost_needed else "warn" if lost_where else "ok"
    symptom = _symptom({f.kind for f in out if not f.arrived}, spec.virtual_mac(port)) if lost_where else ""
    causes = list(dict.fromkeys(cause for _, cause in lost_where.values()))
    return PathResult(**base, status=status, frames=tuple(out), symptom=symptom, cause="; ".join(causes))  # type: ignore[arg-type]


def _locate(
    spec: ClusterSpec,
    results: Mapping[str, dict[str, Any]],
    host_cause: Callable[[str], str],
    port: Port,
    sender: Unit,
    receiver: Unit,
    ident: int,
) -> tuple[str, str]:
    """Where frame ``ident`` was lost on its way, from what the uplinks saw, and the likely cause there."""
    bridge = port.bridge or ""
    if sender.host == receiver.host:
        return f"{sender.host} bridge {bridge}", host_cause(sender.host)
    ends = []
    for unit in (sender, receiver):
        found = spec.host(unit.host).bridge(bridge)
        uplink = found.uplink if found else None
        if uplink is None:
            return (
                f"{unit.host} bridge {bridge}",
                f"bridge {bridge} on {unit.host} has no uplink: it is host-internal and cannot reach the other host",
            )
        seen = results[unit.host]["uplinks"].get(uplink, {})
        ends.append((unit.host, uplink, seen))
    (h1, up1, seen1), (h2, up2, seen2) = ends
    if "error" in seen1 or "error" in seen2:
        return f"between {h1} and {h2}", "; ".join(s["error"] for s in (seen1, seen2) if "error" in s)
    if ident not in seen1["out"]:
        return f"{h1} bridge {bridge}, before uplink {up1}", host_cause(h1)
    if ident not in seen2["in"]:
        return (
            f"between {h1} {up1} and {h2} {up2}",
            f"the switch (or link) between {h1} {up1} and {h2} {up2} does not pass these frames",
        )
    return f"{h2} bridge {bridge}, after uplink {up2}", host_cause(h2)


def _symptom(lost: set[str], vmac: str) -> str:
    """What the pattern of lost frames says (own MAC vs virtual MAC, one EtherType vs all)."""
    if "control" in lost:
        return "nothing passes, not even the control frame (the unit's own MAC, EtherType 0x88b5)"
    parts = []
    fgcp = sorted(k for k in lost if k in FGCP_KINDS)
    if "vmac" in lost:
        parts.append(
            f"frames from the virtual MAC {vmac} are dropped while the unit's own MAC passes: a source-MAC filter"
        )
    elif fgcp:
        parts.append(f"EtherType {', '.join(fgcp)} dropped while other EtherTypes pass")
    if "arp" in lost:
        parts.append("ARP between the heartbeat addresses dropped")
    if "ipv4" in lost:
        parts.append(
            "IPv4 (UDP 703) between the heartbeat addresses dropped" + ("" if "arp" in lost else " while ARP passes")
        )
    return "; ".join(parts)


def _notes(place: Place) -> tuple[str, ...]:
    """What the probe cannot see on this machine: libvirt nwfilters act on VM NICs, never on its temporary ports."""
    if place != Place():
        return ()  # a namespace has no libvirt of its own; a remote host's is not read
    nwfilter = nwfilter_finding()
    return (
        () if nwfilter.status == "ok" else (f"not tested (the temporary ports are no libvirt NICs): {nwfilter.detail}",)
    )
