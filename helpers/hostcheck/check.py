"""Is a KVM host ready for the spec's heartbeat mode? Bridges as the model wants them, macvtap NICs, and the traps.

Traps: br_netfilter sending bridged frames through an iptables/nft FORWARD
chain whose policy is DROP (silently drops unicast heartbeat), nft bridge-family
or ebtables rules that drop the FGCP Ethertypes or filter source MACs, and
libvirt nwfilters that block MAC spoofing. Inside ``netns`` every reading
(sysctls, rules) is that namespace's.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..bridge import BridgeConfig, BridgeError, HostNetwork, bridges_for_host
from ..bridge.journal import decode_snapshot
from ..bridge.planner import bridge_state, make_plan, request_problems
from ..bridge.snapshot import Snapshot
from ..spec.facts import FGCP_ETHERTYPES, MAC_SPOOF_BLOCKING_NWFILTERS

if TYPE_CHECKING:  # the host side of a remote check (host_readings) runs without the model
    from ..remote.host import RemoteHost
    from ..spec.model import ClusterSpec, Image

Status = Literal["ok", "fail", "warn", "not checked"]
BR_NF_CALL_IPTABLES = "/proc/sys/net/bridge/bridge-nf-call-iptables"


@dataclass(frozen=True)
class Finding:
    """One line of the report."""

    check: str
    status: Status
    detail: str


@dataclass(frozen=True)
class Report:
    """Every finding for one host; ready when none failed."""

    host: str
    heartbeat: str
    findings: tuple[Finding, ...]

    @property
    def ready(self) -> bool:
        """True when no check failed."""
        return all(f.status != "fail" for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "host": self.host,
            "heartbeat": self.heartbeat,
            "ready": self.ready,
            "findings": [asdict(f) for f in self.findings],
        }


def check_host(spec: ClusterSpec, host_name: str, netns: str | None = None, remote: RemoteHost | None = None) -> Report:
    """Check one host of ``spec``: this machine, inside ``netns`` when given, or the host ``remote`` reaches over SSH.

    :class:`BridgeError` when the namespace does not exist or the host cannot be reached (nothing could be read).
    """
    desired = bridges_for_host(spec, host_name)
    if remote is not None:
        found = remote.call("hostcheck.readings")
        snapshot, on_host = decode_snapshot(found["snapshot"]), [Finding(**f) for f in found["findings"]]
    else:
        snapshot, on_host = host_readings(netns)
    findings = [*_bridge_findings(desired, snapshot), *_macvtap_findings(spec, host_name, snapshot), *on_host]
    if remote is None:  # the images are read where qemu-img runs: on this machine
        findings += [image_finding(image) for image in _host_images(spec, host_name)]
    return Report(host_name, spec.cluster.heartbeat, tuple(findings))


def host_readings(netns: str | None = None) -> tuple[Snapshot, list[Finding]]:
    """What a check reads on the host itself (the host side of a remote check runs this there): a snapshot, and
    the findings of its journal, packet filters and libvirt nwfilters."""
    with HostNetwork(netns) as host:
        snapshot = host.snapshot()
        journal = _journal_finding(host)
    return snapshot, [journal, *netfilter_findings(netns), nwfilter_finding()]


def _bridge_findings(desired: list[BridgeConfig], snapshot: Snapshot) -> Iterable[Finding]:
    """One finding a bridge: its problems, or the changes ``host apply`` would make, or ok with what is there.

    Every bridge is checked: a problem with one (a missing uplink) does not hide the others'.
    """
    refused: dict[str, list[str]] = {}
    for problem in request_problems(snapshot, desired):
        refused.setdefault(problem.bridge, []).append(problem.message)
    plan = make_plan(snapshot, [c for c in desired if c.name not in refused])
    for cfg in desired:
        if cfg.name in refused:
            yield Finding(f"bridge {cfg.name}", "fail", "; ".join(refused[cfg.name]))
            continue
        changes = [str(c) for c in plan if c.bridge == cfg.name]
        yield Finding(f"bridge {cfg.name}", "fail", "; ".join(changes)) if changes else _summary(snapshot, cfg.name)


def _summary(snapshot: Snapshot, name: str) -> Finding:
    """The passing finding of a bridge the plan leaves alone (so it exists)."""
    state = bridge_state(snapshot, name)
    assert state is not None
    parts = [
        f"uplink {state.uplink}" if state.uplink else "no uplink",
        "promiscuous" if state.promiscuous else "",
        f"mtu {state.mtu}",
    ]
    return Finding(f"bridge {name}", "ok", ", ".join(filter(None, parts)))


def _macvtap_findings(spec: ClusterSpec, host_name: str, snapshot: Snapshot) -> Iterable[Finding]:
    """A port attached through macvtap needs its host NIC: present, up, and not a bridge or a bridge's port."""
    if not any(u.host == host_name for u in spec.units):
        return
    for port in spec.ports:
        if port.macvtap is None:
            continue
        check, nic = f"macvtap {port.port}", port.macvtap
        link = snapshot.links.get(nic)
        if link is None:
            yield Finding(check, "fail", f"host NIC {nic!r} does not exist: {port.port} cannot attach to it")
        elif link.kind == "bridge":
            yield Finding(check, "fail", f"{nic!r} is a bridge: macvtap needs a NIC (attach with 'bridge:' instead)")
        elif link.master is not None:
            yield Finding(check, "fail", f"{nic!r} is a port of bridge {link.master!r}: macvtap cannot share it")
        elif not link.up:
            yield Finding(check, "fail", f"host NIC {nic!r} is down: {port.port} would carry no traffic")
        else:
            yield Finding(check, "ok", f"{port.port} attaches to host NIC {nic} (macvtap)")


