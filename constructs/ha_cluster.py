"""L3 constructs: the VM side of a cluster (`ClusterUnits`), its day-2 side (`ClusterHaSettings`), and
`FortiGateHaCluster`, which puts host network, units and day-2 settings of one cluster into one scope."""

from __future__ import annotations

from fgtha.spec.model import ClusterSpec

from .bindings.expression import Expression
from .bindings.kvmhost import KvmhostProvider
from .bindings.libvirt import LibvirtProvider
from .cdk import Construct, TerraformVariable
from .fortigate_vm import FortiGateVm
from .ha_settings import HaSettings
from .host_bridge import HostNetwork
from .secret_inputs import SecretVariables, var_ref

#: Where config drives are written on the machine that runs Terraform (then uploaded into the pool).
#: ``<repo>/.fgtha/config-drives`` seen from ``cdktf.out/stacks/<stack>``; absolute, as kvmhost requires.
DEFAULT_DRIVE_DIR = Expression.call(
    "abspath", Expression.join(Expression.hcl("path.root"), "/../../../.fgtha/config-drives")
)

#: The bool variable that lets the fortios providers accept self-signed certificates.
INSECURE_VARIABLE = "fortios_insecure"


class ClusterUnits(Construct):
    """Every unit of the cluster on its host's libvirt provider (one alias per host URI)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: ClusterSpec,
        drive_dir: str | Expression = DEFAULT_DRIVE_DIR,
        prevent_destroy: bool = True,
    ) -> None:
        super().__init__(scope, id)
        self.libvirt: dict[str, LibvirtProvider] = {}
        for host in spec.hosts:
            if host.uri not in self.libvirt:
                self.libvirt[host.uri] = LibvirtProvider(self, f"libvirt_{host.name}", uri=host.uri, alias=host.name)
        self.drive_provider = KvmhostProvider(self, "config_drives", alias="config_drives")
        variables = SecretVariables.of(scope)
        self.units = {
            unit.name: FortiGateVm(
                self,
                unit.name,
                spec=spec,
                unit=unit,
                provider=self.libvirt[spec.host(unit.host).uri],
                drive_provider=self.drive_provider,
                drive_dir=drive_dir,
                variables=variables,
                prevent_destroy=prevent_destroy,
            )
            for unit in spec.units
        }


class ClusterHaSettings(Construct):
    """Day-2 FGCP settings of every unit, each through its own fortios provider alias."""

    def __init__(self, scope: Construct, id: str, *, spec: ClusterSpec, prevent_destroy: bool = True) -> None:
        super().__init__(scope, id)
        variables = SecretVariables.of(scope)
        TerraformVariable(
            variables.stack,
            INSECURE_VARIABLE,
            type="bool",
            default=False,
            description="Skip TLS verification of the units' REST API (only for self-signed lab certificates)",
        )
        self.units = {
            unit.name: HaSettings(
                self,
                unit.name,
                spec=spec,
                unit=unit,
                insecure=var_ref(INSECURE_VARIABLE),
                variables=variables,
                prevent_destroy=prevent_destroy,
            )
            for unit in spec.units
        }


class FortiGateHaCluster(Construct):
    """A whole cluster in one scope: each host's bridges, the units, and the day-2 HA settings."""

    def __init__(self, scope: Construct, id: str, *, spec: ClusterSpec, netns: str | None = None) -> None:
        super().__init__(scope, id)
        self.networks = {
            h.name: HostNetwork(self, f"network_{h.name}", spec=spec, host=h, netns=netns) for h in spec.hosts
        }
        self.vms = ClusterUnits(self, "units", spec=spec)
        self.ha = ClusterHaSettings(self, "ha", spec=spec)
        for network in self.networks.values():
            self.vms.node.add_dependency(network)
        self.ha.node.add_dependency(self.vms)
