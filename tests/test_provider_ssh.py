"""kvmhost over SSH with the real Terraform: two "KVM hosts" (namespaces running sshd), one run per host stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from netns import ip
from sshhost import SshHost, ssh_host
from tfharness import Terraform, provider_block, reattached_provider

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="openssh-server: run `make setup`")


@pytest.fixture(scope="module")
def provider_env() -> Iterator[dict[str, str]]:
    with reattached_provider() as env:
        yield env


@pytest.fixture
def hosts() -> Iterator[dict[str, SshHost]]:
    """Two hosts, each with an uplink ``up0``."""
    with ssh_host("kvm1") as kvm1, ssh_host("kvm2") as kvm2:
        for host in (kvm1, kvm2):
            ip("link", "add", "up0", "type", "veth", "peer", "name", "up0p", netns=host.netns)
        yield {"kvm1": kvm1, "kvm2": kvm2}


def stack(host: SshHost, **bridges: dict[str, Any]) -> dict[str, Any]:
    """A host-network stack: the provider's ssh block for ``host`` and these bridges."""
    return {**provider_block(ssh=host.provider_ssh()), "resource": {"kvmhost_bridge": bridges}}


def links(host: SshHost) -> set[str]:
    return {link["ifname"] for link in json.loads(ip("-j", "link", "show", netns=host.netns).stdout)}


def test_each_stack_acts_on_its_host_only(
    tmp_path: Path, hosts: dict[str, SshHost], provider_env: dict[str, str]
) -> None:
    kvm1, kvm2 = hosts["kvm1"], hosts["kvm2"]
    tf1, tf2 = Terraform(tmp_path / "kvm1", provider_env), Terraform(tmp_path / "kvm2", provider_env)
    tf1.write(stack(kvm1, ext={"name": "br-ext", "uplink": "up0"}, hb={"name": "br-hb"}))
    tf2.write(stack(kvm2, ext={"name": "br-ext", "uplink": "up0"}))
    for tf in (tf1, tf2):
        tf.init()
        tf.apply()
    assert {"br-ext", "br-hb"} <= links(kvm1) and "br-ext" in links(kvm2) and "br-hb" not in links(kvm2)
    assert "br-ext" not in {line.split(":")[1].strip() for line in ip("-o", "link").stdout.splitlines()}
    state = tf1.state()["kvmhost_bridge.ext"]
    assert state["host_identity"] == f"kvm1 (machine-id {kvm1.machine_id})"
    assert tf1.plan().code == 0 and tf2.plan().code == 0

    ip("link", "set", "up0", "promisc", "on", netns=kvm2.netns)  # drift by hand on kvm2
    assert tf1.plan().code == 0, "kvm1's plan does not see kvm2's drift"
    drift = tf2.plan()
    assert drift.code == 2 and "promiscuous" in drift.stdout
    tf2.apply()
    assert tf2.plan().code == 0

    tf1.destroy()
    assert "br-ext" not in links(kvm1) and "br-hb" not in links(kvm1)
    assert "br-ext" in links(kvm2), "destroying kvm1's stack leaves kvm2 alone"
    tf2.destroy()
    assert "br-ext" not in links(kvm2)


def test_import_and_adoption_are_said(tmp_path: Path, hosts: dict[str, SshHost], provider_env: dict[str, str]) -> None:
    kvm1 = hosts["kvm1"]
    ip("link", "add", "br-ext", "type", "bridge", netns=kvm1.netns)
    tf = Terraform(tmp_path, provider_env)
    tf.write(stack(kvm1, ext={"name": "br-ext"}))
    tf.init()
    plan = tf.plan()
    assert "already exists on kvm1" in plan.output and "adopts the existing bridge" in " ".join(plan.output.split())
    tf.run("import", "-no-color", "kvmhost_bridge.ext", "br-ext")
    assert tf.state()["kvmhost_bridge.ext"]["host_identity"].startswith("kvm1 (machine-id ")
    tf.destroy()
    assert "br-ext" not in links(kvm1)


def test_a_stack_pointed_at_another_host_refuses(
    tmp_path: Path, hosts: dict[str, SshHost], provider_env: dict[str, str]
) -> None:
    kvm1, kvm2 = hosts["kvm1"], hosts["kvm2"]
    tf = Terraform(tmp_path, provider_env)
    tf.write(stack(kvm1, ext={"name": "br-ext", "uplink": "up0"}))
    tf.init()
    tf.apply()
    ip("link", "add", "br-ext", "type", "bridge", netns=kvm2.netns)  # kvm2 has a bridge of that name too
    before = ip("-d", "link", "show", netns=kvm2.netns).stdout
    tf.write(stack(kvm2, ext={"name": "br-ext", "uplink": "up0"}))  # a re-used address: the stack now reaches kvm2
    for result in (tf.plan(check=False), tf.run("destroy", "-no-color", "-auto-approve", check=False)):
        text = " ".join(result.stderr.split())
        assert result.code == 1
        assert f"belongs to kvm1 (machine-id {kvm1.machine_id})" in text
        assert f"reached kvm2 (machine-id {kvm2.machine_id})" in text and "nothing was changed" in text
    assert ip("-d", "link", "show", netns=kvm2.netns).stdout == before
    tf.write(stack(kvm1, ext={"name": "br-ext", "uplink": "up0"}))
    tf.destroy()


def test_an_unreachable_host_fails_clearly(tmp_path: Path, provider_env: dict[str, str]) -> None:
    tf = Terraform(tmp_path, provider_env)
    tf.write(
        {
            **provider_block(ssh={"host": "127.0.0.1", "port": 1, "known_hosts": "/dev/null"}),
            "resource": {"kvmhost_bridge": {"ext": {"name": "br-ext"}}},
        }
    )
    tf.init()
    plan = tf.plan(check=False)
    text = " ".join(plan.stderr.split())
    assert plan.code == 1 and "host 127.0.0.1 (ssh 127.0.0.1:1): could not start the host side" in text, text
    assert "Connection refused" in text