def _journal_finding(host: HostNetwork) -> Finding:
    """An apply that left its journal (killed, or running now) leaves the bridges in between."""
    try:
        left = host.unfinished()
    except BridgeError as exc:
        return Finding("interrupted apply", "not checked", str(exc))
    if left is None:
        return Finding("interrupted apply", "ok", "no unfinished apply")
    return Finding(
        "interrupted apply",
        "fail",
        f"the apply of pid {left.pid} (started {left.started_at}) has not finished: it is running now, or was "
        "killed; `host apply` undoes its changes before planning",
    )


def _run(netns: str | None, *cmd: str) -> subprocess.CompletedProcess[str] | None:
    """Run a command (inside ``netns``); None when the tool is not installed."""
    if shutil.which(cmd[0]) is None:
        return None
    full = ["ip", "netns", "exec", netns, *cmd] if netns else list(cmd)
    return subprocess.run(full, capture_output=True, text=True, check=False)


def netfilter_findings(netns: str | None = None) -> Iterable[Finding]:
    """What in this host's packet filters (inside ``netns``) drops bridged FGCP traffic: br_netfilter, nft, ebtables."""
    nf_call = _run(netns, "cat", BR_NF_CALL_IPTABLES)
    calls_iptables = bool(nf_call and nf_call.returncode == 0 and nf_call.stdout.strip() == "1")
    ruleset, nft_problem = _nft_ruleset(netns)
    drop_chains = _forward_drop_chains(ruleset or [], netns)
    if not calls_iptables:
        yield Finding(
            "br_netfilter",
            "ok",
            "bridged frames do not traverse iptables (bridge-nf-call-iptables off or module not loaded)",
        )
    elif drop_chains:
        yield Finding(
            "br_netfilter",
            "fail",
            "bridge-nf-call-iptables=1 and FORWARD policy DROP in "
            f"{', '.join(drop_chains)}: bridged unicast heartbeat is silently dropped "
            "(set net.bridge.bridge-nf-call-iptables=0 or accept the bridges' traffic)",
        )
    else:
        yield Finding(
            "br_netfilter",
            "warn",
            "bridge-nf-call-iptables=1: bridged frames traverse iptables; no FORWARD DROP policy now",
        )
    if ruleset is None:
        yield Finding("nft bridge rules", "not checked", nft_problem)
    else:
        bad = list(_bridge_rule_problems(ruleset))
        yield (
            Finding("nft bridge rules", "fail", "; ".join(bad))
            if bad
            else Finding("nft bridge rules", "ok", "nothing drops FGCP frames or filters source MACs")
        )
    yield _ebtables_finding(netns)


def _nft_ruleset(netns: str | None) -> tuple[list[dict[str, Any]] | None, str]:
    """The ruleset as nft's JSON items, or None and why it could not be read."""
    result = _run(netns, "nft", "-j", "list", "ruleset")
    if result is None:
        return None, "nft is not installed"
    if result.returncode != 0:
        return None, f"nft -j list ruleset failed: {result.stderr.strip() or f'exit {result.returncode}'}"
    return [item for item in json.loads(result.stdout or '{"nftables": []}')["nftables"]], ""


def _forward_drop_chains(ruleset: list[dict[str, Any]], netns: str | None) -> list[str]:
    chains = [
        f"nft {c['family']} {c['table']} {c['name']}"
        for c in (item["chain"] for item in ruleset if "chain" in item)
        if c.get("hook") == "forward" and c.get("family") in ("ip", "inet") and c.get("policy") == "drop"
    ]
    legacy = _run(netns, "iptables-legacy", "-S", "FORWARD")
    if legacy and legacy.returncode == 0 and "-P FORWARD DROP" in legacy.stdout:
        chains.append("iptables-legacy FORWARD")
    return chains


