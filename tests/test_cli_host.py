"""`fgtha host check` and `fgtha host apply` end to end in a namespace, one at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bridgekit import ip_state, veth_uplink, wait_for_file
from conftest import EXAMPLES
from netns import in_netns, ip

from fgtha.bridge.faultpoint import PAUSE_ENV
from fgtha.cli import main

SPEC = str(EXAMPLES / "broadcast-one-host.yaml")
FGTHA = str(Path(sys.executable).parent / "fgtha")


@pytest.fixture
def host_ns(netns: str) -> str:
    for nic in ("enp1s0", "enp2s0", "enp4s0"):
        veth_uplink(netns, nic)
    in_netns(netns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0")
    return netns


def test_check_apply_check(host_ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "check", SPEC, "--host", "kvm1", "--netns", host_ns, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    br_ext = next(f for f in report["findings"] if f["check"] == "bridge br-ext")
    assert (
        report["ready"] is False and br_ext["status"] == "fail" and br_ext["detail"].startswith("create bridge br-ext")
    )
    before = ip_state(host_ns)
    assert main(["host", "apply", SPEC, "--host", "kvm1", "--netns", host_ns, "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "set enp1s0 promiscuous on" in dry
    assert "change(s) would be made (dry run" in dry and "dry run: nothing was changed" in dry
    assert "applied" not in dry
    assert ip_state(host_ns) == before
    assert main(["host", "apply", SPEC, "--host", "kvm1", "--netns", host_ns]) == 0
    done = capsys.readouterr().out
    assert "set enp1s0 promiscuous on" in done and "would" not in done and "nothing was changed" not in done
    assert f"host kvm1 (netns {host_ns}): applied 22 change(s); the bridges match the spec" in done
    assert "PROMISC" in ip("link", "show", "enp1s0", netns=host_ns).stdout
    assert main(["host", "check", SPEC, "--host", "kvm1", "--netns", host_ns]) == 0
    assert "ready" in capsys.readouterr().out
    assert main(["host", "apply", SPEC, "--host", "kvm1", "--netns", host_ns]) == 0
    assert "no changes, the bridges match the spec" in capsys.readouterr().out


def test_apply_failure_says_rolled_back(host_ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    ip("link", "add", "br-int", "type", "veth", "peer", "name", "x0", netns=host_ns)
    assert main(["host", "apply", SPEC, "--host", "kvm1", "--netns", host_ns]) == 1
    assert "br-int: the name is taken by a veth device" in capsys.readouterr().err


def test_persist_dry_run_and_write(host_ns: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "host",
        "apply",
        SPEC,
        "--host",
        "kvm1",
        "--netns",
        host_ns,
        "--persist",
        "--format",
        "networkd",
        "--root",
        str(tmp_path),
    ]
    assert main([*args, "--dry-run"]) == 0
    assert "would write" in capsys.readouterr().out and not any(tmp_path.iterdir())
    assert main(args) == 0
    assert (tmp_path / "etc/systemd/network/60-fgtha-enp1s0.network").read_text().count("Promiscuous=yes") == 1


def test_unknown_host_and_undetectable_format(host_ns: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "check", SPEC, "--host", "nope", "--netns", host_ns]) == 2
    assert "no host 'nope'" in capsys.readouterr().err
    assert (
        main(["host", "apply", SPEC, "--host", "kvm1", "--netns", host_ns, "--persist", "--root", str(tmp_path)]) == 2
    )
    assert "pass --format" in capsys.readouterr().err


def test_apply_reports_every_bridge_problem_at_once(host_ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    ip("link", "del", "enp1s0", netns=host_ns)
    ip("link", "del", "enp4s0", netns=host_ns)
    before = ip_state(host_ns)
    assert main(["host", "apply", SPEC, "--host", "kvm1", "--netns", host_ns]) == 1
    err = capsys.readouterr().err
    assert "error bridge br-ext: uplink 'enp1s0' does not exist" in err
    assert "error bridge br-mgmt: uplink 'enp4s0' does not exist" in err
    assert ip_state(host_ns) == before


def test_a_second_apply_waits_then_plans_what_is_left(host_ns: str, tmp_path: Path) -> None:
    """Two applies at once: the second says whom it waits for, and plans only once the first is done."""
    args = [FGTHA, "host", "apply", SPEC, "--host", "kvm1", "--netns", host_ns]
    pause = tmp_path / "pause"
    first = subprocess.Popen(args, env={**os.environ, PAUSE_ENV: f"3:{pause}"}, stdout=subprocess.PIPE, text=True)
    wait_for_file(pause, first)  # it holds the lock, three steps done
    second = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert second.stderr is not None
    note = second.stderr.readline()
    assert f"host kvm1 (netns {host_ns}): waiting for the apply of pid {first.pid} on host kvm1" in note, note
    pause.unlink()
    first_out, _ = first.communicate(timeout=60)
    second_out, second_err = second.communicate(timeout=60)
    assert (first.returncode, second.returncode) == (0, 0), second_err
    assert "22 change(s) to make" in first_out
    assert "no changes, the bridges match the spec" in second_out and "change(s) to make" not in second_out
