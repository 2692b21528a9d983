"""Every rule of helpers/spec/rules.py and every field constraint of helpers/spec/model.py: one breaking and one passing input."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES

from fgtha.spec.model import ClusterSpec, load_spec
from fgtha.spec.problems import SpecError

UNICAST = "unicast-two-hosts"
BROADCAST = "broadcast-one-host"
DELETE = object()
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def example(name: str) -> dict[str, Any]:
    """A fresh copy of a shipped example as plain data."""
    return copy.deepcopy(_EXAMPLE_DATA[name])


_EXAMPLE_DATA = {p.stem: yaml.safe_load(p.read_text()) for p in EXAMPLES.glob("*.yaml")}


def mutate(name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The example with each ``path: value`` applied (a callable value maps the old one; DELETE removes the key)."""
    data = example(name)
    for path, value in changes.items():
        steps = [int(i) if i else key for key, i in _STEP.findall(path)]
        node = data
        for step in steps[:-1]:
            node = node[step]
        last = steps[-1]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value(node[last]) if callable(value) else value
    return data


def problems_of(data: dict[str, Any]) -> list[str]:
    """Error lines (``path: message``) of a spec, or [] when it builds."""
    try:
        ClusterSpec.model_validate(data)
    except SpecError as exc:
        return [str(p) for p in exc.problems]
    return []


def warnings_of(data: dict[str, Any]) -> list[str]:
    return [str(p) for p in ClusterSpec.model_validate(data).warnings]


def _unit(name: str, host: str, mgmt: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "host": host, "mgmt_ip": mgmt, **extra}


def _add_units(count: int) -> Callable[[list[Any]], list[Any]]:
    return lambda units: (
        units + [_unit(f"fgt-x{i}", "kvm1", f"192.0.2.{40 + i}/24", priority=10 + i) for i in range(count)]
    )


def _ports(count: int) -> Callable[[list[Any]], list[Any]]:
    return lambda ports: ports + [{"port": f"port{len(ports) + 1 + i}", "bridge": "br-ext"} for i in range(count)]


