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

from ..spec.model import ClusterSpec, Unit
from .forms import MGMT_ALLOWACCESS, enable
from .secrets import BootstrapSecrets

TEMPLATE = "unit.conf.j2"


@dataclass(frozen=True)
class _Interface:
    name: str
    address: ipaddress.IPv4Interface
    allowaccess: tuple[str, ...] = ()


def fortios_quote(value: object) -> str:
    """A FortiOS CLI string: in double quotes, with ``\\`` and ``"`` escaped by a backslash, always on one line.

    The model refuses control characters in every string that reaches the bootstrap; a value that
    still holds one is a defect of ours, so it raises ``ValueError`` rather than render a second CLI line.
    """
    text = str(value)
    if any(not (c.isprintable() or c == " ") for c in text):
        raise ValueError("a FortiOS CLI value holds a control character; the model should have refused it")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fgtha.fortios", "templates"),
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
    """The FortiOS CLI bootstrap of one unit of ``spec``.

    With ``secrets.api_key`` in the spec, ``secrets`` must carry the key: the REST API administrator
    is created from it.
    """
    api_admin = spec.api_admin if spec.secrets.api_key is not None else None
    if api_admin is not None and secrets.api_key is None:
        raise ValueError("the spec sets secrets.api_key: render with BootstrapSecrets(api_key=...)")
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            hostname=unit.name,
            interfaces=_interfaces(spec, unit),
            cluster=spec.cluster,
            unit=unit,
            hbdev=spec.hbdev,
            mgmt_port=spec.mgmt_port.port,
            unicast=spec.unicast_heartbeat(unit),
            secrets=secrets,
            api_admin=api_admin,
            trusthosts=spec.api_trusthosts,
        )
    )


def render_all(spec: ClusterSpec, secrets: BootstrapSecrets) -> dict[str, str]:
    """Every unit's bootstrap, keyed by unit name, in unit order."""
    return {unit.name: render_unit(spec, unit, secrets) for unit in spec.units}
