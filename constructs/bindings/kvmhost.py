"""Bindings for the project's own provider ``kvmhost`` (schema: ``schemas/kvmhost.schema.json``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..cdk import Construct
from .binding import Provider, Resource, keyword_attributes
from .expression import Expression


@dataclass(frozen=True)
class KvmhostSsh:
    """The provider's ``ssh`` block: the KVM host reached over SSH (libvirt's qemu+ssh URI parts)."""

    host: str
    user: str | None = None
    port: int | None = None
    keyfile: str | None = None
    known_hosts: str | None = None
    no_verify: bool | None = None
    confirm_timeout: float | None = None


class KvmhostProvider(Provider):
    """The ``kvmhost`` provider; ``netns`` makes it act inside a named network namespace, ``ssh`` on a remote host.

    ``ssh`` is the provider's ``ssh`` block (:class:`KvmhostSsh`).
    """

    TYPE = "kvmhost"
    SOURCE = "fgt-kvm-ha.local/fgt-kvm-ha/kvmhost"
    VERSION = "~> 0.1"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias: str | None = None,
        netns: str | None = None,
        ssh: KvmhostSsh | None = None,
    ) -> None:
        super().__init__(scope, id, alias=alias, attributes=keyword_attributes(locals()))


class KvmhostBridge(Resource):
    """``kvmhost_bridge``: a Linux bridge, optionally with an enslaved (promiscuous) uplink."""

    TYPE = "kvmhost_bridge"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider: KvmhostProvider,
        name: str,
        uplink: str | None = None,
        promiscuous: bool | None = None,
        stp: bool | None = None,
        mtu: int | None = None,
        migrate_addresses: bool | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            provider=provider,
            attributes=keyword_attributes(locals()),
        )

    @property
    def mac(self) -> Expression:
        """The bridge's MAC address (known after apply)."""
        return self.ref("mac")


class KvmhostConfigDrive(Resource):
    """``kvmhost_config_drive``: an OpenStack config drive (ISO 9660, label ``config-2``) written locally."""

    TYPE = "kvmhost_config_drive"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider: KvmhostProvider,
        path: str | Expression,
        user_data: str | Expression,
        license: str | Expression | None = None,
    ) -> None:
        super().__init__(scope, id, provider=provider, attributes=keyword_attributes(locals()))

    @property
    def path(self) -> Expression:
        """The drive's file path, as a reference (so consumers wait for it)."""
        return self.ref("path")

    @property
    def sha256(self) -> Expression:
        """The drive's SHA-256 (changes whenever its content does)."""
        return self.ref("sha256")
