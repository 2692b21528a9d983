"""Day-0 FortiOS CLI bootstrap for each unit of a cluster, from jinja2 templates.

Secrets come in at render time and go into the text verbatim after FortiOS
quoting (no other transformation), so a caller may render with sentinel values
and substitute them later. Output is byte-identical for the same input.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache

import jinja2

from .model import ClusterSpec, Unit
from .facts import HA_PASSWORD_MAX
from .fortios_forms import MGMT_ALLOWACCESS, enable
from .secrets import check_secret_value

TEMPLATE = "unit.conf.j2"


@dataclass(frozen=True)
class BootstrapSecrets:
    """Secret values inserted at render time only, never stored."""

    ha_password: str
    admin_password: str

    def __post_init__(self) -> None:
        check_secret_value("secrets.ha_password", self.ha_password, HA_PASSWORD_MAX)
        check_secret_value("secrets.admin_password", self.admin_password)

    def __repr__(self) -> str:  # never show values in tracebacks or logs
        return "BootstrapSecrets(ha_password=<hidden>, admin_password=<hidden>)"


@dataclass(frozen=True)
class _Interface:
    name: str
    address: ipaddress.IPv4Interface
    allowaccess: tuple[str, ...] = ()


def fortios_quote(value: object) -> str:
    """A FortiOS CLI string: in double quotes, with ``\\`` and ``"`` escaped by a backslash."""
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fgtha", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["fortios_quote"] = fortios_quote
    env.filters["enable"] = enable
    return env


def _interfaces(spec: ClusterSpec, unit: Unit) -> list[_Interface]:
    interfaces = {spec.mgmt_port.index: _Interface(spec.mgmt_port.port, unit.mgmt_ip, MGMT_ALLOWACCESS)}
    hb_port = spec.unicast_port
    if hb_port is not None and unit.heartbeat_ip is not None:
        interfaces[hb_port.index] = _Interface(hb_port.port, unit.heartbeat_ip)
    return [interfaces[k] for k in sorted(interfaces)]


def render_unit(spec: ClusterSpec, unit: Unit, secrets: BootstrapSecrets) -> str:
    """The FortiOS CLI bootstrap of one unit of ``spec``."""
    return _environment().get_template(TEMPLATE).render(
        hostname=unit.name,
        interfaces=_interfaces(spec, unit),
        cluster=spec.cluster,
        unit=unit,
        hbdev=spec.hbdev,
        mgmt_port=spec.mgmt_port.port,
        unicast=spec.unicast_heartbeat(unit),
        secrets=secrets,
    )


def render_all(spec: ClusterSpec, secrets: BootstrapSecrets) -> dict[str, str]:
    """Every unit's bootstrap, keyed by unit name, in unit order."""
    return {unit.name: render_unit(spec, unit, secrets) for unit in spec.units}