def _bridge_rule_problems(ruleset: list[dict[str, Any]]) -> Iterable[str]:
    for item in ruleset:
        chain = item.get("chain")
        if chain and chain.get("family") == "bridge" and chain.get("policy") == "drop":
            yield f"bridge chain {chain['table']} {chain['name']} has policy drop"
        rule = item.get("rule")
        if not rule or rule.get("family") != "bridge":
            continue
        exprs = rule.get("expr", [])
        if not any("drop" in e or "reject" in e for e in exprs):
            continue
        where = f"bridge {rule['table']} {rule['chain']} rule {rule.get('handle')}"
        for match in (e["match"] for e in exprs if "match" in e):
            field = match.get("left", {}).get("payload", {})
            if field.get("protocol") != "ether":
                continue
            if field.get("field") == "type" and _matches_fgcp(match["op"], match["right"]):
                yield f"{where} drops FGCP Ethertypes ({', '.join(hex(t) for t in FGCP_ETHERTYPES)})"
            if field.get("field") == "saddr":
                yield f"{where} filters source MACs (breaks FGCP virtual MACs)"


def _matches_fgcp(op: str, right: Any) -> bool:
    values = set(right["set"]) if isinstance(right, dict) and "set" in right else {right}
    fgcp = set(FGCP_ETHERTYPES)
    return bool(fgcp & values) if op in ("==", "in") else bool(fgcp - values)


def _ebtables_finding(netns: str | None) -> Finding:
    result = _run(netns, "ebtables", "-L")
    if result is None or result.returncode != 0:
        reason = "ebtables is not installed" if result is None else (result.stderr.strip() or "ebtables -L failed")
        return Finding("ebtables", "not checked", reason)
    fgcp = {f"0x{t:x}" for t in FGCP_ETHERTYPES}
    bad = [
        line.strip()
        for line in result.stdout.splitlines()
        if "-j DROP" in line and ("-s " in line or any(f"-p {t}" in line.lower() for t in fgcp))
    ]
    return (
        Finding("ebtables", "fail", "drops FGCP frames or spoofed MACs: " + "; ".join(bad))
        if bad
        else Finding("ebtables", "ok", "no rule drops FGCP frames or source MACs")
    )


def nwfilter_finding() -> Finding:
    """Whether libvirt defines MAC anti-spoofing nwfilters (they break FGCP virtual MACs on a NIC that uses one)."""
    result = _run(None, "virsh", "-q", "nwfilter-list")
    if result is None or result.returncode != 0:
        return Finding("libvirt nwfilter", "not checked", "virsh is not installed or cannot reach libvirt")
    names = {line.split()[1] for line in result.stdout.splitlines() if len(line.split()) >= 2}
    blocking = sorted(names & MAC_SPOOF_BLOCKING_NWFILTERS)
    detail = (
        f"defined MAC anti-spoofing filters: {', '.join(blocking)} (harmful only if a FortiGate NIC references one)"
        if blocking
        else "no MAC anti-spoofing filter defined"
    )
    return Finding("libvirt nwfilter", "warn" if blocking else "ok", detail)


def _host_images(spec: ClusterSpec, host_name: str) -> list[Image]:
    """The distinct boot images of the units on this host."""
    images = {spec.unit_image(u).path: spec.unit_image(u) for u in spec.units if u.host == host_name}
    return [images[path] for path in sorted(images)]


def image_finding(image: Image) -> Finding:
    """The boot image's virtual size (``qemu-img info``) against ``image.boot_disk_gib``, when the image is here."""
    path, gib = image.path, image.boot_disk_gib
    if not os.path.isfile(path):
        return Finding("boot image", "not checked", f"{path} is not on this host")
    result = _run(None, "qemu-img", "info", "--output=json", "--force-share", path)
    if result is None or result.returncode != 0:
        reason = "qemu-img is not installed" if result is None else (result.stderr.strip() or "qemu-img info failed")
        return Finding("boot image", "not checked", reason)
    size = int(json.loads(result.stdout)["virtual-size"])
    if size > gib * 1024**3:
        need = math.ceil(size / 1024**3)
        return Finding(
            "boot image",
            "fail",
            f"image.boot_disk_gib: {gib} GiB is smaller than {path} ({size} bytes virtual); set at least {need}",
        )
    return Finding("boot image", "ok", f"{path}: {size} bytes virtual, boot disks of {gib} GiB")
