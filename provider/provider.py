"""The kvmhost provider: its configuration (``netns``, the ``ssh`` block) and its resources.

Terraform starts the provider three times per command (schemas, validation, the walk itself), so this
module imports only ``tf``: the bridge helper, the SSH reach model (pydantic) and the identity probe are
imported by the operations that use them.
"""

from __future__ import annotations

import atexit
from typing import TYPE_CHECKING, Any

from tf.iface import Config, DataSource, Provider, Resource
from tf.schema import Attribute, Block, NestedBlock, NestMode, Schema
from tf.types import Bool, Number, String
from tf.utils import Diagnostics

from . import SOURCE_ADDRESS
from .base import is_unknown
from .bridge import BridgeResource
from .config_drive import ConfigDriveResource
from .hostview import HostView

if TYPE_CHECKING:
    from fgtha.remote.host import RemoteHost
    from fgtha.spec.reach import SshReach

#: The ``ssh`` block's attributes: libvirt's qemu+ssh URI parts, and how long an unconfirmed change waits.
SSH_ATTRIBUTES = [
    Attribute("host", String(), description="The KVM host's address or ~/.ssh/config name.", required=True),
    Attribute("user", String(), description="The SSH user (root, or one allowed `sudo -n`).", optional=True),
    Attribute("port", Number(), description="The SSH port (default 22).", optional=True),
    Attribute("keyfile", String(), description="Private key file (libvirt's keyfile=).", optional=True),
    Attribute("known_hosts", String(), description="known_hosts file (libvirt's known_hosts=).", optional=True),
    Attribute("no_verify", Bool(), description="Do not check the host key (libvirt's no_verify=1).", optional=True),
    Attribute(
        "confirm_timeout",
        Number(),
        description="Seconds the host waits for the confirmation of a change before it rolls back (default 60).",
        optional=True,
    ),
]


class SingleBlock(NestedBlock):
    """A nested block given at most once (``ssh { ... }``); provider configuration is only read, never stored."""

    def __init__(self, type_name: str, attributes: list[Attribute]) -> None:
        super().__init__(type_name, NestMode.Single, Block(attributes=attributes))

    def encode(self, value: Any) -> Any:
        return value

    def decode(self, value: Any) -> Any:
        return value

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        return bool(a_decoded == b_decoded)


class KvmhostProvider(Provider):
    """Manages a KVM host's bridges and config drives: this machine, one named network namespace, or a host over SSH."""

    def __init__(self) -> None:
        self.netns: str | None = None
        self.remote: RemoteHost | None = None
        #: What this machine's reads and plans of one command share (a new command reads the host again).
        self.view = HostView()
        atexit.register(self.close)

    def get_model_prefix(self) -> str:
        return "kvmhost_"

    def full_name(self) -> str:
        return SOURCE_ADDRESS

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        return Schema(
            attributes=[
                Attribute(
                    "netns",
                    String(),
                    description="Act inside this named network namespace instead of the host's.",
                    optional=True,
                ),
            ],
            block_types=[SingleBlock("ssh", SSH_ATTRIBUTES)],
        )

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        netns = config.get("netns")
        if isinstance(netns, str) and (not netns or "/" in netns):
            diags.add_error(
                "kvmhost: netns: not a namespace name", f"{netns!r} is not a valid namespace name.", path=["netns"]
            )
        ssh = config.get("ssh")
        if ssh and netns:
            diags.add_warning(
                "kvmhost: netns wins over ssh",
                f"The provider acts inside the namespace {netns!r} of this machine; the ssh block is not used (tests).",
                path=["netns"],
            )
        port = (ssh or {}).get("port")
        if isinstance(port, (int, float)) and not (1 <= port <= 65535 and port == int(port)):
            diags.add_error("kvmhost: ssh.port: not a port", f"{port} is not from 1 to 65535.", path=["ssh", "port"])

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        self.view.forget()
        netns, ssh = config.get("netns"), config.get("ssh")
        if is_unknown(netns) or is_unknown(ssh) or any(is_unknown(v) for v in (ssh or {}).values()):
            diags.add_error("kvmhost: netns and ssh must be known before apply", "Use literal values.", path=["ssh"])
            return
        from fgtha.bridge.netns import netns_exists

        if netns and not netns_exists(netns):
            diags.add_error(
                "kvmhost: netns: no such network namespace", f"no network namespace named {netns!r}.", path=["netns"]
            )
            return
        self.netns = netns or None
        reach = None
        if ssh and not netns:
            from fgtha.spec.reach import SshReach

            reach = SshReach.from_block(ssh)
        self.use_remote(reach, float((ssh or {}).get("confirm_timeout") or 60))

    def use_remote(self, reach: SshReach | None, confirm_timeout: float) -> None:
        """Act on the host ``reach`` names (None: this machine); one session per host, kept while it stays the same."""
        if self.remote is not None and (reach is None or self.remote.reach != reach):
            self.close()
        if reach is not None and self.remote is None:
            from fgtha.remote.host import RemoteHost

            self.remote = RemoteHost(reach, f"host {reach.host} ({reach})")
        if self.remote is not None:
            self.remote.confirm_timeout = confirm_timeout

    def identity(self) -> str:
        """The machine this provider acts on, as one line (hostname, machine-id, namespace)."""
        if self.remote is not None:
            return self.remote.identity()
        from fgtha.remote.identity import describe, machine_identity

        return describe(machine_identity(self.netns))

    def where(self) -> str:
        """How this provider reaches its host, for messages."""
        if self.remote is not None:
            return str(self.remote.reach)
        return f"network namespace {self.netns} on this machine" if self.netns else "this machine"

    def close(self) -> None:
        """End the SSH session, if there is one."""
        if self.remote is not None:
            self.remote.close()
            self.remote = None

    def get_data_sources(self) -> list[type[DataSource]]:
        return []

    def get_resources(self) -> list[type[Resource]]:
        return [BridgeResource, ConfigDriveResource]  # type: ignore[list-item]

    def new_resource(self, klass: Any) -> Any:
        return klass(self)
