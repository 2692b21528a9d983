"""Persistence files parse as each tool documents them; auto-detection; atomic writes under a root."""

from __future__ import annotations

import configparser
import stat
from pathlib import Path

import pytest
import yaml

from fgtha.bridge import BridgeConfig
from fgtha.bridge.persist import detect_format, render, write_files

BRIDGES = [BridgeConfig("br0", uplink="enp1s0", promiscuous=True, stp=True, mtu=9000), BridgeConfig("br-hb")]


def _ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def test_networkd_files() -> None:
    files = render("networkd", BRIDGES)
    netdev = _ini(files["etc/systemd/network/60-fgtha-br0.netdev"][0])
    assert dict(netdev["NetDev"]) == {"Name": "br0", "Kind": "bridge", "MTUBytes": "9000"} and netdev["Bridge"]["STP"] == "yes"
    uplink = _ini(files["etc/systemd/network/60-fgtha-enp1s0.network"][0])
    assert uplink["Link"]["Promiscuous"] == "yes" and uplink["Network"]["Bridge"] == "br0"
    assert _ini(files["etc/systemd/network/60-fgtha-br-hb.netdev"][0])["Bridge"]["STP"] == "no"


def test_netplan_yaml_and_promiscuity_drop_in() -> None:
    files = render("netplan", BRIDGES)
    text, mode = files["etc/netplan/60-fgtha-bridges.yaml"]
    network = yaml.safe_load(text)["network"]
    assert mode == 0o600 and network["version"] == 2
    assert network["bridges"]["br0"] == {"interfaces": ["enp1s0"], "parameters": {"stp": True}, "dhcp4": False, "dhcp6": False, "mtu": 9000}
    assert network["ethernets"]["enp1s0"]["mtu"] == 9000
    drop_in = _ini(files["etc/systemd/network/10-netplan-enp1s0.network.d/fgtha-promiscuous.conf"][0])
    assert drop_in["Link"]["Promiscuous"] == "yes"


def test_networkmanager_keyfiles() -> None:
    files = render("networkmanager", BRIDGES)
    bridge = _ini(files["etc/NetworkManager/system-connections/fgtha-br0.nmconnection"][0])
    port = _ini(files["etc/NetworkManager/system-connections/fgtha-br0-enp1s0.nmconnection"][0])
    assert bridge["connection"]["type"] == "bridge" and bridge["bridge"]["stp"] == "true"
    assert (port["connection"]["master"], port["connection"]["slave-type"]) == ("br0", "bridge")
    assert port["ethernet"]["accept-all-mac-addresses"] == "true" and port["ethernet"]["mtu"] == "9000"
    assert all(mode == 0o600 for _, mode in files.values())


def test_ifupdown_stanzas() -> None:
    text = render("ifupdown", BRIDGES)["etc/network/interfaces.d/fgtha-br0"][0]
    lines = [line.strip() for line in text.splitlines()]
    assert lines[:4] == ["auto br0", "iface br0 inet manual", "bridge_ports enp1s0", "bridge_stp on"]
    assert "up ip link set dev enp1s0 promisc on" in lines and "mtu 9000" in lines
    assert "bridge_ports none" in render("ifupdown", BRIDGES)["etc/network/interfaces.d/fgtha-br-hb"][0]


@pytest.mark.parametrize(
    ("marker", "fmt"),
    [("etc/netplan/", "netplan"), ("run/NetworkManager/", "networkmanager"), ("run/systemd/netif/", "networkd"), ("etc/network/interfaces", "ifupdown")],
)
def test_detection(tmp_path: Path, marker: str, fmt: str) -> None:
    target = tmp_path / marker
    if marker.endswith("/"):
        target.mkdir(parents=True)
    else:
        target.parent.mkdir(parents=True)
        target.write_text("source /etc/network/interfaces.d/*\n")
    assert detect_format(tmp_path) == fmt


def test_undetectable_host_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pass --format"):
        detect_format(tmp_path)
    with pytest.raises(ValueError, match="format 'wicked' is not one of"):
        render("wicked", BRIDGES)


def test_write_files_under_root_with_modes(tmp_path: Path) -> None:
    written = write_files(tmp_path, render("networkmanager", BRIDGES) | render("networkd", BRIDGES))
    assert all(p.is_relative_to(tmp_path) for p in written)
    nm = tmp_path / "etc/NetworkManager/system-connections/fgtha-br0.nmconnection"
    assert stat.S_IMODE(nm.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "etc/systemd/network/60-fgtha-br0.netdev").stat().st_mode) == 0o644
    assert not list(tmp_path.rglob(".*.tmp"))
