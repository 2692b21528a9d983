"""Apply a synthesized units stack to the test libvirtd the way dmacvicar/libvirt 0.9.7 would (tests/libvirt_xml.py).

The config drives are written first with the project's writer (what ``kvmhost_config_drive`` does at
apply, variables replaced by test values); each volume is then created from the modelled XML and, for
the config drive, uploaded from that file; each domain's XML is returned for the test to define.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libvirt_xml
from libvirtd import LibvirtHost, virsh

from fgtha.configdrive import write_config_drive
from fgtha.spec.model import ClusterSpec

#: Test values for the stack's Terraform variables (never real secrets).
VARIABLES = {"fgt_ha_password": "test-ha-secret", "fgt_admin_password": "test-admin-secret"}
_VAR = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class UnitOnLibvirt:
    """One unit as created: its resolved ``libvirt_domain`` body, user_data, volumes (name -> bytes)."""

    name: str
    domain: dict[str, Any]
    user_data: str
    capacities: dict[str, int]


def base_image(folder: Path, virtual_gib: int = 1) -> Path:
    """A small, empty qcow2 standing in for fortios.qcow2 (sparse: a few hundred KiB on disk)."""
    path = folder / "fortios.qcow2"
    if not path.exists():
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), f"{virtual_gib}G"], check=True)
    return path


def with_image(data: dict[str, Any], image: Path) -> dict[str, Any]:
    """Spec data whose image is the stand-in (the shipped path does not exist on a test machine)."""
    return {**data, "image": {**data["image"], "path": str(image)}}


def _variables(text: str) -> str:
    return _VAR.sub(lambda m: VARIABLES[m.group(1)], text)


def units_stack(stacks: dict[str, dict[str, Any]], spec: ClusterSpec) -> dict[str, Any]:
    """The stack holding the cluster's libvirt resources."""
    return stacks[f"{spec.cluster.name}-units"]


def apply_units(host: LibvirtHost, stack: dict[str, Any], drive_dir: Path) -> list[UnitOnLibvirt]:
    """Write the config drives, create every volume as the provider would; the domains' bodies, resolved."""
    resources = stack["resource"]
    known: dict[str, Any] = {}
    user_data: dict[str, str] = {}
    for rid, drive in resources.get("kvmhost_config_drive", {}).items():
        path = drive_dir / Path(drive["path"]).name
        text = _variables(drive["user_data"])
        write_config_drive(path, text)
        known[f"kvmhost_config_drive.{rid}.path"] = str(path)
        user_data[str(path)] = text
    resolve = libvirt_xml.resolver(stack, known)
    capacities: dict[str, int] = {}
    uploads: dict[str, str] = {}
    for body in resources.get("libvirt_volume", {}).values():
        creation = libvirt_xml.volume_creation(resolve(body))
        xml = drive_dir / f"{creation.name}.volume.xml"
        xml.write_text(creation.xml)
        virsh("vol-create", creation.pool, str(xml))
        if creation.upload is not None:
            virsh("vol-upload", "--pool", creation.pool, creation.name, str(creation.upload))
            uploads[creation.name] = str(creation.upload)
        capacities[creation.name] = creation.capacity_bytes
    units = []
    for body in resources.get("libvirt_domain", {}).values():
        domain = resolve(body)
        cdrom = next(d for d in domain["devices"]["disks"] if d.get("device") == "cdrom")
        drive = uploads[cdrom["source"]["volume"]["volume"]]
        units.append(
            UnitOnLibvirt(
                name=domain["name"],
                domain=domain,
                user_data=user_data[drive],
                capacities={
                    d["target"]["dev"]: capacities[d["source"]["volume"]["volume"]]
                    for d in domain["devices"]["disks"]
                    if d.get("device") != "cdrom"
                },
            )
        )
    return units


def remove_volumes(stack: dict[str, Any]) -> None:
    """Delete the stack's volumes from the pool (the test session removes the pool itself too)."""
    for body in stack["resource"].get("libvirt_volume", {}).values():
        virsh("vol-delete", "--pool", body["pool"], body["name"], check=False)