# (example, breaking changes, expected path, key part of the message, passing changes)
ERRORS: list[tuple[str, dict[str, Any], str, str, dict[str, Any]]] = [
    # --- field constraints (model.py) ---
    (UNICAST, {"cluster.group_id": 1024}, "cluster.group_id", "less than or equal to 1023", {"cluster.group_id": 1023}),
    (UNICAST, {"cluster.group_id": -1}, "cluster.group_id", "greater than or equal to 0", {"cluster.group_id": 0}),
    (
        UNICAST,
        {"cluster.group_name": "g" * 33},
        "cluster.group_name",
        "at most 32 characters",
        {"cluster.group_name": "g" * 32},
    ),
    (UNICAST, {"cluster.group_name": ""}, "cluster.group_name", "at least 1 character", {"cluster.group_name": "g"}),
    (
        UNICAST,
        {"cluster.name": "-bad"},
        "cluster.name",
        "must start with a letter or digit",
        {"cluster.name": "good-1"},
    ),
    (
        UNICAST,
        {"cluster.heartbeat": "multicast"},
        "cluster.heartbeat",
        "'unicast' or 'broadcast'",
        {"cluster.heartbeat": "unicast"},
    ),
    (
        UNICAST,
        {"cluster.hb_interval": 21},
        "cluster.hb_interval",
        "less than or equal to 20",
        {"cluster.hb_interval": 20},
    ),
    (
        UNICAST,
        {"cluster.hb_interval": 0},
        "cluster.hb_interval",
        "greater than or equal to 1",
        {"cluster.hb_interval": 1},
    ),
    (
        UNICAST,
        {"cluster.hb_lost_threshold": 61},
        "cluster.hb_lost_threshold",
        "less than or equal to 60",
        {"cluster.hb_lost_threshold": 60},
    ),
    (UNICAST, {"cluster.colour": "red"}, "cluster.colour", "unknown field", {}),
    (
        UNICAST,
        {"image.boot_disk_gib": 0},
        "image.boot_disk_gib",
        "greater than or equal to 1",
        {"image.boot_disk_gib": 1},
    ),
    (UNICAST, {"image.log_disk_gib": 0}, "image.log_disk_gib", "greater than or equal to 1", {"image.log_disk_gib": 1}),
    (UNICAST, {"image.path": ""}, "image.path", "at least 1 character", {"image.path": "/x.qcow2"}),
    (UNICAST, {"units[0].priority": 256}, "units[0].priority", "less than or equal to 255", {"units[0].priority": 255}),
    (
        UNICAST,
        {"ports[2].hb_priority": 513},
        "ports[2].hb_priority",
        "less than or equal to 512",
        {"ports[2].hb_priority": 512},
    ),
    (UNICAST, {"units[0].vcpu": 0}, "units[0].vcpu", "at least 1 vCPU", {"units[0].vcpu": 1}),
    (UNICAST, {"units[0].memory_mib": 2047}, "units[0].memory_mib", "at least 2048 MiB", {"units[0].memory_mib": 2048}),
    (UNICAST, {"units[0].name": "f" * 36}, "units[0].name", "at most 35 characters", {"units[0].name": "f" * 35}),
    (
        UNICAST,
        {"units[0].mgmt_ip": "192.0.2.300/24"},
        "units[0].mgmt_ip",
        "IPv4",
        {"units[0].mgmt_ip": "192.0.2.30/24"},
    ),
    (UNICAST, {"units[0].mgmt_ip": DELETE}, "units[0].mgmt_ip", "required field is missing", {}),
    (
        UNICAST,
        {"hosts[0].bridges[0].name": "br-" + "e" * 13},
        "hosts[0].bridges[0].name",
        "longer than 15 characters",
        {
            "hosts[0].bridges[0].name": "br-" + "e" * 12,
            "hosts[1].bridges[0].name": "br-" + "e" * 12,
            "ports[0].bridge": "br-" + "e" * 12,
        },
    ),
    (
        UNICAST,
        {"hosts[0].bridges[0].uplink": "en p1"},
        "hosts[0].bridges[0].uplink",
        "not a valid interface name",
        {"hosts[0].bridges[0].uplink": "enp1s0.10"},
    ),
    (
        UNICAST,
        {"hosts[0].bridges[0].uplink": "enp1s0:1"},
        "hosts[0].bridges[0].uplink",
        "not a valid interface name",
        {"hosts[0].bridges[0].uplink": "enp1s0_1"},
    ),
    (
        UNICAST,
        {"hosts[0].bridges[0].mtu": 67},
        "hosts[0].bridges[0].mtu",
        "greater than or equal to 68",
        {"hosts[0].bridges[0].mtu": 9000},
    ),
    (
        UNICAST,
        {"ports[0].macvtap": "enp9s0"},
        "ports[0]",
        "exactly one of 'bridge'",
        {"ports[0].bridge": DELETE, "ports[0].macvtap": "enp9s0"},
    ),
    (
        UNICAST,
        {"secrets.ha_password": "hunter2"},
        "secrets.ha_password",
        "never a literal value",
        {"secrets.ha_password": {"env": "HA_PW"}},
    ),
    (
        UNICAST,
        {"secrets.ha_password": {"env": "A", "variable": "B"}},
        "secrets.ha_password",
        "exactly one of 'variable' or 'env'",
        {"secrets.ha_password": {"variable": "B"}},
    ),
    (
        UNICAST,
        {"secrets.admin_password": {"env": "1bad"}},
        "secrets.admin_password",
        "not a valid variable name",
        {"secrets.admin_password": {"env": "_ok1"}},
    ),
    (UNICAST, {"secrets.admin_password": DELETE}, "secrets.admin_password", "required field is missing", {}),
    # --- strict types: nothing is coerced (issue 12) ---
    (UNICAST, {"units[0].priority": True}, "units[0].priority", "valid integer", {"units[0].priority": 201}),
    (UNICAST, {"units[0].vcpu": True}, "units[0].vcpu", "valid integer", {"units[0].vcpu": 1}),
    (UNICAST, {"units[0].vcpu": 2.0}, "units[0].vcpu", "valid integer", {"units[0].vcpu": 2}),
    (UNICAST, {"cluster.group_id": True}, "cluster.group_id", "valid integer", {"cluster.group_id": 1}),
    (UNICAST, {"cluster.group_id": "10"}, "cluster.group_id", "valid integer", {"cluster.group_id": 10}),
    (UNICAST, {"ports[2].heartbeat": 1}, "ports[2].heartbeat", "valid boolean", {"ports[2].heartbeat": True}),
    (UNICAST, {"cluster.override": "no"}, "cluster.override", "valid boolean", {"cluster.override": False}),
    (UNICAST, {"units[0].mgmt_ip": True}, "units[0].mgmt_ip", "written as text", {}),
    (UNICAST, {"units[0].mgmt_ip": 3221225995}, "units[0].mgmt_ip", "written as text", {}),
    (UNICAST, {"units[0].mgmt_gateway": 1}, "units[0].mgmt_gateway", "written as text", {}),
    (
        UNICAST,
        {"units[0].mgmt_ip": "192.0.2.11"},
        "units[0].mgmt_ip",
        "'192.0.2.11' has no prefix length",
        {"units[0].mgmt_ip": "192.0.2.11/24"},
    ),
    (
        UNICAST,
        {"units[1].heartbeat_ip": "10.255.0.2"},
        "units[1].heartbeat_ip",
        "'10.255.0.2' has no prefix length",
        {"units[1].heartbeat_ip": "10.255.0.2/30"},
    ),
    # --- upper bounds from FortiGate-VM / KVM (docs/fortios-facts.md) ---
    (UNICAST, {"units[0].vcpu": 1025}, "units[0].vcpu", "at most 1024 vCPU", {"units[0].vcpu": 1024}),
    (
        UNICAST,
        {"units[0].memory_mib": 10**24},
        "units[0].memory_mib",
        "at most 4194304 MiB",
        {"units[0].memory_mib": 4194304},
    ),
    # --- names and strings are bounded and stay on one line ---
    (
        UNICAST,
        {"cluster.name": "c" * 10_000},
        "cluster.name",
        "a name has at most 63",
        {"cluster.name": "c" * 63, "cluster.group_name": "fgt-ha"},
    ),
    (
        UNICAST,
        {"cluster.name": "c" * 33},
        "cluster.name",
        "also the default FGCP group-name, which has at most 32: shorten cluster.name or set cluster.group_name",
        {"cluster.name": "c" * 32},
    ),
    (UNICAST, {"hosts[0].name": "h" * 64, "units[0].host": "h" * 64}, "hosts[0].name", "at most 63", {}),
    (
        UNICAST,
        {"cluster.group_name": "g\nset password EVIL\nend"},
        "cluster.group_name",
        "newline or another control character",
        {"cluster.group_name": 'g "quoted" \\ ok'},
    ),
    (UNICAST, {"cluster.group_name": "g\rx"}, "cluster.group_name", "control character", {}),
    (UNICAST, {"cluster.group_name": "g\u2028x"}, "cluster.group_name", "control character", {}),
    (UNICAST, {"image.path": "/a\nb"}, "image.path", "control character", {}),
    (UNICAST, {"image.pool": "p" * 256}, "image.pool", "at most 255", {"image.pool": "p" * 255}),
    (UNICAST, {"hosts[0].uri": "qemu:///system\n"}, "hosts[0].uri", "control character", {}),
    (UNICAST, {"ports[0].nwfilter": "f\x1b[2J"}, "ports[0].nwfilter", "control character", {}),
    (UNICAST, {"units[0].image": {"path": "/a\nb.qcow2"}}, "units[0].image.path", "control character", {}),
    (UNICAST, {"units[0].image": {"path": "/" + "p" * 4095}}, "units[0].image.path", "at most 4095", {}),
    (
        UNICAST,
        {"api_admin": {"accprofile": "p\u2028x"}},
        "api_admin.accprofile",
        "control character",
        {"api_admin": {"accprofile": "API profile"}},
    ),
    (UNICAST, {"api_admin": {"trusthosts": [3221225984]}}, "api_admin.trusthosts[0]", "written as text", {}),
    # --- licence files stay in the spec's folder ---
    (
        UNICAST,
        {"units[0].license_file": "/etc/shadow"},
        "units[0].license_file",
        "relative to the spec's folder",
        {},
    ),
    (
        UNICAST,
        {"units[0].license_file": "../../../../../../etc/passwd"},
        "units[0].license_file",
        "outside the spec's folder",
        {},
    ),
    (UNICAST, {"units[0].license_file": "l" * 256}, "units[0].license_file", "over 255 bytes", {}),
    (UNICAST, {"units[0].license_file": "a\x00b.lic"}, "units[0].license_file", "NUL", {}),
    # --- rules.py: unique_names ---
    (UNICAST, {"units[1].name": "fgt-a"}, "units[1].name", "already the name of units[0]", {"units[1].name": "fgt-c"}),
    (
        UNICAST,
        {"hosts[1].name": "kvm1", "units[1].host": "kvm1"},
        "hosts[1].name",
        "already the name of hosts[0]",
        {"hosts[1].name": "kvm3", "units[1].host": "kvm3"},
    ),
    (UNICAST, {"hosts[0].bridges[1].name": "br-ext"}, "hosts[0].bridges[1].name", "is already bridges[0]", {}),
    (
        UNICAST,
        {"hosts[0].bridges[1].uplink": "enp1s0"},
        "hosts[0].bridges[1].uplink",
        "a NIC joins one bridge only",
        {"hosts[0].bridges[1].uplink": "enp9s0"},
    ),
    (
        UNICAST,
        {"hosts[0].bridges[0].uplink": "br-ext"},
        "hosts[0].bridges[0].uplink",
        "cannot be the bridge itself",
        {},
    ),
    (
        BROADCAST,
        {"hosts[0].bridges[2].migrate_addresses": True},
        "hosts[0].bridges[2].migrate_addresses",
        "needs an uplink",
        {"hosts[0].bridges[0].migrate_addresses": True},
    ),
    # --- cluster_size ---
    (UNICAST, {"units": lambda u: u[:1]}, "units", "at least two units, found 1", {}),
    (UNICAST, {"units": _add_units(1)}, "units", "unicast heartbeat supports exactly 2", {}),
    (BROADCAST, {"units": _add_units(3)}, "units", "at most 4 members, found 5", {"units": _add_units(2)}),
    # --- units_on_known_hosts ---
    (UNICAST, {"units[1].host": "kvm9"}, "units[1].host", "no host 'kvm9' (hosts are: kvm1, kvm2)", {}),
    # --- port_order ---
    (UNICAST, {"ports": []}, "ports", "at least one port is needed", {}),
    (BROADCAST, {"ports": _ports(20)}, "ports", "25 ports exceed FortiGate-VM's 24 vNICs", {"ports": _ports(19)}),
    (UNICAST, {"ports[1].port": "port7"}, "ports[1].port", "expected 'port2', found 'port7'", {}),
    # --- bridges_exist ---
    (UNICAST, {"ports[0].bridge": "br-nowhere"}, "ports[0].bridge", "'br-nowhere' is not defined on host 'kvm1'", {}),
    (
        UNICAST,
        {"hosts[1].bridges": lambda b: b[1:]},
        "ports[0].bridge",
        "not defined on host 'kvm2' (where units[1] runs)",
        {},
    ),
    # --- heartbeat_ports ---
    (UNICAST, {"ports[2].heartbeat": False}, "ports", "no port has heartbeat: true", {}),
    (UNICAST, {"ports[3].ha_mgmt": False}, "ports", "no port has ha_mgmt: true", {}),
    (UNICAST, {"ports[1].ha_mgmt": True}, "ports[3].ha_mgmt", "only one HA management port", {}),
    (
        BROADCAST,
        {"ports[3].ha_mgmt": True, "ports[4].ha_mgmt": False},
        "ports[3].ha_mgmt",
        "cannot also be a heartbeat port",
        {},
    ),
    # --- monitored_ports ---
    (
        UNICAST,
        {"cluster.monitor": ["port9"]},
        "cluster.monitor[0]",
        "'port9' is not a port of the spec",
        {"cluster.monitor": ["port1"]},
    ),
    (UNICAST, {"cluster.monitor": ["port3"]}, "cluster.monitor[0]", "port3 is a heartbeat port", {}),
    (UNICAST, {"cluster.monitor": ["port4"]}, "cluster.monitor[0]", "port4 is the HA management port", {}),
    (
        UNICAST,
        {"cluster.monitor": ["port1", "port1"]},
        "cluster.monitor[1]",
        "port1 is listed twice",
        {"cluster.monitor": []},
    ),
    # --- management ---
    (
        UNICAST,
        {"units[0].mgmt_ip": "192.0.2.0/24"},
        "units[0].mgmt_ip",
        "network or broadcast address of 192.0.2.0/24",
        {"units[0].mgmt_ip": "192.0.2.254/24"},
    ),
    (UNICAST, {"units[1].mgmt_ip": "192.0.2.11/24"}, "units[1].mgmt_ip", "already the mgmt_ip of units[0]", {}),
    (
        UNICAST,
        {"units[0].mgmt_gateway": "198.51.100.1"},
        "units[0].mgmt_gateway",
        "not another address in 192.0.2.0/24",
        {"units[0].mgmt_gateway": DELETE},
    ),
    (
        UNICAST,
        {"units[0].mgmt_gateway": "192.0.2.11"},
        "units[0].mgmt_gateway",
        "not another address in 192.0.2.0/24",
        {"units[0].mgmt_gateway": "192.0.2.254"},
    ),
    # --- unicast_heartbeat ---
    (UNICAST, {"units[1].heartbeat_ip": DELETE}, "units[1].heartbeat_ip", "required with unicast heartbeat", {}),
    (
        UNICAST,
        {"units[0].heartbeat_ip": "10.255.0.0/30"},
        "units[0].heartbeat_ip",
        "network or broadcast address",
        {"units[0].heartbeat_ip": "10.255.0.1/31", "units[1].heartbeat_ip": "10.255.0.0/31"},
    ),
    (
        UNICAST,
        {"units[0].heartbeat_ip": "192.0.2.101/24", "units[1].heartbeat_ip": "192.0.2.102/24"},
        "units[0].heartbeat_ip",
        "overlaps the management network",
        {},
    ),
    (
        UNICAST,
        {"units[0].heartbeat_ip": "169.254.0.1/24", "units[1].heartbeat_ip": "169.254.0.2/24"},
        "units[0].heartbeat_ip",
        "is link-local",
        {},
    ),
    (
        UNICAST,
        {"units[1].heartbeat_ip": "10.255.0.1/30"},
        "units[1].heartbeat_ip",
        "already the heartbeat_ip of units[0]",
        {},
    ),
    (
        UNICAST,
        {"units[1].heartbeat_ip": "10.9.0.2/30"},
        "units[1].heartbeat_ip",
        "10.9.0.2 is not in 10.255.0.0/30, the network of units[0].heartbeat_ip",
        {},
    ),
    # --- broadcast_heartbeat ---
    (
        BROADCAST,
        {"units[0].heartbeat_ip": "10.255.0.1/30"},
        "units[0].heartbeat_ip",
        "not used with broadcast heartbeat",
        {},
    ),
    (
        BROADCAST,
        {"hosts[0].bridges[0].promiscuous": False},
        "hosts[0].bridges[0].promiscuous",
        "needs enp1s0 in promiscuous mode",
        {"hosts[0].bridges[0].promiscuous": True},
    ),
    (
        BROADCAST,
        {"ports[0].nwfilter": "clean-traffic"},
        "ports[0].nwfilter",
        "drops frames from FGCP virtual MACs",
        {"ports[0].nwfilter": "allow-arp"},
    ),
    # --- hosts_are_linked ---
    (
        UNICAST,
        {"hosts[1].bridges[2].uplink": DELETE},
        "hosts[1].bridges[2].uplink",
        "heartbeat port port3 joins units on several hosts",
        {},
    ),
]


