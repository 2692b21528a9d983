"""Where a host is: the reach derived from ``hosts[].uri`` (or an ``ssh`` block), and the rules between hosts."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES

from fgtha.spec.model import ClusterSpec
from fgtha.spec.problems import SpecError
from fgtha.spec.reach import SshReach, parse_uri

EXAMPLE = yaml.safe_load((EXAMPLES / "unicast-two-hosts.yaml").read_text())


def with_hosts(*changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    for host, change in zip(data["hosts"], changes):
        host.pop("uri")
        host.update(change)
    return data


def problems(data: dict[str, Any]) -> list[str]:
    try:
        ClusterSpec.model_validate(data)
    except SpecError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.mark.parametrize(
    ("uri", "reach"),
    [
        ("qemu:///system", None),
        ("qemu+unix:///system", None),
        ("qemu+ssh://kvm2/system", SshReach("kvm2")),
        (
            "qemu+ssh://admin@10.0.0.2:2222/system?keyfile=/k/id&known_hosts=/k/kh&no_verify=1",
            SshReach("10.0.0.2", "admin", 2222, "/k/id", "/k/kh", True),
        ),
        ("qemu+ssh://root@[2001:db8::2]/system", SshReach("2001:db8::2", "root")),
    ],
)
def test_uri_forms(uri: str, reach: SshReach | None) -> None:
    assert parse_uri(uri) == reach


def test_the_example_reaches_both_hosts_over_ssh() -> None:
    spec = ClusterSpec.model_validate(EXAMPLE)
    assert [h.reach for h in spec.hosts] == [SshReach("kvm1", "root"), SshReach("kvm2", "root")]


def test_an_ssh_block_wins_for_a_host_whose_libvirt_is_reached_over_tls() -> None:
    data = with_hosts({"uri": "qemu+tls://kvm1/system", "ssh": {"host": "kvm1.mgmt", "port": 2200}}, {})
    spec = ClusterSpec.model_validate(data)
    assert spec.hosts[0].reach == SshReach("kvm1.mgmt", port=2200)
    assert spec.hosts[0].reach.provider_block() == {"host": "kvm1.mgmt", "port": 2200}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (({"uri": "qemu+tls://kvm1/system"}, {}), "hosts[0].uri: 'qemu+tls://kvm1/system' does not say how to reach"),
        (({"uri": "qemu+ssh:///system"}, {}), "hosts[0].uri: 'qemu+ssh:///system' names no host"),
        (({"uri": "qemu+ssh://kvm1:0/system"}, {}), "hosts[0].uri: 'qemu+ssh://kvm1:0/system': the port"),
        (
            ({"uri": "qemu+ssh://kvm1/system?no_verify=yes"}, {}),
            "hosts[0].uri: 'qemu+ssh://kvm1/system?no_verify=yes': no_verify must be 0 or 1",
        ),
        (({"uri": "xen:///system"}, {}), "hosts[0].uri: 'xen:///system' is not a QEMU/KVM libvirt URI"),
        (({}, {}), "hosts[1].uri: 'qemu:///system' is the machine that runs the command, and so is hosts[0]"),
        (
            ({"uri": "qemu+ssh://root@kvm1/system"}, {"uri": "qemu+ssh://kvm1:22/system"}),
            "hosts[1].uri: root@kvm1:22 is already how hosts[0] is reached",
        ),
        (
            ({"uri": "qemu+ssh://kvm1/system"}, {"uri": "qemu+tls://x/system", "ssh": {"host": "KVM1"}}),
            "hosts[1].ssh: root@kvm1:22 is already how hosts[0] is reached",
        ),
        (
            ({}, {"uri": "qemu+tls://x/system", "ssh": {"host": "kvm2", "port": 70000}}),
            "hosts[1].ssh.port: Input should be less than or equal to 65535",
        ),
    ],
)
def test_reach_problems_name_the_field(changes: tuple[dict[str, Any], ...], expected: str) -> None:
    found = problems(with_hosts(*changes))
    assert any(p.startswith(expected) for p in found), found


def test_one_local_host_and_one_ssh_host_is_fine() -> None:
    assert problems(with_hosts({"uri": "qemu:///system"}, {"uri": "qemu+ssh://kvm2/system"})) == []
