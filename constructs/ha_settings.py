"""L2 construct `HaSettings`: one unit's day-2 FGCP settings through its own fortios provider configuration.

Cluster-wide settings are written identically on every unit (FortiOS would
sync them, but leaving one out on a unit clears it there); only what FGCP
does not synchronize differs per unit: priority, unicast peer, the reserved
management port's address and gateway, the host name.
"""

from __future__ import annotations

from fgtha.fortios.forms import MGMT_ALLOWACCESS, enable
from fgtha.spec.model import ClusterSpec, Unit

from . import secret_inputs
from .bindings.expression import Expression
from .bindings.fortios import (
    FortiosProvider,
    FortiosSystemGlobal,
    FortiosSystemHa,
    FortiosSystemInterface,
    HaMgmtInterface,
)
from .cdk import Construct


def token_variable_name(unit: Unit) -> str:
    """Without ``secrets.api_key``: the sensitive variable that holds the unit's REST API token (``TF_VAR_<name>``)."""
    return "fortios_token_" + unit.name.replace("-", "_").replace(".", "_")


class HaSettings(Construct):
    """``fortios_system_ha``, ``fortios_system_global`` and the HA management interface of one unit."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: ClusterSpec,
        unit: Unit,
        insecure: Expression,
        variables: secret_inputs.SecretVariables,
        prevent_destroy: bool = True,
    ) -> None:
        super().__init__(scope, id)
        token = secret_inputs.api_key(variables, spec)
        if token is None:
            token = variables.ref(token_variable_name(unit), f"REST API token of {unit.name}")
        self.provider = FortiosProvider(
            self,
            "fortios",
            alias=unit.name,
            hostname=str(unit.mgmt_ip.ip),
            token=token,
            insecure=insecure,
        )
        cluster = spec.cluster
        unicast = spec.unicast_heartbeat(unit)
        self.ha = FortiosSystemHa(
            self,
            "ha",
            provider=self.provider,
            group_id=cluster.group_id,
            group_name=cluster.effective_group_name,
            mode="a-p",
            hbdev=" ".join(f"{port} {priority}" for port, priority in spec.hbdev),
            monitor=" ".join(cluster.monitor),
            password=secret_inputs.ha_password(variables, spec),
            session_pickup=enable(cluster.session_pickup),
            override=enable(cluster.override),
            priority=unit.priority,
            hb_interval=cluster.hb_interval,
            hb_lost_threshold=cluster.hb_lost_threshold,
            unicast_hb=enable(unicast is not None),
            unicast_hb_peerip=str(unicast.peer_ip) if unicast else None,
            unicast_hb_netmask=str(unicast.netmask) if unicast else None,
            ha_mgmt_status="enable",
            ha_mgmt_interfaces=(
                HaMgmtInterface(
                    id=1,
                    interface=spec.mgmt_port.port,
                    gateway=str(unit.mgmt_gateway) if unit.mgmt_gateway else None,
                ),
            ),
        )
        if prevent_destroy:  # destroying fortios_system_ha clears the live cluster's HA settings (docs/stacks.md)
            self.ha.add_override("lifecycle.prevent_destroy", True)
        self.hostname = FortiosSystemGlobal(self, "global", provider=self.provider, hostname=unit.name)
        self.mgmt_interface = FortiosSystemInterface(
            self,
            "mgmt_interface",
            provider=self.provider,
            name=spec.mgmt_port.port,
            type="physical",
            mode="static",
            ip=str(unit.mgmt_ip),
            allowaccess=" ".join(MGMT_ALLOWACCESS),
            description="FGCP reserved HA management port (not synchronized)",
        )