@pytest.mark.parametrize(
    ("name", "breaking", "path", "fragment", "passing"), ERRORS, ids=[f"{c[2]}:{c[3][:30]}" for c in ERRORS]
)
def test_rule_breaks_and_passes(
    name: str, breaking: dict[str, Any], path: str, fragment: str, passing: dict[str, Any]
) -> None:
    found = problems_of(mutate(name, breaking))
    assert any(p.startswith(f"{path}: ") and fragment in p for p in found), found
    assert problems_of(mutate(name, passing)) == []


WARNINGS: list[tuple[str, dict[str, Any], str, str, dict[str, Any]]] = [
    (UNICAST, {}, "ports", "only port3 carries heartbeat", {"ports[1].heartbeat": True, "cluster.monitor": ["port1"]}),
    (UNICAST, {"units[1].priority": 200}, "units[1].priority", "same priority as units[0]", {}),
    (UNICAST, {"units[0].vcpu": 33}, "units[0].vcpu", "need an unlimited (VM-UL) licence", {"units[0].vcpu": 32}),
    (
        UNICAST,
        {"units[0].license_file": "licenses/none.lic"},
        "units[0].license_file",
        "does not exist yet",
        {"units[0].license_file": "unicast-two-hosts.yaml"},
    ),
    (
        UNICAST,
        {"hosts[1].bridges[0].uplink": DELETE},
        "hosts[1].bridges[0].uplink",
        "data port port1 joins units on several hosts",
        {},
    ),
]


