"""host check against traps built in a namespace: br_netfilter + FORWARD DROP, nft bridge rules, missing promiscuity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from bridgekit import veth_uplink
from conftest import EXAMPLES
from netns import in_netns, ip

from fgtha.bridge import HostNetwork, bridges_for_host
from fgtha.bridge.changes import SetLink
from fgtha.bridge.journal import Journal, journal_path
from fgtha.bridge.lock import RUN_DIR
from fgtha.cli import main
from fgtha.hostcheck.check import check_host
from fgtha.spec.model import load_spec

SPEC_PATH = str(EXAMPLES / "broadcast-one-host.yaml")
SPEC = load_spec(SPEC_PATH)


@pytest.fixture
def ready_host(netns: str) -> str:
    for nic in ("enp1s0", "enp2s0", "enp4s0"):
        veth_uplink(netns, nic)
    with HostNetwork(netns) as host:
        host.apply(bridges_for_host(SPEC, "kvm1"))
    in_netns(netns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0")
    return netns


def _status(report: object, check: str) -> str:
    return next(f.status for f in report.findings if f.check == check)  # type: ignore[attr-defined]


def test_a_ready_host_is_ready(ready_host: str) -> None:
    report = check_host(SPEC, "kvm1", ready_host)
    assert report.ready, report.findings
    assert _status(report, "bridge br-ext") == "ok"


def test_missing_bridge_and_promiscuity_are_reported(ready_host: str) -> None:
    ip("link", "set", "enp1s0", "promisc", "off", netns=ready_host)
    ip("link", "del", "br-hb1", netns=ready_host)
    report = check_host(SPEC, "kvm1", ready_host)
    assert not report.ready
    detail = {f.check: f.detail for f in report.findings}
    assert "set enp1s0 promiscuous on" in detail["bridge br-ext"]
    assert detail["bridge br-hb1"].startswith("create bridge br-hb1")


@pytest.mark.parametrize(("device", "bridge"), [("br-hb1", "br-hb1"), ("enp2s0", "br-int")])
def test_a_link_set_down_by_hand_fails_until_host_apply(ready_host: str, device: str, bridge: str) -> None:
    ip("link", "set", device, "down", netns=ready_host)
    report = check_host(SPEC, "kvm1", ready_host)
    assert _status(report, f"bridge {bridge}") == "fail" and not report.ready
    assert next(f.detail for f in report.findings if f.check == f"bridge {bridge}") == f"set {device} up"
    assert _status(report, "bridge br-ext") == "ok"
    assert main(["host", "apply", SPEC_PATH, "--host", "kvm1", "--netns", ready_host]) == 0
    assert check_host(SPEC, "kvm1", ready_host).ready


def test_a_lost_uplink_record_fails_until_host_apply(ready_host: str) -> None:
    ip("link", "set", "br-int", "alias", "", netns=ready_host)
    report = check_host(SPEC, "kvm1", ready_host)
    assert "record on br-int: " in next(f.detail for f in report.findings if f.check == "bridge br-int")
    assert main(["host", "apply", SPEC_PATH, "--host", "kvm1", "--netns", ready_host]) == 0
    assert check_host(SPEC, "kvm1", ready_host).ready


def test_every_bridge_is_checked_when_uplinks_are_missing(ready_host: str) -> None:
    ip("link", "del", "enp2s0", netns=ready_host)
    ip("link", "del", "enp4s0", netns=ready_host)
    report = check_host(SPEC, "kvm1", ready_host)
    detail = {f.check: f.detail for f in report.findings}
    assert _status(report, "bridge br-int") == "fail" and "uplink 'enp2s0' does not exist" in detail["bridge br-int"]
    assert _status(report, "bridge br-mgmt") == "fail" and "uplink 'enp4s0' does not exist" in detail["bridge br-mgmt"]
    assert {_status(report, f"bridge {b}") for b in ("br-ext", "br-hb1", "br-hb2")} == {"ok"}
    assert not report.ready
    assert "not checked" not in {f.status for f in report.findings if f.check.startswith("bridge")}


def _with_macvtap_port(tmp_path: Path, nic: str) -> str:
    data = yaml.safe_load(Path(SPEC_PATH).read_text())
    data["ports"].append({"port": "port6", "macvtap": nic})
    path = tmp_path / "macvtap.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize(
    ("nic", "status", "detail"),
    [
        ("enp9s0", "fail", "host NIC 'enp9s0' does not exist"),
        ("enp2s0", "fail", "'enp2s0' is a port of bridge 'br-int'"),
        ("enp6s0", "ok", "port6 attaches to host NIC enp6s0 (macvtap)"),
    ],
)
def test_a_macvtap_port_needs_its_host_nic(
    ready_host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], nic: str, status: str, detail: str
) -> None:
    veth_uplink(ready_host, "enp6s0")
    ip("link", "set", "enp6s0", "up", netns=ready_host)
    spec = _with_macvtap_port(tmp_path, nic)
    assert main(["host", "check", spec, "--host", "kvm1", "--netns", ready_host, "--json"]) == (
        0 if status == "ok" else 1
    )
    report = json.loads(capsys.readouterr().out)
    finding = next(f for f in report["findings"] if f["check"] == "macvtap port6")
    assert (finding["status"], detail in finding["detail"]) == (status, True), finding
    assert report["ready"] is (status == "ok")


def test_a_missing_namespace_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("check", "apply"):
        assert main(["host", command, SPEC_PATH, "--host", "kvm1", "--netns", "fgtha-no-such-ns"]) == 2
        captured = capsys.readouterr()
        assert "--netns: no network namespace named 'fgtha-no-such-ns'" in captured.err
        assert "br_netfilter" not in captured.out and "nft" not in captured.out


def test_an_unfinished_apply_fails_the_check_until_host_apply_undoes_it(
    ready_host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A journal left by a killed apply (here: its first step, stp on br-hb1, was made)."""
    with HostNetwork(ready_host) as host:
        before = host.snapshot()
        step = SetLink("br-hb1", "br-hb1", "stp", True, False)
        Journal.start(
            journal_path(ready_host, RUN_DIR), netns=ready_host, label="kvm1", before=before, changes=(step,)
        ).started(0)
        ip("link", "set", "br-hb1", "type", "bridge", "stp_state", "1", netns=ready_host)
        report = check_host(SPEC, "kvm1", ready_host)
        assert _status(report, "interrupted apply") == "fail" and not report.ready
        assert main(["host", "apply", SPEC_PATH, "--host", "kvm1", "--netns", ready_host, "--dry-run"]) == 0
        assert "has not finished" in capsys.readouterr().err
        assert main(["host", "apply", SPEC_PATH, "--host", "kvm1", "--netns", ready_host]) == 0
        out = capsys.readouterr()
        assert "its 1 step(s) were undone, the host is as it was before it" in out.err
        assert "no changes" in out.out
        assert host.snapshot().comparable() == before.comparable()
    assert check_host(SPEC, "kvm1", ready_host).ready


