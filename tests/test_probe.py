"""host probe across two "hosts" (namespaces) wired by a third namespace acting as the switch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from bridgekit import veth_uplink
from conftest import EXAMPLES
from netns import in_netns, ip, temporary_netns

from fgtha.bridge import HostNetwork, bridges_for_host
from fgtha.cli import main
from fgtha.hostcheck.probe import plan_probe, resolve_places, run_probe
from fgtha.hostcheck.probe_host import probe_host
from fgtha.spec.model import ClusterSpec, load_spec, parse_spec

UNICAST = EXAMPLES / "unicast-two-hosts.yaml"
SECONDS = 1.0


def broadcast_two_hosts(tmp_path: Path) -> Path:
    """The unicast example turned broadcast (no heartbeat addresses), group-id 300 (prefix e0:23:ff:fc)."""
    data = yaml.safe_load(UNICAST.read_text())
    data["cluster"].update(heartbeat="broadcast", group_id=300)
    for unit in data["units"]:
        del unit["heartbeat_ip"]
    path = tmp_path / "broadcast-two-hosts.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


class Lab:
    """Two host namespaces with the spec's bridges, their uplinks wired to one bridge per segment in a switch."""

    def __init__(self, spec: ClusterSpec, switch: str, hosts: dict[str, str]) -> None:
        self.spec, self.switch, self.hosts = spec, switch, hosts
        for segment in {b.uplink for h in spec.hosts for b in h.bridges if b.uplink}:
            ip("link", "add", f"sw-{segment}", "type", "bridge", netns=switch)
            ip("link", "set", f"sw-{segment}", "up", netns=switch)
        for number, (host, ns) in enumerate(hosts.items(), 1):
            for bridge in spec.host(host).bridges:
                assert bridge.uplink
                peer = f"h{number}-{bridge.uplink}"
                veth_uplink(ns, bridge.uplink, peer, switch)
                ip("link", "set", peer, "master", f"sw-{bridge.uplink}", netns=switch)
            with HostNetwork(ns) as net:
                net.apply(bridges_for_host(spec, host))
        for ns in (switch, *hosts.values()):
            in_netns(ns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0", check=False)

    @property
    def netns_args(self) -> list[str]:
        return [arg for host, ns in self.hosts.items() for arg in ("--netns", f"{host}={ns}")]

    def probe(self):  # type: ignore[no-untyped-def]
        return run_probe(self.spec, self.hosts, SECONDS)

    def temporary_ports(self) -> list[str]:
        """Links left in any namespace of the lab that the probe made (their alias says so)."""
        found = []
        for ns in (self.switch, *self.hosts.values()):
            links = json.loads(ip("-j", "-d", "link", "show", netns=ns).stdout)
            found += [f"{ns}:{link['ifname']}" for link in links if "probe" in link.get("ifalias", "")]
        return found


def _lab(spec_path: Path) -> Iterator[Lab]:
    spec = load_spec(spec_path)
    with temporary_netns("fgsw") as switch, temporary_netns("fgh1") as ns1, temporary_netns("fgh2") as ns2:
        lab = Lab(spec, switch, {"kvm1": ns1, "kvm2": ns2})
        yield lab
        assert lab.temporary_ports() == []


@pytest.fixture
def unicast_lab() -> Iterator[Lab]:
    yield from _lab(UNICAST)


@pytest.fixture
def broadcast_lab(tmp_path: Path) -> Iterator[Lab]:
    yield from _lab(broadcast_two_hosts(tmp_path))


def _nft(ns: str, rule: str) -> None:
    in_netns(
        ns,
        "nft",
        "add table bridge filter; add chain bridge filter forward { type filter hook forward priority 0; }; "
        f"add rule bridge filter forward {rule}",
    )


def test_a_clean_unicast_path_passes(unicast_lab: Lab) -> None:
    report = unicast_lab.probe()
    assert report.ok, report.as_dict()
    (hb_a, hb_b) = report.paths
    assert (hb_a.port, hb_a.from_host, hb_a.to_host, hb_b.from_host) == ("port3", "kvm1", "kvm2", "kvm2")
    kinds = {f.kind: f for f in hb_a.frames}
    assert set(kinds) == {"control", "vmac", "0x8890", "0x8891", "0x8893", "arp", "ipv4"}
    assert all(f.arrived for f in hb_a.frames + hb_b.frames)
    assert kinds["vmac"].source_mac == "00:09:0f:09:0a:02" and not kinds["vmac"].needed
    assert kinds["arp"].needed and kinds["ipv4"].needed


def test_a_clean_broadcast_path_passes_on_heartbeat_and_data_ports(broadcast_lab: Lab) -> None:
    report = broadcast_lab.probe()
    assert report.ok, report.as_dict()
    assert {(p.port, p.role) for p in report.paths} == {("port1", "data"), ("port2", "data"), ("port3", "heartbeat")}
    assert len(report.paths) == 6  # three ports, both ways
    vmacs = {f.source_mac for p in report.paths for f in p.frames if f.kind == "vmac"}
    assert vmacs == {"e0:23:ff:fc:2c:00", "e0:23:ff:fc:2c:01", "e0:23:ff:fc:2c:02"}


def test_the_switch_dropping_0x8890_is_found_and_named(broadcast_lab: Lab) -> None:
    _nft(broadcast_lab.switch, "ether type 0x8890 drop")
    report = broadcast_lab.probe()
    assert not report.ok
    hb = [p for p in report.paths if p.port == "port3"]
    assert [p.status for p in hb] == ["fail", "fail"]
    for path in hb:
        lost = [f for f in path.frames if not f.arrived]
        assert [f.kind for f in lost] == ["0x8890"]
        assert lost[0].lost_at == f"between {path.from_host} enp3s0 and {path.to_host} enp3s0"
        assert path.symptom == "EtherType 0x8890 dropped while other EtherTypes pass"
        assert "switch" in path.cause
    assert all(p.status == "ok" for p in report.paths if p.port != "port3")


def test_a_virtual_mac_filter_on_the_switch_is_found_and_named(broadcast_lab: Lab) -> None:
    _nft(broadcast_lab.switch, "ether saddr & ff:ff:ff:ff:00:00 == e0:23:ff:fc:00:00 drop")
    report = broadcast_lab.probe()
    assert [p.status for p in report.paths] == ["fail"] * 6
    for path in report.paths:
        assert {f.kind for f in path.frames if not f.arrived} == {"vmac"} | (
            {"0x8890", "0x8891", "0x8893"} if path.role == "heartbeat" else set()
        )
        assert "source-MAC filter" in path.symptom and "switch" in path.cause


def test_a_drop_rule_in_one_host_is_placed_there_and_named_by_host_check(broadcast_lab: Lab) -> None:
    _nft(broadcast_lab.hosts["kvm1"], "ether type 0x8893 drop")  # kvm1's bridge forwards neither way
    report = broadcast_lab.probe()
    out, back = (p for p in report.paths if p.port == "port3")
    for path, where in ((out, "before"), (back, "after")):
        (lost,) = (f for f in path.frames if not f.arrived)
        assert path.status == "fail" and lost.kind == "0x8893"
        assert lost.lost_at == f"kvm1 bridge br-hb, {where} uplink enp3s0"
        assert "kvm1 nft bridge rules: bridge filter forward rule" in path.cause
        assert "drops FGCP Ethertypes" in path.cause


def test_br_netfilter_dropping_unicast_heartbeat_is_found_on_the_receiver(unicast_lab: Lab) -> None:
    ns2 = unicast_lab.hosts["kvm2"]
    if in_netns(ns2, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1", check=False).returncode != 0:
        pytest.skip("net.bridge.* sysctls are missing: br_netfilter cannot load on this kernel")
    in_netns(
        ns2,
        "nft",
        "add table ip filter; add chain ip filter forward { type filter hook forward priority 0; policy drop; }",
    )
    report = unicast_lab.probe()
    to_b = next(p for p in report.paths if p.to_host == "kvm2")
    assert to_b.status == "fail" and [f.kind for f in to_b.frames if not f.arrived] == ["ipv4"]
    assert next(f.lost_at for f in to_b.frames if not f.arrived) == "kvm2 bridge br-hb, after uplink enp3s0"
    assert "IPv4 (UDP 703) between the heartbeat addresses dropped while ARP passes" == to_b.symptom
    assert "kvm2 br_netfilter: bridge-nf-call-iptables=1 and FORWARD policy DROP" in to_b.cause


def test_a_host_that_cannot_attach_fails_and_keeps_nothing(unicast_lab: Lab) -> None:
    ip("link", "del", "br-hb", netns=unicast_lab.hosts["kvm2"])
    report = unicast_lab.probe()
    assert not report.ok and {p.status for p in report.paths} == {"not checked"}
    assert (
        next(h.error for h in report.hosts if h.host == "kvm2")
        == "bridge br-hb does not exist (fgtha host apply makes it)"
    )
    assert unicast_lab.temporary_ports() == []


def test_cli_json_and_table(unicast_lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "probe", str(UNICAST), *unicast_lab.netns_args, "--seconds", str(SECONDS), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and len(data["paths"]) == 2 and data["paths"][0]["frames"][0]["kind"] == "control"
    _nft(unicast_lab.switch, "ether type 0x0806 drop")
    assert main(["host", "probe", str(UNICAST), *unicast_lab.netns_args, "--seconds", str(SECONDS)]) == 1
    out = capsys.readouterr().out
    assert "ARP between the heartbeat addresses dropped" in out and "heartbeat path broken" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--netns", "kvm1"], "--netns: 'kvm1' is not HOST=NS"),
        (["--netns", "kvm9=x", "--netns", "kvm1=a", "--netns", "kvm2=b"], "--netns: no host 'kvm9'"),
        (
            ["--netns", "kvm1=a", "--netns", "kvm2=a"],
            "--netns: hosts kvm1 and kvm2 would both be probed on namespace a",
        ),
    ],
)
def test_bad_input_exits_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "probe", str(UNICAST), *args]) == 2
    assert message in capsys.readouterr().err.replace("\n", " ")


