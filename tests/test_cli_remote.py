"""`fgtha host check` and `fgtha host apply --persist` on a host reached over SSH (the spec's qemu+ssh uri)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from bridgekit import veth_uplink
from conftest import EXAMPLES
from netns import in_netns, ip
from sshhost import ssh_host

from fgtha.cli import main

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="openssh-server: run `make setup`")


def test_check_apply_persist_check_over_ssh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ssh_host("kvm1") as host:
        for nic in ("enp1s0", "enp2s0", "enp4s0"):
            veth_uplink(host.netns, nic)
        in_netns(host.netns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0")
        spec = yaml.safe_load((EXAMPLES / "broadcast-one-host.yaml").read_text())
        spec["hosts"][0]["uri"] = host.uri
        path = tmp_path / "spec.yaml"
        path.write_text(yaml.safe_dump(spec))

        assert main(["host", "check", str(path), "--host", "kvm1", "--json"]) == 1
        report = json.loads(capsys.readouterr().out)
        br_ext = next(f for f in report["findings"] if f["check"] == "bridge br-ext")
        assert br_ext["status"] == "fail" and br_ext["detail"].startswith("create bridge br-ext")
        assert any(f["check"] == "br_netfilter" and f["status"] == "ok" for f in report["findings"])

        root = tmp_path / "hostroot"  # the host shares this machine's file system in the test
        argv = ["host", "apply", str(path), "--host", "kvm1", "--persist", "--format", "networkd", "--root", str(root)]
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "applied" in out and "wrote" in out and "on host kvm1" in out
        assert (root / "etc/systemd/network").is_dir()
        assert "master br-ext" in ip("link", "show", "enp1s0", netns=host.netns).stdout
        assert ip("link", "show", "br-ext", check=False).returncode != 0, "nothing on the machine that runs fgtha"

        assert main(["host", "check", str(path), "--host", "kvm1", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["ready"] is True
        assert main(["host", "apply", str(path), "--host", "kvm1"]) == 0
        assert "no changes" in capsys.readouterr().out


def test_an_unreachable_host_is_an_error_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = yaml.safe_load((EXAMPLES / "broadcast-one-host.yaml").read_text())
    spec["hosts"][0]["uri"] = "qemu+ssh://root@127.0.0.1:1/system?known_hosts=/dev/null"
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["host", "apply", str(path), "--host", "kvm1"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "host kvm1 (ssh root@127.0.0.1:1): could not start the host side" in err and "Connection refused" in err
