"""Bindings for fortinetdev/fortios (schema subsets: ``schemas/fortios-*.schema.json``).

An SDKv2 provider: nested settings are blocks, written as lists of objects.
Enable/disable options are the strings ``"enable"``/``"disable"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..cdk import Construct
from .binding import Provider, Resource, keyword_attributes
from .expression import Expression


class FortiosProvider(Provider):
    """One FortiGate's REST API; use one alias per unit. Feed ``token`` from a sensitive variable."""

    TYPE = "fortios"
    SOURCE = "fortinetdev/fortios"
    VERSION = "~> 1.25"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias: str | None = None,
        hostname: str,
        token: str | Expression,
        insecure: bool | Expression | None = None,
        cabundlefile: str | None = None,
        vdom: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            alias=alias,
            attributes=keyword_attributes(locals()),
        )


@dataclass(frozen=True)
class HaMgmtInterface:
    """One entry of ``config ha-mgmt-interfaces`` (the reserved HA management port, per unit)."""

    id: int
    interface: str
    gateway: str | None = None
    dst: str | None = None


class FortiosSystemHa(Resource):
    """``fortios_system_ha`` (singleton, import id ``SystemHa``).

    ``group_id``, ``group_name``, ``hbdev`` and ``monitor`` are cleared on the
    box when left out: set them on every unit. Write ``hbdev`` without inner
    quotes (``"port3 50 port4 40"``).
    """

    TYPE = "fortios_system_ha"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider: FortiosProvider,
        group_id: int,
        group_name: str,
        mode: str,
        hbdev: str,
        monitor: str,
        password: str | Expression,
        session_pickup: str,
        override: str,
        priority: int,
        hb_interval: int | None = None,
        hb_lost_threshold: int | None = None,
        unicast_hb: str | None = None,
        unicast_hb_peerip: str | None = None,
        unicast_hb_netmask: str | None = None,
        ha_mgmt_status: str | None = None,
        ha_mgmt_interfaces: tuple[HaMgmtInterface, ...] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            provider=provider,
            attributes=keyword_attributes(locals()),
        )


class FortiosSystemInterface(Resource):
    """``fortios_system_interface``; on a physical port, create updates the existing port and destroy only forgets it."""

    TYPE = "fortios_system_interface"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider: FortiosProvider,
        name: str,
        vdom: str = "root",
        type: str | None = None,
        mode: str | None = None,
        ip: str | None = None,
        allowaccess: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            provider=provider,
            attributes=keyword_attributes(locals()),
        )


class FortiosSystemGlobal(Resource):
    """``fortios_system_global`` (singleton): the unit's host name, which FGCP does not synchronize."""

    TYPE = "fortios_system_global"

    def __init__(self, scope: Construct, id: str, *, provider: FortiosProvider, hostname: str) -> None:
        super().__init__(scope, id, provider=provider, attributes=keyword_attributes(locals()))
