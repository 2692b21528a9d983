"""L2 constructs of the host side: one bridge (`HostBridge`) and all bridges of one KVM host (`HostNetwork`)."""

from __future__ import annotations

from dataclasses import asdict

from fgtha.bridge import BridgeConfig, bridges_for_host
from fgtha.spec.model import ClusterSpec, Host

from .bindings.kvmhost import KvmhostBridge, KvmhostProvider, KvmhostSsh
from .cdk import Construct


class HostBridge(KvmhostBridge):
    """One Linux bridge on one host (a ``kvmhost_bridge``) in the desired state the bridge helper also applies."""

    def __init__(self, scope: Construct, id: str, *, config: BridgeConfig, provider: KvmhostProvider) -> None:
        super().__init__(scope, id, provider=provider, **asdict(config))


class HostNetwork(Construct):
    """Every bridge of one host that the spec declares, through one ``kvmhost`` provider configuration.

    The provider reaches the host the way the spec says (its ``ssh`` block from the
    host's reach); ``netns`` (tests) acts inside that namespace of this machine instead.
    """

    def __init__(self, scope: Construct, id: str, *, spec: ClusterSpec, host: Host, netns: str | None = None) -> None:
        super().__init__(scope, id)
        reach = None if netns else host.reach
        self.provider = KvmhostProvider(
            self,
            "kvmhost",
            alias=f"host_{host.name}",
            netns=netns,
            ssh=KvmhostSsh(**reach.provider_block()) if reach is not None else None,
        )
        self.bridges = {
            cfg.name: HostBridge(self, cfg.name, config=cfg, provider=self.provider)
            for cfg in bridges_for_host(spec, host.name)
        }
