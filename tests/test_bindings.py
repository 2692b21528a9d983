"""The hand-written provider bindings and the schema check that guards them."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from synthkit import synth_stack
from tfharness import Terraform

from fgtha_constructs import cdk
from fgtha_constructs.bindings.expression import Expression, hcl_string, literal_template
from fgtha_constructs.bindings.fortios import (
    FortiosProvider,
    FortiosSystemGlobal,
    FortiosSystemHa,
    FortiosSystemInterface,
    HaMgmtInterface,
)
from fgtha_constructs.bindings.kvmhost import KvmhostBridge, KvmhostConfigDrive, KvmhostProvider
from fgtha_constructs.bindings.libvirt import (
    BackingStore,
    Devices,
    Disk,
    DiskSource,
    DiskSourceFile,
    DiskTarget,
    Interface,
    InterfaceMac,
    InterfaceModel,
    InterfaceSource,
    LibvirtDomain,
    LibvirtPool,
    LibvirtProvider,
    LibvirtVolume,
    PoolTarget,
    SourceBridge,
    VolumeFormat,
    VolumeTarget,
)
from fgtha_constructs.bindings.schema_check import Schemas, stack_problems

SCHEMAS = Schemas()


def every_binding(stack: cdk.TerraformStack) -> None:
    libvirt = LibvirtProvider(stack, "lv", uri="qemu:///system", alias="kvm1")
    LibvirtPool(stack, "pool", provider=libvirt, name="fgt", type="dir", target=PoolTarget("/var/lib/fgt"))
    image = LibvirtVolume(
        stack,
        "disk",
        provider=libvirt,
        name="a.qcow2",
        pool="default",
        target=VolumeTarget(VolumeFormat("qcow2")),
        backing_store=BackingStore("/img/fortios.qcow2", VolumeFormat("qcow2")),
    )
    LibvirtDomain(
        stack,
        "vm",
        provider=libvirt,
        name="a",
        memory=2048,
        memory_unit="MiB",
        vcpu=1,
        devices=Devices(
            disks=(Disk(source=DiskSource(file=DiskSourceFile(image.path)), target=DiskTarget("vda", "virtio")),),
            interfaces=(
                Interface(
                    InterfaceSource(bridge=SourceBridge("br0")),
                    InterfaceMac("52:54:00:00:00:01"),
                    InterfaceModel("virtio"),
                ),
            ),
        ),
    )
    kvm = KvmhostProvider(stack, "kh", netns="ns1")
    KvmhostBridge(stack, "br", provider=kvm, name="br0", uplink="eth0", promiscuous=True, mtu=1500)
    KvmhostConfigDrive(stack, "cd", provider=kvm, path="/tmp/a.iso", user_data="config system global\nend\n")
    fortios = FortiosProvider(stack, "fo", alias="a", hostname="192.0.2.1", token=Expression.var("t"))
    FortiosSystemHa(
        stack,
        "ha",
        provider=fortios,
        group_id=1,
        group_name="g",
        mode="a-p",
        hbdev="port3 50",
        monitor="port1",
        password=Expression.var("p"),
        session_pickup="enable",
        override="disable",
        priority=200,
        ha_mgmt_interfaces=(HaMgmtInterface(id=1, interface="port4"),),
    )
    FortiosSystemInterface(stack, "if", provider=fortios, name="port4", ip="192.0.2.1/24")
    FortiosSystemGlobal(stack, "gl", provider=fortios, hostname="a")


def test_every_binding_passes_the_schema_check() -> None:
    out = synth_stack(every_binding)
    assert stack_problems(out, SCHEMAS) == []
    assert len([r for rs in out["resource"].values() for r in rs]) == 8


def test_references_are_terraform_expressions_and_nested_values_plain_json() -> None:
    out = synth_stack(every_binding)
    disk = out["resource"]["libvirt_domain"]["vm"]["devices"]["disks"][0]
    assert disk["source"]["file"]["file"] == "${libvirt_volume.disk.path}"
    assert out["resource"]["fortios_system_ha"]["ha"]["ha_mgmt_interfaces"] == [{"id": 1, "interface": "port4"}]
    assert "capacity" not in out["resource"]["libvirt_volume"]["disk"]  # None is left out


def test_required_providers_are_pinned_and_aliases_are_used() -> None:
    out = synth_stack(every_binding)
    assert out["terraform"]["required_providers"] == {
        "libvirt": {"source": "dmacvicar/libvirt", "version": "~> 0.9.7"},
        "fortios": {"source": "fortinetdev/fortios", "version": "~> 1.25"},
        "kvmhost": {"source": "fgt-kvm-ha.local/fgt-kvm-ha/kvmhost", "version": "~> 0.1"},
    }
    assert out["resource"]["libvirt_domain"]["vm"]["provider"] == "libvirt.kvm1"
    assert out["resource"]["fortios_system_ha"]["ha"]["provider"] == "fortios.a"
    assert out["provider"]["kvmhost"] == [{"netns": "ns1"}]


@pytest.mark.parametrize(
    ("mutation", "problem"),
    [
        (lambda r: r["libvirt_volume"]["disk"].update(sizee=1), "libvirt_volume.disk.sizee: unknown attribute"),
        (lambda r: r["libvirt_volume"]["disk"].pop("pool"), "libvirt_volume.disk.pool: required attribute missing"),
        (lambda r: r["libvirt_domain"]["vm"].update(vcpu="two"), "libvirt_domain.vm.vcpu: expected number"),
        (lambda r: r["libvirt_domain"]["vm"].update(running="true"), "libvirt_domain.vm.running: expected bool"),
        (lambda r: r["libvirt_domain"]["vm"].update(vcpu="$${var.n}"), "libvirt_domain.vm.vcpu: expected number"),
        (lambda r: r["libvirt_volume"]["disk"].update(path="/x"), "libvirt_volume.disk.path: computed only"),
        (lambda r: r["kvmhost_bridge"]["br"].update(mac="aa"), "kvmhost_bridge.br.mac: computed only"),
        (
            lambda r: r["libvirt_domain"]["vm"]["devices"]["disks"][0]["target"].update(bus=["virtio"]),
            "libvirt_domain.vm.devices.disks[0].target.bus: expected string",
        ),
        (
            lambda r: r["fortios_system_ha"]["ha"].update(ha_mgmt_interfaces={"id": 1}),
            "fortios_system_ha.ha.ha_mgmt_interfaces: expected a list of objects",
        ),
        (
            lambda r: r["libvirt_domain"]["vm"]["devices"].update(interfaces={"mac": {}}),
            "libvirt_domain.vm.devices.interfaces: expected a list of objects",
        ),
        (
            lambda r: r["libvirt_domain"]["vm"]["devices"]["interfaces"][0]["mac"].pop("address"),
            "libvirt_domain.vm.devices.interfaces[0].mac.address: required attribute missing",
        ),
        (lambda r: r.update(null_resource={"n": {}}), "resource.null_resource: no schema"),
    ],
)
def test_the_schema_check_finds_each_kind_of_problem(mutation: Any, problem: str) -> None:
    out = synth_stack(every_binding)
    mutation(out["resource"])
    problems = stack_problems(out, SCHEMAS)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_an_expression_may_stand_for_any_type() -> None:
    out = synth_stack(every_binding)
    out["resource"]["libvirt_domain"]["vm"]["vcpu"] = "${var.vcpu}"
    out["resource"]["libvirt_domain"]["vm"]["devices"] = "${local.devices}"
    assert stack_problems(out, SCHEMAS) == []


# ---- literal strings and expressions, read back by the real Terraform --------------------------------------

#: Strings that Terraform's template syntax or cdktf's token markers would take for code.
_EDGE_CASES = [
    "${",
    "$${",
    "$$${",
    "%{",
    "%%{",
    "$",
    "a$",
    "$$",
    "%",
    "}",
    "\\",
    '"',
    "\n",
    '${file("/etc/hostname")}',
    '%{ for c in ["a"] }${c}%{ endfor }',
    "${TfToken[TOKEN.0]}",
    "#{TfToken[TOKEN.1]}",
    "$${TfToken[TOKEN.2]}",
    'x\\"y\\n${var.x}\t',
]
_ALPHABET = '$%{}"\\ \n\tTfToken[]#ab'


def _corpus() -> list[str]:
    rng = random.Random(12)
    return _EDGE_CASES + ["".join(rng.choices(_ALPHABET, k=rng.randint(1, 14))) for _ in range(150)]


def _evaluated(tmp_path: Path, values: list[Any]) -> list[Any]:
    """What Terraform makes of each synthesized value (as the value of an output)."""
    tf = Terraform(tmp_path / "eval")
    tf.write({"output": {f"o{i}": {"value": v} for i, v in enumerate(values)}})
    tf.init()
    tf.apply()
    outputs = json.loads(tf.run("output", "-json").stdout)
    return [outputs[f"o{i}"]["value"] for i in range(len(values))]


def test_a_literal_string_reaches_terraform_unchanged_and_only_expressions_are_evaluated(tmp_path: Path) -> None:
    texts = _corpus()
    x = Expression.hcl('"X"')
    built: list[tuple[str | Expression, str]] = [(t, t) for t in texts]  # (binding value, what Terraform must see)
    built += [(Expression.join(t, x, t), t + "X" + t) for t in texts]  # literal text around an expression
    built += [(Expression.call("tostring", t), t) for t in texts]  # a quoted HCL string argument
    built += [(Expression.call("tostring", Expression.join(t, x)), t + "X") for t in texts]  # a quoted template

    def build(stack: cdk.TerraformStack) -> None:
        kvm = KvmhostProvider(stack, "kh")
        for i, (value, _) in enumerate(built):
            KvmhostConfigDrive(stack, f"d{i}", provider=kvm, path="/x.iso", user_data=value)

    out = synth_stack(build)["resource"]["kvmhost_config_drive"]
    synthesized = [out[f"d{i}"]["user_data"] for i in range(len(built))]
    assert _evaluated(tmp_path, synthesized) == [expected for _, expected in built]


def test_an_expression_of_one_interpolation_keeps_its_type(tmp_path: Path) -> None:
    values = [Expression.hcl("true").template(), Expression.hcl("1 + 1").template(), literal_template("true")]
    assert _evaluated(tmp_path, values) == [True, 2, "true"]


def test_hcl_string_quotes_what_would_end_the_string_or_start_an_expression() -> None:
    assert hcl_string('a")}${file("/etc/hostname")}\\') == '"a\\")}$${file(\\"/etc/hostname\\")}\\\\"'


def test_a_value_without_an_escaped_form_is_refused() -> None:
    def build(stack: cdk.TerraformStack) -> None:
        kvm = KvmhostProvider(stack, "kh")
        KvmhostConfigDrive(stack, "d", provider=kvm, path="/x.iso", user_data={"${x}": "y"})  # type: ignore[arg-type]

    with pytest.raises(Exception, match="a binding attribute cannot be a dict"):
        synth_stack(build)


@pytest.mark.parametrize("name", ['x}${file("/etc/hostname")', "a b", "", "1x", "x.y"])
def test_a_reference_or_variable_takes_terraform_names_only(name: str) -> None:
    with pytest.raises(ValueError, match="not a Terraform name"):
        Expression.var(name)
    with pytest.raises(ValueError, match="not a Terraform name"):
        Expression.ref("libvirt_volume.boot", name)
