"""L2 construct `FortiGateVm`: one FortiGate-VM unit as a libvirt domain with its disks, NICs and config drive."""

from __future__ import annotations

from fgtha.configdrive import fortiflex_license
from fgtha.spec.model import ClusterSpec, Port, Unit

from . import secret_inputs
from .bindings.expression import Expression
from .bindings.kvmhost import KvmhostConfigDrive, KvmhostProvider
from .bindings.libvirt import (
    BackingStore,
    Devices,
    Disk,
    DiskDriver,
    DiskSource,
    DiskSourceVolume,
    DiskTarget,
    FilterRef,
    Interface,
    InterfaceMac,
    InterfaceModel,
    InterfaceSource,
    LibvirtDomain,
    LibvirtProvider,
    LibvirtVolume,
    SourceBridge,
    SourceDirect,
    VolumeContent,
    VolumeCreate,
    VolumeFormat,
    VolumeTarget,
)
from .cdk import Construct

QCOW2 = VolumeFormat("qcow2")
RAW = VolumeFormat("raw")


def _interface(spec: ClusterSpec, unit: Unit, port: Port) -> Interface:
    if port.macvtap is not None:
        source = InterfaceSource(direct=SourceDirect(dev=port.macvtap))
        trust = "yes"  # let the guest's FGCP virtual MACs through macvtap
    else:
        source = InterfaceSource(bridge=SourceBridge(bridge=port.bridge or ""))
        trust = None
    return Interface(
        source=source,
        mac=InterfaceMac(spec.mac_address(unit, port)),
        model=InterfaceModel("virtio"),
        filter_ref=FilterRef(port.nwfilter) if port.nwfilter else None,
        trust_guest_rx_filters=trust,
    )


class FortiGateVm(Construct):
    """A unit: qcow2 overlay on the image, a log disk, the day-0 config drive as SATA CD-ROM, NICs in port order."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: ClusterSpec,
        unit: Unit,
        provider: LibvirtProvider,
        drive_provider: KvmhostProvider,
        drive_dir: str | Expression,
        variables: secret_inputs.SecretVariables,
        prevent_destroy: bool = True,
    ) -> None:
        super().__init__(scope, id)
        pool = spec.image.pool
        image = spec.unit_image(unit)
        self.boot = LibvirtVolume(
            self,
            "boot",
            provider=provider,
            name=f"{unit.name}-boot.qcow2",
            pool=pool,
            capacity=image.boot_disk_gib,  # the provider requires one (libvirt would inherit the image's)
            capacity_unit="GiB",
            target=VolumeTarget(QCOW2),
            backing_store=BackingStore(path=image.path, format=QCOW2),
        )
        if prevent_destroy:  # the unit's disk: a destroy or a replacement needs allow_destroy (docs/stacks.md)
            self.boot.add_override("lifecycle.prevent_destroy", True)
        self.log = LibvirtVolume(
            self,
            "log",
            provider=provider,
            name=f"{unit.name}-log.qcow2",
            pool=pool,
            capacity=spec.image.log_disk_gib,
            capacity_unit="GiB",
            target=VolumeTarget(QCOW2),
        )
        self.drive = KvmhostConfigDrive(
            self,
            "config_drive",
            provider=drive_provider,
            path=Expression.join(drive_dir, f"/{spec.cluster.name}-{unit.name}-config-2.iso"),
            user_data=secret_inputs.user_data(variables, spec, unit),
            license=self._license(spec, unit, variables),
        )
        self.drive_volume = LibvirtVolume(
            self,
            "config_volume",
            provider=provider,
            name=f"{unit.name}-config-2.iso",
            pool=pool,
            target=VolumeTarget(RAW),
            create=VolumeCreate(VolumeContent(url=self.drive.path)),
            replace_triggered_by=(f"{self.drive.address}.sha256",),
        )
        disks = (
            self._volume_disk(self.boot, "vda", "virtio", "qcow2"),
            self._volume_disk(self.log, "vdb", "virtio", "qcow2"),
            Disk(
                device="cdrom",
                source=DiskSource(volume=DiskSourceVolume(pool=pool, volume=self.drive_volume.name)),
                target=DiskTarget(dev="sda", bus="sata"),
                driver=DiskDriver(type="raw"),
                read_only=True,
            ),
        )
        self.domain = LibvirtDomain(
            self,
            "domain",
            provider=provider,
            name=unit.name,
            memory=unit.memory_mib,
            memory_unit="MiB",
            vcpu=unit.vcpu,
            running=True,
            description=f"FortiGate-VM {unit.name} of FGCP cluster {spec.cluster.name}",
            devices=Devices(disks=disks, interfaces=tuple(_interface(spec, unit, p) for p in spec.ports)),
            replace_triggered_by=(self.boot.address,),  # a new boot disk (units[].image) boots a new VM
        )

    @staticmethod
    def _license(spec: ClusterSpec, unit: Unit, variables: secret_inputs.SecretVariables) -> Expression | None:
        """``openstack/content/0000``: the FortiFlex token line around its variable, or the licence file's text."""
        token = secret_inputs.license_token(variables, unit)
        if token is not None:
            before, after = fortiflex_license("\0").split("\0")  # the line's form, with the variable in its place
            return Expression.join(before, token, after)
        license_path = spec.license_path(unit)
        return Expression.call("file", str(license_path)) if license_path else None

    @staticmethod
    def _volume_disk(volume: LibvirtVolume, dev: str, bus: str, fmt: str) -> Disk:
        return Disk(
            source=DiskSource(volume=DiskSourceVolume(pool=volume.pool, volume=volume.name)),
            target=DiskTarget(dev=dev, bus=bus),
            driver=DiskDriver(type=fmt),
        )
