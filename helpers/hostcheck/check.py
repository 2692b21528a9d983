"""Is a KVM host ready for the spec's heartbeat mode? Bridges as the model wants them, and the classic traps.

Traps: br_netfilter sending bridged frames through an iptables/nft FORWARD
chain whose policy is DROP (silently drops unicast heartbeat), nft bridge-family
or ebtables rules that drop the FGCP Ethertypes or filter source MACs, and
libvirt nwfilters that block MAC spoofing. Inside ``netns`` every reading
(sysctls, rules) is that namespace's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..bridge import BridgeConfig, BridgeError, HostNetwork, bridges_for_host
from ..spec.facts import FGCP_ETHERTYPES, MAC_SPOOF_BLOCKING_NWFILTERS
from ..spec.model import ClusterSpec

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


def check_host(spec: ClusterSpec, host_name: str, netns: str | None = None) -> Report:
    """Check one host of ``spec`` (inside ``netns`` when given)."""
    desired = bridges_for_host(spec, host_name)
    findings = [*_bridge_findings(desired, netns), *netfilter_findings(netns), nwfilter_finding()]
    return Report(host_name, spec.cluster.heartbeat, tuple(findings))


def _bridge_findings(desired: list[BridgeConfig], netns: str | None) -> Iterable[Finding]:
    """One finding a bridge: failing with the changes ``host apply`` would make, or ok with what is there."""
    try:
        with HostNetwork(netns) as host:
            try:
                plan = host.plan(desired)
            except BridgeError as exc:
                yield from _refused(desired, exc)
                return
            for cfg in desired:
                changes = [str(c) for c in plan if c.bridge == cfg.name]
                yield Finding(f"bridge {cfg.name}", "fail", "; ".join(changes)) if changes else _summary(host, cfg.name)
    except BridgeError as exc:  # the namespace or the host cannot be read
        yield Finding("bridges", "fail", str(exc))


def _refused(desired: list[BridgeConfig], exc: BridgeError) -> Iterable[Finding]:
    """The planner refused the request: the bridge its message names fails, the others cannot be planned."""
    named = next((c.name for c in desired if str(exc).startswith(f"bridge {c.name}:")), None)
    if named is None:
        yield Finding("bridges", "fail", str(exc))
        return
    for cfg in desired:
        if cfg.name == named:
            yield Finding(f"bridge {cfg.name}", "fail", str(exc))
        else:
            yield Finding(f"bridge {cfg.name}", "not checked", f"cannot be planned until bridge {named} is fixed")


def _summary(host: HostNetwork, name: str) -> Finding:
    """The passing finding of a bridge the plan leaves alone (so it exists)."""
    state = host.read(name)
    assert state is not None
    parts = [
        f"uplink {state.uplink}" if state.uplink else "no uplink",
        "promiscuous" if state.promiscuous else "",
        f"mtu {state.mtu}",
    ]
    return Finding(f"bridge {name}", "ok", ", ".join(filter(None, parts)))


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
    ruleset = _nft_ruleset(netns)
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
        yield Finding("nft bridge rules", "not checked", "nft is not installed or cannot list the ruleset")
    else:
        bad = list(_bridge_rule_problems(ruleset))
        yield (
            Finding("nft bridge rules", "fail", "; ".join(bad))
            if bad
            else Finding("nft bridge rules", "ok", "nothing drops FGCP frames or filters source MACs")
        )
    yield _ebtables_finding(netns)


def _nft_ruleset(netns: str | None) -> list[dict[str, Any]] | None:
    result = _run(netns, "nft", "-j", "list", "ruleset")
    if result is None or result.returncode != 0:
        return None
    return [item for item in json.loads(result.stdout or '{"nftables": []}')["nftables"]]


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
