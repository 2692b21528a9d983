"""L2 constructs of the host side: one bridge (`HostBridge`) and all bridges of one KVM host (`HostNetwork`)."""

from __future__ import annotations

from fgtha.model import Bridge, ClusterSpec, Host

from .cdk import Construct
from .kvmhost import KvmhostBridge, KvmhostProvider


class HostBridge(KvmhostBridge):
    """One Linux bridge on one host (a ``kvmhost_bridge``), promiscuous uplink as the model derives it."""

    def __init__(self, scope: Construct, id: str, *, spec: ClusterSpec, host: Host, bridge: Bridge, provider: KvmhostProvider) -> None:
        super().__init__(
            scope,
            id,
            provider=provider,
            name=bridge.name,
            uplink=bridge.uplink,
            promiscuous=spec.bridge_promiscuous(host, bridge),
            stp=bridge.stp,
            mtu=bridge.mtu,
            migrate_addresses=bridge.migrate_addresses,
        )


class HostNetwork(Construct):
    """Every bridge of one host that the spec declares, through one ``kvmhost`` provider configuration."""

    def __init__(self, scope: Construct, id: str, *, spec: ClusterSpec, host: Host, netns: str | None = None) -> None:
        super().__init__(scope, id)
        self.provider = KvmhostProvider(self, "kvmhost", alias=f"host_{host.name}", netns=netns)
        self.bridges = {
            b.name: HostBridge(self, b.name, spec=spec, host=host, bridge=b, provider=self.provider) for b in host.bridges
        }
