"""Bindings for dmacvicar/libvirt 0.9.x (schema subset: ``schemas/libvirt-0.9.7.schema.json``).

Only the attributes this project sets are bound; the provider's nested
attributes mirror libvirt's domain XML (``devices.disks[].target.bus`` is
``<disk><target bus=.../>``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..cdk import Construct
from .binding import Provider, Resource, keyword_attributes
from .expression import Expression


class LibvirtProvider(Provider):
    """One libvirt connection (``uri``); use one alias per KVM host."""

    TYPE = "libvirt"
    SOURCE = "dmacvicar/libvirt"
    VERSION = "~> 0.9.7"

    def __init__(self, scope: Construct, id: str, *, uri: str, alias: str | None = None) -> None:
        super().__init__(scope, id, alias=alias, attributes=keyword_attributes(locals()))


# ---- libvirt_volume -------------------------------------------------------


@dataclass(frozen=True)
class VolumeFormat:
    """A volume's image format (``qcow2``, ``raw``)."""

    type: str


@dataclass(frozen=True)
class VolumeTarget:
    """Where and how the volume is stored."""

    format: VolumeFormat


@dataclass(frozen=True)
class BackingStore:
    """The read-only image a copy-on-write overlay is based on."""

    path: str
    format: VolumeFormat


@dataclass(frozen=True)
class VolumeContent:
    """A local file (path or URL) uploaded into the new volume."""

    url: str | Expression


@dataclass(frozen=True)
class VolumeCreate:
    """How the volume's initial content is made."""

    content: VolumeContent


class LibvirtVolume(Resource):
    """``libvirt_volume``: a storage volume in a pool."""

    TYPE = "libvirt_volume"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider: LibvirtProvider,
        name: str,
        pool: str,
        capacity: int | None = None,
        capacity_unit: str | None = None,
        target: VolumeTarget | None = None,
        backing_store: BackingStore | None = None,
        create: VolumeCreate | None = None,
        replace_triggered_by: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            scope,
            id,
            provider=provider,
            replace_triggered_by=replace_triggered_by,
            attributes=keyword_attributes(locals()),
        )

    @property
    def name(self) -> Expression:
        """The volume's name, as a reference (so a disk that uses it waits for it)."""
        return self.ref("name")

    @property
    def pool(self) -> Expression:
        """The volume's pool, as a reference."""
        return self.ref("pool")

    @property
    def path(self) -> Expression:
        """The volume's path on the host (known after apply)."""
        return self.ref("path")


# ---- libvirt_pool ---------------------------------------------------------


@dataclass(frozen=True)
class PoolTarget:
    """The folder a ``dir`` pool keeps its volumes in."""

    path: str


class LibvirtPool(Resource):
    """``libvirt_pool``: a storage pool (the project uses an existing one by name; bound for users who create theirs)."""

    TYPE = "libvirt_pool"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider: LibvirtProvider,
        name: str,
        type: str,
        target: PoolTarget | None = None,
    ) -> None:
        super().__init__(scope, id, provider=provider, attributes=keyword_attributes(locals()))


# ---- libvirt_domain -------------------------------------------------------


@dataclass(frozen=True)
class DomainOs:
    """``<os>``: guest type and machine (``q35`` has SATA, no IDE)."""

    type: str = "hvm"
    type_arch: str | None = "x86_64"
    type_machine: str | None = "q35"


@dataclass(frozen=True)
class DiskSourceFile:
    """A disk backed by a file on the host."""

    file: str | Expression


@dataclass(frozen=True)
class DiskSourceVolume:
    """A disk backed by a volume of a pool."""

    pool: str | Expression
    volume: str | Expression


@dataclass(frozen=True)
class DiskSource:
    """Exactly one of ``file`` or ``volume``."""

    file: DiskSourceFile | None = None
    volume: DiskSourceVolume | None = None


@dataclass(frozen=True)
class DiskTarget:
    """The guest device name and bus (``vda``/``virtio``, ``sda``/``sata``)."""

    dev: str
    bus: str


@dataclass(frozen=True)
class DiskDriver:
    """The QEMU driver and image format of a disk."""

    type: str
    name: str = "qemu"


@dataclass(frozen=True)
class Disk:
    """One ``<disk>``; ``device="cdrom"`` with ``read_only`` for a CD-ROM."""

    source: DiskSource
    target: DiskTarget
    device: str | None = None
    driver: DiskDriver | None = None
    read_only: bool | None = None


@dataclass(frozen=True)
class InterfaceMac:
    """A fixed MAC address."""

    address: str


@dataclass(frozen=True)
class InterfaceModel:
    """The NIC model (``virtio``)."""

    type: str


@dataclass(frozen=True)
class SourceBridge:
    """Attach to a Linux bridge on the host."""

    bridge: str


@dataclass(frozen=True)
class SourceDirect:
    """Attach through macvtap to a host NIC."""

    dev: str
    mode: str = "bridge"


@dataclass(frozen=True)
class InterfaceSource:
    """Exactly one of ``bridge`` or ``direct``."""

    bridge: SourceBridge | None = None
    direct: SourceDirect | None = None


@dataclass(frozen=True)
class FilterRef:
    """A libvirt nwfilter applied to the NIC."""

    filter: str


@dataclass(frozen=True)
class Interface:
    """One ``<interface>``; ``trust_guest_rx_filters="yes"`` lets a macvtap port follow the guest's MACs."""

    source: InterfaceSource
    mac: InterfaceMac
    model: InterfaceModel
    filter_ref: FilterRef | None = None
    trust_guest_rx_filters: str | None = None


@dataclass(frozen=True)
class SerialTarget:
    """A serial port's guest side."""

    port: int = 0


@dataclass(frozen=True)
class Serial:
    """One ``<serial>`` port."""

    target: SerialTarget = SerialTarget()


@dataclass(frozen=True)
class ConsoleTarget:
    """A console's guest side (``serial`` port ``0``)."""

    type: str = "serial"
    port: int = 0


@dataclass(frozen=True)
class Console:
    """One ``<console>`` (``virsh console`` reaches it)."""

    target: ConsoleTarget = ConsoleTarget()


@dataclass(frozen=True)
class Devices:
    """``<devices>``: disks, NICs (in port order), serial port and console."""

    disks: tuple[Disk, ...]
    interfaces: tuple[Interface, ...]
    serials: tuple[Serial, ...] = (Serial(),)
    consoles: tuple[Console, ...] = (Console(),)


class LibvirtDomain(Resource):
    """``libvirt_domain``: a virtual machine."""

    TYPE = "libvirt_domain"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider: LibvirtProvider,
        name: str,
        memory: int,
        memory_unit: str,
        vcpu: int,
        devices: Devices,
        os: DomainOs = DomainOs(),
        type: str = "kvm",
        running: bool = True,
        autostart: bool | None = None,
        description: str | None = None,
        replace_triggered_by: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            scope,
            id,
            provider=provider,
            replace_triggered_by=replace_triggered_by,
            attributes=keyword_attributes(locals()),
        )

    @property
    def uuid(self) -> Expression:
        """The domain's UUID (known after apply)."""
        return self.ref("uuid")
