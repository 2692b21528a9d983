"""The stacks of a cluster, synthesized for both heartbeat modes on one and two hosts."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from synthkit import scratch_app, synth_stack
from test_model_rules import BROADCAST, DELETE, UNICAST, mutate

from fgtha.spec.model import ClusterSpec
from fgtha_constructs import cdk
from fgtha_constructs.bindings.schema_check import Schemas, stack_problems
from fgtha_constructs.ha_cluster import FortiGateHaCluster
from fgtha_stacks.cluster_stacks import add_cluster

SNAPSHOTS = Path(__file__).parent / "snapshots"
SCHEMAS = Schemas()

#: name -> spec data: both heartbeat modes, one host and two hosts.
VARIANTS: dict[str, dict[str, Any]] = {
    "unicast-two-hosts": mutate(UNICAST, {}),
    "unicast-one-host": mutate(UNICAST, {"units[1].host": "kvm1", "hosts": lambda hosts: hosts[:1]}),
    "broadcast-one-host": mutate(BROADCAST, {}),
    "broadcast-two-hosts": mutate(
        UNICAST,
        {"cluster.heartbeat": "broadcast", "units[0].heartbeat_ip": DELETE, "units[1].heartbeat_ip": DELETE},
    ),
    "unicast-hands-free": mutate(  # the REST API key on day 0, FortiFlex tokens, fgt-b on its own image
        UNICAST,
        {
            "secrets.api_key": {"variable": "fgt_api_key"},
            "units[0].license_token": {"variable": "fgt_a_flex_token"},
            "units[1].license_token": {"env": "FGT_B_FLEX"},
            "units[1].image": {"path": "/var/lib/libvirt/images/fortios-next.qcow2"},
        },
    ),
}


def spec_of(variant: str) -> ClusterSpec:
    return ClusterSpec.model_validate(VARIANTS[variant])


def synth_all(spec: ClusterSpec) -> dict[str, dict[str, Any]]:
    with scratch_app() as app:
        add_cluster(app, spec)
        return {stack.node.id: json.loads(cdk.Testing.synth(stack)) for stack in app.node.children}


def resources(stack: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return list(stack.get("resource", {}).get(rtype, {}).values())


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest) -> Iterator[tuple[str, ClusterSpec, dict[str, dict[str, Any]]]]:
    spec = spec_of(request.param)
    yield request.param, spec, synth_all(spec)


def test_every_resource_of_every_stack_passes_the_schema_check(variant: Any) -> None:
    _, _, stacks = variant
    for name, stack in stacks.items():
        assert stack_problems(stack, SCHEMAS) == [], name


def test_one_network_stack_per_host_with_its_declared_bridges(variant: Any) -> None:
    _, spec, stacks = variant
    for host in spec.hosts:
        bridges = resources(stacks[f"{spec.cluster.name}-network-{host.name}"], "kvmhost_bridge")
        assert sorted(b["name"] for b in bridges) == sorted(b.name for b in host.bridges)
        for b in bridges:
            assert b["promiscuous"] is spec.bridge_promiscuous(host, host.bridge(b["name"]))  # type: ignore[arg-type]
    assert len(stacks) == len(spec.hosts) + 2


def test_promiscuous_uplinks_follow_the_heartbeat_mode(variant: Any) -> None:
    name, _, stacks = variant
    promiscuous = {
        b["promiscuous"]
        for s, stack in stacks.items()
        if "-network-" in s
        for b in resources(stack, "kvmhost_bridge")
        if b.get("uplink")
    }
    assert promiscuous == ({True} if name.startswith("broadcast") else {False})


def test_units_sit_on_their_hosts_libvirt_alias_with_nics_in_port_order(variant: Any) -> None:
    _, spec, stacks = variant
    units = stacks[f"{spec.cluster.name}-units"]
    aliases = {p["alias"]: p["uri"] for p in units["provider"]["libvirt"]}
    assert sorted(aliases.values()) == sorted({h.uri for h in spec.hosts})
    domains = {d["name"]: d for d in resources(units, "libvirt_domain")}
    for unit in spec.units:
        domain = domains[unit.name]
        assert aliases[domain["provider"].split(".")[1]] == spec.host(unit.host).uri
        assert domain["running"] is True and domain["memory_unit"] == "MiB" and domain["memory"] == unit.memory_mib
        nics = domain["devices"]["interfaces"]
        assert [n["mac"]["address"] for n in nics] == [spec.mac_address(unit, p) for p in spec.ports]
        assert [n["source"]["bridge"]["bridge"] for n in nics] == [p.bridge for p in spec.ports]
        assert all(n["model"]["type"] == "virtio" and "filter_ref" not in n for n in nics)
        cdrom = domain["devices"]["disks"][2]
        assert cdrom["device"] == "cdrom" and cdrom["target"] == {"dev": "sda", "bus": "sata"} and cdrom["read_only"]


def test_boot_disk_is_an_overlay_and_the_drive_is_uploaded_from_the_config_drive(variant: Any) -> None:
    _, spec, stacks = variant
    units = stacks[f"{spec.cluster.name}-units"]
    volumes = {v["name"]: v for v in resources(units, "libvirt_volume")}
    boot = volumes["fgt-a-boot.qcow2"]
    assert boot["backing_store"] == {"path": spec.image.path, "format": {"type": "qcow2"}}
    drive_volume = volumes["fgt-a-config-2.iso"]
    assert drive_volume["create"]["content"]["url"].startswith("${kvmhost_config_drive.")
    assert drive_volume["lifecycle"]["replace_triggered_by"][0].endswith(".sha256")


def test_cdktf_testing_assertions_on_the_ha_stack(variant: Any) -> None:
    name, spec, _ = variant
    with scratch_app() as app:
        synthesized = cdk.Testing.synth(add_cluster(app, spec).ha)
    unicast = name.startswith("unicast")
    for unit in spec.units:
        hb = spec.unicast_heartbeat(unit)
        expected = {
            "group_id": spec.cluster.group_id,
            "group_name": spec.cluster.effective_group_name,
            "hbdev": " ".join(f"{p} {prio}" for p, prio in spec.hbdev),
            "monitor": " ".join(spec.cluster.monitor),
            "priority": unit.priority,
            "unicast_hb": "enable" if unicast else "disable",
            "password": "${var.fgt_ha_password}",
            "provider": f"fortios.{unit.name}",
        }
        if unicast:
            assert hb is not None
            expected["unicast_hb_peerip"] = str(hb.peer_ip)
            expected["unicast_hb_netmask"] = str(hb.netmask)
        assert cdk.Testing.to_have_resource_with_properties(synthesized, "fortios_system_ha", expected), unit.name
    assert cdk.Testing.to_have_provider_with_properties(synthesized, "fortios", {"alias": spec.units[0].name})


def test_hbdev_is_written_without_inner_quotes_and_identical_on_every_unit(variant: Any) -> None:
    _, spec, stacks = variant
    has = resources(stacks[f"{spec.cluster.name}-ha"], "fortios_system_ha")
    shared = {
        "group_id",
        "group_name",
        "hbdev",
        "monitor",
        "mode",
        "password",
        "session_pickup",
        "override",
        "hb_interval",
    }
    assert len({json.dumps({k: ha[k] for k in sorted(shared)}) for ha in has}) == 1
    assert all('"' not in ha["hbdev"] for ha in has)


def test_a_macvtap_port_trusts_the_guests_rx_filters_and_an_nwfilter_is_referenced() -> None:
    data = mutate(UNICAST, {"ports[1]": {"port": "port2", "macvtap": "enp9s0", "nwfilter": "allow-arp"}})
    units = synth_all(ClusterSpec.model_validate(data))["fgt-ha-units"]
    nic = resources(units, "libvirt_domain")[0]["devices"]["interfaces"][1]
    assert nic["source"] == {"direct": {"dev": "enp9s0", "mode": "bridge"}}
    assert nic["trust_guest_rx_filters"] == "yes"
    assert nic["filter_ref"] == {"filter": "allow-arp"}


def test_a_licence_is_read_by_terraform_at_apply_time_not_at_synth(tmp_path: Path) -> None:
    data = mutate(UNICAST, {"units[0].license_file": "fgt-a.lic"})
    spec = ClusterSpec.model_validate(data, context={"source_dir": str(tmp_path)})
    (tmp_path / "fgt-a.lic").write_text("-----BEGIN FGT VM LICENSE-----\nSECRETLICENCE\n")
    units = json.dumps(synth_all(spec)["fgt-ha-units"])
    assert "SECRETLICENCE" not in units
    assert f'file(\\"{tmp_path}/fgt-a.lic\\")' in units


def test_the_single_scope_cluster_construct_has_every_part() -> None:
    out = synth_stack(lambda stack: FortiGateHaCluster(stack, "cluster", spec=spec_of("unicast-two-hosts")))
    assert stack_problems(out, SCHEMAS) == []
    counts = {rtype: len(rs) for rtype, rs in out["resource"].items()}
    assert counts == {
        "kvmhost_bridge": 8,
        "kvmhost_config_drive": 2,
        "libvirt_volume": 6,
        "libvirt_domain": 2,
        "fortios_system_ha": 2,
        "fortios_system_global": 2,
        "fortios_system_interface": 2,
    }


@pytest.mark.parametrize("variant_name", sorted(VARIANTS))
def test_snapshots(variant_name: str) -> None:
    """The synthesized stacks, frozen after review; FGTHA_UPDATE_SNAPSHOTS=1 rewrites them."""
    path = SNAPSHOTS / f"{variant_name}.json"
    actual = json.dumps(synth_all(spec_of(variant_name)), indent=1, sort_keys=True) + "\n"
    if os.environ.get("FGTHA_UPDATE_SNAPSHOTS") == "1":
        path.write_text(actual)
    assert path.read_text() == actual, f"{path.name} differs; review the diff, then FGTHA_UPDATE_SNAPSHOTS=1"


SECRET_VALUES = {
    "TF_VAR_fgt_ha_password": "ha-Pa55-never-in-out",
    "TF_VAR_fgt_admin_password": "admin-Pa55-never-in-out",
    "TF_VAR_fortios_token_fgt_a": "token-a-never-in-out",
    "TF_VAR_fortios_token_fgt_b": "token-b-never-in-out",
}


def test_main_synthesizes_the_example_and_no_secret_reaches_cdktf_out(tmp_path: Path) -> None:
    import shutil
    import subprocess

    shutil.copy(REPO / "main.py", tmp_path / "main.py")
    shutil.copy(REPO / "cdktf.json", tmp_path / "cdktf.json")
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    env = {**os.environ, **SECRET_VALUES, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    subprocess.run([sys.executable, "main.py"], cwd=tmp_path, env=env, check=True, capture_output=True)
    files = [p for p in (tmp_path / "cdktf.out").rglob("*") if p.is_file()]
    assert {p.parent.name for p in files if p.name == "cdk.tf.json"} == {
        "fgt-ha-network-kvm1",
        "fgt-ha-network-kvm2",
        "fgt-ha-units",
        "fgt-ha-ha",
    }
    for p in files:
        text = p.read_text()
        for value in SECRET_VALUES.values():
            assert value not in text, p
        if p.name == "cdk.tf.json":
            assert stack_problems(json.loads(text), SCHEMAS) == [], p