@pytest.mark.parametrize(("name", "warning", "path", "fragment", "quiet"), WARNINGS, ids=[w[3][:30] for w in WARNINGS])
def test_warning_shows_and_goes(
    name: str, warning: dict[str, Any], path: str, fragment: str, quiet: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)  # licence paths are relative to the spec's folder (here: cwd)
    assert any(w.startswith(f"{path}: ") and fragment in w for w in warnings_of(mutate(name, warning)))
    assert not any(w.startswith(f"{path}: ") and fragment in w for w in warnings_of(mutate(name, quiet)))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_examples_validate(path: Path) -> None:
    spec = load_spec(path)
    assert len(spec.units) == 2


def test_python_construction_raises_spec_error_with_every_problem() -> None:
    data = mutate(UNICAST, {"cluster.group_id": 5000, "units[0].priority": 999, "image.extra": 1})
    with pytest.raises(SpecError) as info:
        ClusterSpec(**data)
    assert [p.path for p in info.value.problems] == ["cluster.group_id", "image.extra", "units[0].priority"]


def test_several_rule_problems_are_reported_at_once() -> None:
    found = problems_of(
        mutate(
            UNICAST,
            {"units[1].heartbeat_ip": "10.9.0.2/30", "units[1].mgmt_ip": "192.0.2.11/24", "cluster.monitor": ["port9"]},
        )
    )
    assert {p.split(":")[0] for p in found} == {"units[1].heartbeat_ip", "units[1].mgmt_ip", "cluster.monitor[0]"}


