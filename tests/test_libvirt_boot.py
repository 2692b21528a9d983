"""Tier 2 on a real libvirt 9: stand-in guests boot under TCG with each unit's own definition.

Only the kernel, the initrd and the domain type are swapped (tests/standin_guest.py). From its serial
console each guest reports its NICs (port order, the model's MACs), the config drive (volume id
``config-2``, the unit's ``user_data``), both data disks, and which FGCP-like frames from the other
unit arrived: with a spoofed virtual MAC they pass a plain bridge; ``no-mac-spoofing`` on the
sender's NIC drops them (the seed's "allow MAC spoofing" rule, shown for real).
"""

from __future__ import annotations

import copy
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libvirt_deploy
import libvirt_xml
import pytest
import standin_guest
from libvirtd import LibvirtHost, virsh
from test_model_rules import BROADCAST, UNICAST, example, mutate
from test_stacks import synth_all

from fgtha.spec.model import ClusterSpec

#: both guests boot, report and power off in 40-60 s on 2 busy cores; a guest that hangs never does
CONSOLE_WAIT_S = 300.0
FILTER = "no-mac-spoofing"

#: name -> spec data; every unit of each boots beside the other, on bridges of the test namespace
RUNS: dict[str, dict[str, Any]] = {
    UNICAST: example(UNICAST),
    BROADCAST: example(BROADCAST),
    # unicast heartbeat allows a MAC filter on the heartbeat port (broadcast mode refuses it)
    "unicast-one-host-no-mac-spoofing": mutate(
        UNICAST, {"units[1].host": "kvm1", "hosts": lambda hosts: hosts[:1], "ports[2].nwfilter": FILTER}
    ),
}


@pytest.fixture(scope="module")
def guest_files(libvirt_host: LibvirtHost) -> Path:
    vmlinuz = standin_guest.kernel()
    if vmlinuz is None:
        pytest.fail(f"no guest kernel in {standin_guest.GUEST}: run `make setup` (scripts/libvirt-tools)")
    folder = libvirt_host.work / "guest"
    folder.mkdir(exist_ok=True)
    shutil.copy2(vmlinuz, folder / "vmlinuz")
    (folder / "vmlinuz").chmod(0o644)
    return folder


def standin(domain: dict[str, Any], kernel: Path, initrd: Path) -> dict[str, Any]:
    """The unit's resolved domain with only the kernel, initrd and domain type swapped."""
    swapped = copy.deepcopy(domain)
    swapped["type"] = "qemu"  # TCG: KVM does not work on these machines
    swapped["os"] = {**swapped["os"], "kernel": str(kernel), "initrd": str(initrd)}
    return swapped


@dataclass(frozen=True)
class Booted:
    """One run: the spec, its units as created, what each guest reported, each running domain's live XML."""

    spec: ClusterSpec
    units: list[libvirt_deploy.UnitOnLibvirt]
    reports: dict[str, standin_guest.Report]
    planned: dict[str, dict[str, Any]]
    live: dict[str, str]


@pytest.fixture(scope="module", params=sorted(RUNS))
def booted(
    request: pytest.FixtureRequest,
    libvirt_host: LibvirtHost,
    guest_files: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Booted]:
    image = libvirt_deploy.base_image(libvirt_host.work)
    spec = ClusterSpec.model_validate(libvirt_deploy.with_image(RUNS[request.param], image))
    stack = libvirt_deploy.units_stack(synth_all(spec), spec)
    tmp_path = tmp_path_factory.mktemp(request.param)
    initrd = guest_files / f"initrd-{spec.cluster.group_id}.gz"
    if not initrd.exists():
        standin_guest.build_initramfs(guest_files, spec.cluster.group_id)
    for bridge in sorted(spec.port_bridges):
        libvirt_host.bridge(bridge)
    try:
        units = libvirt_deploy.apply_units(libvirt_host, stack, tmp_path)
        ptys: dict[str, str] = {}
        planned = {u.name: standin(u.domain, guest_files / "vmlinuz", initrd) for u in units}
        for name, body in planned.items():
            path = tmp_path / f"{name}.xml"
            path.write_text(libvirt_xml.domain_xml(body))
            done = libvirt_host.define(path, name, validate=False)  # what the provider does
            assert done.returncode == 0, done.stderr
        for name in planned:
            virsh("start", name)
            ptys[name] = virsh("ttyconsole", name).stdout.strip()
        live = {name: virsh("dumpxml", name).stdout for name in planned}  # what the provider reads back
        started = time.monotonic()
        reports = standin_guest.read_consoles(ptys, CONSOLE_WAIT_S, running)
        print(f"\n{request.param}: booted, reported and powered off in {time.monotonic() - started:.0f} s")
        yield Booted(spec, units, reports, planned, live)
    finally:
        for unit_name in [u.name for u in spec.units]:
            libvirt_host.remove_domain(unit_name)
        libvirt_deploy.remove_volumes(stack)


def running(name: str) -> bool:
    """Whether libvirt says domain ``name`` is running."""
    return virsh("domstate", name, check=False).stdout.strip() == "running"


def test_each_unit_boots_and_sees_its_nics_config_drive_and_disks(booted: Booted) -> None:
    spec, units, reports = booted.spec, booted.units, booted.reports
    for unit in units:
        report = reports[unit.name]
        assert report.done, f"{unit.name} did not finish its report:\n" + "\n".join(report.lines[-30:])
        model = spec.unit(unit.name)
        assert report.nics == [(f"eth{i}", spec.mac_address(model, p)) for i, p in enumerate(spec.ports)]
        assert report.label.strip() == "config-2"
        assert report.user_data == unit.user_data
        assert report.disks == unit.capacities
        assert report.disks["vda"] == spec.image.boot_disk_gib * 1024**3


def test_fgcp_frames_with_spoofed_source_pass_a_bridge_unless_the_nic_filters_them(booted: Booted) -> None:
    spec, units, reports = booted.spec, booted.units, booted.reports
    for unit in units:
        frames = reports[unit.name].frames
        assert sorted(frames) == [f"eth{i}" for i in range(len(spec.ports))], reports[unit.name].lines[-10:]
        for i, port in enumerate(spec.ports):
            spoofed, own = frames[f"eth{i}"]
            assert own > 0, f"{unit.name} {port.port}: no frame from the peer's own MAC arrived"
            if port.nwfilter == FILTER:
                assert spoofed == 0, f"{unit.name} {port.port}: {spoofed} spoofed frames passed {FILTER}"
            else:
                assert spoofed > 0, f"{unit.name} {port.port}: no spoofed FGCP frame arrived"


def test_libvirt_reports_back_every_planned_value_unchanged(booted: Booted) -> None:
    """No "Provider produced inconsistent result after apply": nothing planned is rewritten by libvirt."""
    for name, body in booted.planned.items():
        assert libvirt_xml.readback_mismatches(body, booted.live[name]) == [], name


def test_a_planned_pty_source_would_come_back_with_the_path_libvirt_chose(booted: Booted) -> None:
    """Why the bindings leave serial and console without a type: the only pty form is rewritten at start."""
    for name, body in booted.planned.items():
        pty = copy.deepcopy(body)
        for device in (*pty["devices"]["serials"], *pty["devices"]["consoles"]):
            device["source"] = {"pty": {"path": ""}}
        found = libvirt_xml.readback_mismatches(pty, booted.live[name])
        assert sorted(m.split(": was")[0] for m in found) == [
            "libvirt_domain.devices.consoles[0].source.pty.path",
            "libvirt_domain.devices.serials[0].source.pty.path",
        ], found
        assert all("but now '/dev/pts/" in m for m in found), found
