"""The kvmhost provider: its configuration (``netns``, ``ssh``) and its resources."""

from __future__ import annotations

from typing import Any

from tf.iface import Config, DataSource, Provider, Resource
from tf.schema import Attribute, Schema
from tf.types import String
from tf.utils import Diagnostics

from fgtha.bridge import netns_exists

from . import SOURCE_ADDRESS
from .base import is_unknown
from .bridge import BridgeResource
from .config_drive import ConfigDriveResource


class KvmhostProvider(Provider):
    """Manages a KVM host's bridges and config drives, on this machine or inside one named network namespace."""

    def __init__(self) -> None:
        self.netns: str | None = None

    def close(self) -> None:
        """Release what the provider holds (nothing yet for a local host) before the process ends."""

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
                Attribute(
                    "ssh", String(), description="Run on a remote host over SSH (not implemented yet).", optional=True
                ),
            ]
        )

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        if config.get("ssh") is not None:
            diags.add_error(
                "kvmhost: ssh: the remote transport is not implemented yet",
                "Run Terraform on the KVM host itself (leave ssh unset), or use `fgtha host apply` there.",
                path=["ssh"],
            )
        netns = config.get("netns")
        if isinstance(netns, str) and (not netns or "/" in netns):
            diags.add_error(
                "kvmhost: netns: not a namespace name", f"{netns!r} is not a valid namespace name.", path=["netns"]
            )

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        netns = config.get("netns")
        if is_unknown(netns):
            diags.add_error(
                "kvmhost: netns: must be known before apply", "Use a literal namespace name.", path=["netns"]
            )
            return
        if netns and not netns_exists(netns):
            diags.add_error(
                "kvmhost: netns: no such network namespace", f"no network namespace named {netns!r}.", path=["netns"]
            )
            return
        self.netns = netns or None

    def get_data_sources(self) -> list[type[DataSource]]:
        return []

    def get_resources(self) -> list[type[Resource]]:
        return [BridgeResource, ConfigDriveResource]  # type: ignore[list-item]

    def new_resource(self, klass: Any) -> Any:
        return klass(self)