def test_ctrl_c_removes_the_temporary_ports(unicast_lab: Lab) -> None:
    cmd = [sys.executable, "-m", "fgtha.cli", "host", "probe", str(UNICAST), *unicast_lab.netns_args, "--seconds", "60"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while len(unicast_lab.temporary_ports()) < 4:  # both ends on both hosts: the probe is sending
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert unicast_lab.temporary_ports() == []


def test_two_units_on_one_host_probe_through_its_bridges(netns: str) -> None:
    spec = load_spec(EXAMPLES / "broadcast-one-host.yaml")
    for bridge in spec.host("kvm1").bridges:
        if bridge.uplink:
            veth_uplink(netns, bridge.uplink)
    with HostNetwork(netns) as net:
        net.apply(bridges_for_host(spec, "kvm1"))
    in_netns(netns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0", check=False)
    assert run_probe(spec, {"kvm1": netns}, SECONDS).ok
    _nft(netns, "ether saddr 00:09:0f:09:14:03 drop")  # port4's virtual MAC (group-id 20)
    report = run_probe(spec, {"kvm1": netns}, SECONDS)
    (bad, back) = (p for p in report.paths if p.port == "port4")
    assert bad.status == back.status == "fail"
    assert {f.lost_at for f in bad.frames if not f.arrived} == {"kvm1 bridge br-hb2"}
    assert "filters source MACs" in bad.cause
    assert all(p.status == "ok" for p in report.paths if p.port != "port4")


@pytest.mark.parametrize(
    ("group_id", "expected"),
    [
        (0, "00:09:0f:09:00:02"),
        (255, "00:09:0f:09:ff:02"),
        (256, "e0:23:ff:fc:00:02"),
        (767, "e0:23:ff:fd:ff:02"),
        (1023, "e0:23:ff:fe:ff:02"),
    ],
)
def test_virtual_mac_by_group_id_range(group_id: int, expected: str) -> None:
    data = yaml.safe_load(UNICAST.read_text())
    data["cluster"]["group_id"] = group_id
    spec = ClusterSpec.model_validate(data)
    assert spec.virtual_mac(spec.ports[2]) == expected  # port3


def test_the_per_host_part_takes_and_gives_plain_json(unicast_lab: Lab) -> None:
    """What a host transport needs: each host's task and result survive a JSON round trip unchanged."""
    plan = plan_probe(unicast_lab.spec, resolve_places(unicast_lab.spec, unicast_lab.hosts), SECONDS, 0.1)
    task = plan.tasks["kvm1"]
    assert json.loads(json.dumps(task)) == task and task["netns"] == unicast_lab.hosts["kvm1"]
    result = probe_host(json.loads(json.dumps(task)))  # kvm2 sends nothing: kvm1 hears no peer
    assert json.loads(json.dumps(result)) == result
    assert result["error"] is None and result["left_behind"] == []
    assert list(result["heard"].values()) == [[]] and set(result["uplinks"]) == {"enp3s0"}
    own = sorted(i for i, sent in plan.sent.items() if sent.unit.host == "kvm1")
    assert result["uplinks"]["enp3s0"] == {"out": own, "in": []}  # every frame of kvm1 left by its uplink


def test_remote_hosts_are_probed_over_ssh(tmp_path: Path) -> None:
    """Each "host" runs a real sshd and no project code; the probe's per-host part travels over the transport."""
    from sshhost import ssh_host

    data = yaml.safe_load(UNICAST.read_text())
    with ssh_host("kvm1") as h1, ssh_host("kvm2") as h2, temporary_netns("fgsw") as switch:
        data["hosts"][0]["uri"], data["hosts"][1]["uri"] = h1.uri, h2.uri
        spec = parse_spec(yaml.safe_dump(data))
        lab = Lab(spec, switch, {"kvm1": h1.netns, "kvm2": h2.netns})
        report = run_probe(spec, seconds=SECONDS)
        assert report.ok, report.as_dict()
        assert [h.place for h in report.hosts] == [str(h1.reach), str(h2.reach)]
        _nft(switch, "ether type 0x8890 drop")
        report = run_probe(spec, seconds=SECONDS)
        for path in report.paths:
            assert [(f.kind, f.lost_at) for f in path.frames if not f.arrived] == [
                ("0x8890", f"between {path.from_host} enp3s0 and {path.to_host} enp3s0")
            ]
        h2.sshd.kill()
        h2.sshd.wait()
        report = run_probe(spec, seconds=SECONDS)
        assert {p.status for p in report.paths} == {"not checked"} and not report.ok
        (error,) = (h.error for h in report.hosts if h.error)
        assert "kvm2" in error
        assert lab.temporary_ports() == []