def test_br_netfilter_with_forward_drop_is_a_trap(ready_host: str) -> None:
    if not in_netns(ready_host, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1", check=False).returncode == 0:
        pytest.skip("net.bridge.* sysctls are missing: br_netfilter cannot load on this kernel")
    assert _status(check_host(SPEC, "kvm1", ready_host), "br_netfilter") == "warn"
    in_netns(
        ready_host,
        "nft",
        "add table ip filter; add chain ip filter forward { type filter hook forward priority 0; policy drop; }",
    )
    report = check_host(SPEC, "kvm1", ready_host)
    assert _status(report, "br_netfilter") == "fail" and not report.ready
    in_netns(ready_host, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0")
    assert check_host(SPEC, "kvm1", ready_host).ready


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("ether type 0x8890 drop", "drops FGCP Ethertypes"),
        ("ether type { 0x8891, 0x8893 } drop", "drops FGCP Ethertypes"),
        ("ether type != 0x0800 drop", "drops FGCP Ethertypes"),
        ("ether saddr != 52:54:00:00:00:01 drop", "filters source MACs"),
    ],
)
def test_nft_bridge_rules_that_drop_fgcp_frames(ready_host: str, rule: str, expected: str) -> None:
    in_netns(
        ready_host,
        "nft",
        f"add table bridge filter; add chain bridge filter forward {{ type filter hook forward priority 0; }}; add rule bridge filter forward {rule}",
    )
    report = check_host(SPEC, "kvm1", ready_host)
    assert not report.ready
    assert expected in next(f.detail for f in report.findings if f.check == "nft bridge rules")


def test_harmless_bridge_rule_passes(ready_host: str) -> None:
    in_netns(
        ready_host,
        "nft",
        "add table bridge filter; add chain bridge filter forward { type filter hook forward priority 0; }; add rule bridge filter forward ether type 0x86dd drop",
    )
    assert check_host(SPEC, "kvm1", ready_host).ready