def test_an_unknown_field_does_not_hide_the_rule_problems() -> None:
    found = problems_of(
        mutate(
            UNICAST,
            {"cluster.colour": "red", "hosts[1].bridges[0].speed": 10, "units[1].heartbeat_ip": "10.9.0.2/30"},
        )
    )
    assert [p.split(":")[0] for p in found] == [
        "cluster.colour",
        "hosts[1].bridges[0].speed",
        "units[1].heartbeat_ip",
    ], found
    # Other structural problems still stop the rules: they need a well-formed spec.
    found = problems_of(
        mutate(UNICAST, {"cluster.colour": "red", "units[0].priority": "high", "units[1].name": "fgt-a"})
    )
    assert [p.split(":")[0] for p in found] == ["cluster.colour", "units[0].priority"]


def test_secret_names_but_no_values_in_the_model() -> None:
    spec = load_spec(EXAMPLES / f"{UNICAST}.yaml")
    assert spec.secrets.ha_password.name == "fgt_ha_password"
    assert spec.secrets.ha_password.variable == "fgt_ha_password"


def test_derived_facts_of_the_unicast_example() -> None:
    spec = load_spec(EXAMPLES / f"{UNICAST}.yaml")
    a, b = spec.units
    assert spec.hbdev == (("port3", 50),)
    assert spec.mgmt_port.port == "port4"
    assert spec.unicast_port is not None and spec.unicast_port.port == "port3"
    assert [str(spec.unicast_heartbeat(u).peer_ip) for u in (a, b)] == ["10.255.0.2", "10.255.0.1"]  # type: ignore[union-attr]
    assert str(spec.unicast_heartbeat(a).netmask) == "255.255.255.252"  # type: ignore[union-attr]


def test_derived_facts_of_the_broadcast_example() -> None:
    spec = load_spec(EXAMPLES / f"{BROADCAST}.yaml")
    host = spec.hosts[0]
    assert spec.unicast_port is None and spec.unicast_heartbeat(spec.units[0]) is None
    assert [spec.bridge_promiscuous(host, b) for b in host.bridges] == [True, True, False, False, True]
