"""No value of the spec becomes Terraform code: a hostile spec synthesized, then evaluated and applied by the
real (embedded) Terraform, keeps every value as the literal text it was written as."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from synthkit import scratch_app
from test_model_rules import UNICAST, mutate
from tfharness import SOURCE, Terraform, reattached_provider

from fgtha.fortios.bootstrap import render_unit
from fgtha.fortios.secrets import BootstrapSecrets
from fgtha.spec.model import ClusterSpec
from fgtha_constructs import cdk
from fgtha_constructs.bindings.schema_check import Schemas, stack_problems
from fgtha_stacks.cluster_stacks import StackOptions, add_cluster

READ_HOSTNAME = '${file("/etc/hostname")}'
#: The issue's licence attack: a quote in the path would close the ``file("...")`` call and read /etc/hostname.
LICENSE_0 = 'x")}${file("/etc/hostname")}${file("x'
LICENSE_1 = "b\\${x}%{y}.lic"
SECRETS = {"TF_VAR_fgt_ha_password": "ha-Pa55", "TF_VAR_fgt_admin_password": "adm-Pa55"}


def hostile_values(marker: Path) -> dict[str, str]:
    """Each field the issue names, holding code that reads a file (``marker`` or /etc/hostname)."""
    read = f'${{file("{marker}")}}'
    return {
        "cluster.group_name": READ_HOSTNAME,
        "image.path": f"/img/{read}.qcow2",
        "image.pool": '%{ for c in ["a"] }' + read + "%{ endfor }",
        "hosts[0].uri": f"qemu+ssh://root@kvm1/system?keyfile=/keys/{read}",
        "ports[0].nwfilter": read,
    }


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[ClusterSpec, Path]:
    """A valid spec with every hostile value, its licence files (with hostile names) and a marker file."""
    marker = tmp_path / "marker"
    marker.write_text("MARKER-CONTENT-NEVER-READ")
    spec_dir = tmp_path / "spec"
    for name, content in ((LICENSE_0, "LICENCE-A\n"), (LICENSE_1, "LICENCE-B\n")):
        (spec_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (spec_dir / name).write_text(content)
    changes: dict[str, Any] = {**hostile_values(marker), "units[0].license_file": LICENSE_0}
    changes["units[1].license_file"] = LICENSE_1
    spec = ClusterSpec.model_validate(mutate(UNICAST, changes), context={"source_dir": str(spec_dir)})
    return spec, tmp_path


def synth(spec: ClusterSpec, drive_dir: Path) -> dict[str, dict[str, Any]]:
    with scratch_app() as app:
        add_cluster(app, spec, StackOptions(drive_dir=str(drive_dir)))
        return {stack.node.id: json.loads(cdk.Testing.synth(stack)) for stack in app.node.children}


def _resources(stack: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return list(stack["resource"][rtype].values())


def test_every_hostile_value_is_terraform_text_that_evaluates_to_itself(hostile: tuple[ClusterSpec, Path]) -> None:
    spec, tmp_path = hostile
    stacks = synth(spec, tmp_path / "drives")
    for name, stack in stacks.items():
        assert stack_problems(stack, Schemas()) == [], name
    units, ha = stacks["fgt-ha-units"], stacks["fgt-ha-ha"]
    volumes = {v["name"]: v for v in _resources(units, "libvirt_volume")}
    domain = _resources(units, "libvirt_domain")[0]
    written = {  # field -> where the synthesized stacks carry it
        "cluster.group_name": [h["group_name"] for h in _resources(ha, "fortios_system_ha")],
        "image.path": [volumes["fgt-a-boot.qcow2"]["backing_store"]["path"]],
        "image.pool": [v["pool"] for v in volumes.values()]
        + [domain["devices"]["disks"][2]["source"]["volume"]["pool"]],
        "hosts[0].uri": [p["uri"] for p in units["provider"]["libvirt"] if p["alias"] == "kvm1"],
        "ports[0].nwfilter": [domain["devices"]["interfaces"][0]["filter_ref"]["filter"]],
    }
    flat = [(field, text) for field, texts in written.items() for text in texts]
    tf = Terraform(tmp_path / "eval")
    tf.write({"output": {f"o{i}": {"value": text} for i, (_, text) in enumerate(flat)}})
    tf.init()
    tf.apply()
    outputs = json.loads(tf.run("output", "-json").stdout)
    expected = hostile_values(tmp_path / "marker")
    assert [outputs[f"o{i}"]["value"] for i in range(len(flat))] == [expected[field] for field, _ in flat]
    assert all(len(texts) >= 1 for texts in written.values())


def drives_only(units: dict[str, Any]) -> dict[str, Any]:
    """The units stack's config drives alone, with their provider and variables (libvirt cannot run here)."""
    return {
        "terraform": {"required_providers": {"kvmhost": {"source": SOURCE}}},
        "provider": {"kvmhost": units["provider"]["kvmhost"]},
        "variable": units["variable"],
        "resource": {"kvmhost_config_drive": units["resource"]["kvmhost_config_drive"]},
    }


def _iso_file(image: Path, inside: str, out: Path) -> str:
    subprocess.run(["xorriso", "-osirrox", "on", "-indev", str(image), "-extract", inside, str(out)], check=True)
    return out.read_text()


def test_a_real_apply_writes_the_hostile_text_literally_into_the_config_drives(
    hostile: tuple[ClusterSpec, Path],
) -> None:
    spec, tmp_path = hostile
    drives = tmp_path / "drives"
    drives.mkdir()
    units = synth(spec, drives)["fgt-ha-units"]
    with reattached_provider() as provider_env:
        tf = Terraform(tmp_path / "apply", {**provider_env, **SECRETS})
        tf.write(drives_only(units))
        tf.init()
        tf.apply()
    secrets = BootstrapSecrets(SECRETS["TF_VAR_fgt_ha_password"], SECRETS["TF_VAR_fgt_admin_password"])
    for unit, licence in zip(spec.units, ("LICENCE-A\n", "LICENCE-B\n"), strict=True):
        image = drives / f"fgt-ha-{unit.name}-config-2.iso"
        user_data = _iso_file(image, "/openstack/latest/user_data", tmp_path / f"{unit.name}.ud")
        assert user_data == render_unit(spec, unit, secrets)  # exactly what `fgtha iso` writes
        assert "${file(" in user_data and "set group-name" in user_data
        assert _iso_file(image, "/openstack/content/0000", tmp_path / f"{unit.name}.lic") == licence
    assert not [p for p in os.listdir(drives) if p.endswith(".tmp")]
