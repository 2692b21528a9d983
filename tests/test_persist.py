"""Persistence files as each tool reads them: systemd-networkd itself (in a namespace), netplan generate, ifquery,
and INI parsing for the NetworkManager keyfiles (no offline checker without installing NetworkManager).

The addressing a migrating bridge persists comes from a hand-built snapshot (rendering is
pure) and, once, from a real namespace before and after the apply moves it.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from bridgekit import veth_uplink
from conftest import EXAMPLES, REPO
from netns import ip

from fgtha import atomicfile
from fgtha.bridge import BridgeConfig, HostNetwork
from fgtha.bridge.persist import FORMATS, Addressing, detect_format, observed_addressing, render, write_files
from fgtha.bridge.snapshot import AF_INET, AF_INET6, Address, Link, Route, Snapshot
from fgtha.cli import main

BRIDGES = [
    BridgeConfig("br0", uplink="enp1s0", promiscuous=True, stp=True, mtu=9000, migrate_addresses=True),
    BridgeConfig("br-hb"),
]
UPLINK_MAC = "52:54:00:12:34:56"
STATIC, KERNEL, LINK, UNIVERSE = 4, 2, 253, 0


def _link(index: int, name: str, mac: str) -> Link:
    return Link(index, name, None, None, True, False, 1500, mac, False, "")


SNAPSHOT = Snapshot(
    links={
        "lo": _link(1, "lo", "00:00:00:00:00:00"),
        "enp1s0": _link(2, "enp1s0", UPLINK_MAC),
        "enp9s0": _link(3, "enp9s0", "52:54:00:99:99:99"),
    },
    addresses=frozenset(
        {
            Address("enp1s0", AF_INET, "192.0.2.10/24", "192.0.2.255", UNIVERSE),
            Address("enp1s0", AF_INET, "198.51.100.7/25", None, UNIVERSE, secondary=True),
            Address("enp1s0", AF_INET6, "2001:db8::10/64", None, UNIVERSE),
            Address("enp1s0", AF_INET6, "fe80::5054:ff:fe12:3456/64", None, LINK),
            Address("enp9s0", AF_INET, "203.0.113.9/24", None, UNIVERSE),
        }
    ),
    routes=frozenset(
        {
            Route("enp1s0", AF_INET, "default", "192.0.2.1", 100, STATIC, UNIVERSE, None),
            Route("enp1s0", AF_INET, "192.0.2.0/24", None, None, KERNEL, LINK, "192.0.2.10"),
            Route("enp1s0", AF_INET, "10.0.0.0/8", "192.0.2.254", None, STATIC, UNIVERSE, None),
            Route("enp1s0", AF_INET, "172.16.0.0/12", None, 50, STATIC, LINK, None),
            Route("enp1s0", AF_INET6, "default", "2001:db8::1", 1024, STATIC, UNIVERSE, None),
            Route("enp9s0", AF_INET, "203.0.113.0/24", None, None, KERNEL, LINK, None),
        }
    ),
)
ADDRESSING = observed_addressing(SNAPSHOT, BRIDGES)
CIDRS = ["192.0.2.10/24", "198.51.100.7/25", "2001:db8::10/64"]


def _ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def _unit(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """A systemd unit-style file as (section, [(key, value)]) in order: sections and keys may repeat."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            sections.append((line[1:-1], []))
        elif line.strip() and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and sections, f"not a key=value line in a section: {line!r}"
            sections[-1][1].append((key, value))
    return sections


def _values(unit: list[tuple[str, list[tuple[str, str]]]], section: str, key: str) -> list[str]:
    return [v for name, pairs in unit if name == section for k, v in pairs if k == key]


def _routes(unit: list[tuple[str, list[tuple[str, str]]]]) -> list[dict[str, str]]:
    return [dict(pairs) for name, pairs in unit if name == "Route"]


def test_observed_addressing_takes_what_the_migration_moves() -> None:
    br0 = ADDRESSING["br0"]
    assert set(ADDRESSING) == {"br0"}, "only migrating bridges carry addresses"
    assert [a.cidr for a in br0.addresses] == CIDRS, "global addresses only, IPv4 first, link-local left out"
    assert {(r.dst, r.gateway) for r in br0.routes} == {
        ("default", "192.0.2.1"),
        ("10.0.0.0/8", "192.0.2.254"),
        ("172.16.0.0/12", None),
        ("default", "2001:db8::1"),
    }
    assert br0.mac == UPLINK_MAC
    moved = Snapshot(
        SNAPSHOT.links,
        frozenset(replace(a, dev="br0") for a in SNAPSHOT.addresses if a.dev == "enp1s0"),
        frozenset(replace(r, dev="br0") for r in SNAPSHOT.routes if r.dev == "enp1s0"),
    )
    for fmt in FORMATS:
        assert render(fmt, BRIDGES, observed_addressing(moved, BRIDGES)) == render(fmt, BRIDGES, ADDRESSING), (
            f"{fmt} after the apply"
        )


def test_networkd_files() -> None:
    files = render("networkd", BRIDGES, ADDRESSING)
    netdev = _ini(files["etc/systemd/network/60-fgtha-br0.netdev"][0])
    assert dict(netdev["NetDev"]) == {"Name": "br0", "Kind": "bridge", "MTUBytes": "9000", "MACAddress": UPLINK_MAC}
    assert netdev["Bridge"]["STP"] == "yes"
    bridge = _unit(files["etc/systemd/network/60-fgtha-br0.network"][0])
    assert _values(bridge, "Network", "Address") == CIDRS and not _values(bridge, "Network", "LinkLocalAddressing")
    assert {"Gateway": "192.0.2.1", "Metric": "100"} in _routes(bridge)
    assert {"Destination": "172.16.0.0/12", "Metric": "50", "Scope": "link"} in _routes(bridge)
    assert len(_routes(bridge)) == 4
    uplink = _unit(files["etc/systemd/network/60-fgtha-enp1s0.network"][0])
    assert _values(uplink, "Link", "Promiscuous") == ["yes"] and _values(uplink, "Network", "Bridge") == ["br0"]
    assert not _values(uplink, "Network", "Address"), "the uplink has no address of its own"
    assert _ini(files["etc/systemd/network/60-fgtha-br-hb.netdev"][0])["Bridge"]["STP"] == "no"
    assert _values(_unit(files["etc/systemd/network/60-fgtha-br-hb.network"][0]), "Network", "LinkLocalAddressing") == [
        "no"
    ]


def test_netplan_yaml_and_promiscuity_drop_in() -> None:
    files = render("netplan", BRIDGES, ADDRESSING)
    text, mode = files["etc/netplan/60-fgtha-bridges.yaml"]
    network = yaml.safe_load(text)["network"]
    assert mode == 0o600 and network["version"] == 2
    br0 = network["bridges"]["br0"]
    assert (br0["interfaces"], br0["mtu"], br0["macaddress"], br0["addresses"]) == (["enp1s0"], 9000, UPLINK_MAC, CIDRS)
    assert {"to": "default", "via": "192.0.2.1", "metric": 100} in br0["routes"]
    assert network["ethernets"]["enp1s0"] == {"dhcp4": False, "dhcp6": False, "mtu": 9000}
    assert network["bridges"]["br-hb"]["link-local"] == []
    drop_in = _ini(files["etc/systemd/network/10-netplan-enp1s0.network.d/fgtha-promiscuous.conf"][0])
    assert drop_in["Link"]["Promiscuous"] == "yes"


def test_networkmanager_keyfiles() -> None:
    files = render("networkmanager", BRIDGES, ADDRESSING)
    bridge = _ini(files["etc/NetworkManager/system-connections/fgtha-br0.nmconnection"][0])
    port = _ini(files["etc/NetworkManager/system-connections/fgtha-br0-enp1s0.nmconnection"][0])
    assert bridge["connection"]["type"] == "bridge" and bridge["bridge"]["stp"] == "true"
    assert dict(bridge["ethernet"]) == {"mtu": "9000", "cloned-mac-address": UPLINK_MAC}, (
        "the bridge profile carries its MTU"
    )
    assert dict(bridge["ipv4"]) == {
        "method": "manual",
        "address1": "192.0.2.10/24",
        "address2": "198.51.100.7/25",
        "gateway": "192.0.2.1",
        "route-metric": "100",
        "route1": "172.16.0.0/12,0.0.0.0,50",
        "route2": "10.0.0.0/8,192.0.2.254",
    }
    assert dict(bridge["ipv6"]) == {
        "method": "manual",
        "address1": "2001:db8::10/64",
        "gateway": "2001:db8::1",
        "route-metric": "1024",
    }
    assert (port["connection"]["master"], port["connection"]["slave-type"]) == ("br0", "bridge")
    assert port["ethernet"]["accept-all-mac-addresses"] == "1" and port["ethernet"]["mtu"] == "9000"
    assert not port.has_section("ipv4"), "the port profile has no address of its own"
    hb = _ini(files["etc/NetworkManager/system-connections/fgtha-br-hb.nmconnection"][0])
    assert (hb["ipv4"]["method"], hb["ipv6"]["method"]) == ("disabled", "disabled") and not hb.has_section("ethernet")
    assert all(mode == 0o600 for _, mode in files.values())


def test_ipv4_only_host_keeps_ipv6_link_local_in_networkmanager() -> None:
    v4 = Addressing(addresses=tuple(a for a in ADDRESSING["br0"].addresses if a.family == AF_INET))
    bridge = _ini(
        render("networkmanager", BRIDGES, {"br0": v4})["etc/NetworkManager/system-connections/fgtha-br0.nmconnection"][
            0
        ]
    )
    assert bridge["ipv6"]["method"] == "link-local" and "gateway" not in bridge["ipv4"]


needs_netplan = pytest.mark.skipif(
    shutil.which("netplan") is None,
    reason="netplan not installed (Debian package netplan.io; scripts/debian-tools installs it)",
)
needs_ifquery = pytest.mark.skipif(
    shutil.which("ifquery") is None,
    reason="ifquery not installed (Debian package ifupdown; scripts/debian-tools installs it)",
)


@needs_netplan
def test_netplan_generate_accepts_the_yaml(tmp_path: Path) -> None:
    write_files(tmp_path, render("netplan", BRIDGES, ADDRESSING))
    subprocess.run(["netplan", "generate", "--root-dir", str(tmp_path)], check=True, capture_output=True, text=True)
    generated = tmp_path / "run/systemd/network"
    netdev = _unit((generated / "10-netplan-br0.netdev").read_text())
    assert _values(netdev, "NetDev", "Kind") == ["bridge"] and _values(netdev, "Bridge", "STP") == ["true"]
    assert _values(netdev, "NetDev", "MTUBytes") == ["9000"] and _values(netdev, "NetDev", "MACAddress") == [UPLINK_MAC]
    bridge = _unit((generated / "10-netplan-br0.network").read_text())
    assert _values(bridge, "Network", "Address") == CIDRS
    assert {"Destination": "0.0.0.0/0", "Gateway": "192.0.2.1", "Metric": "100"} in _routes(bridge)
    assert {"Destination": "172.16.0.0/12", "Scope": "link", "Metric": "50"} in _routes(bridge)
    uplink = _unit((generated / "10-netplan-enp1s0.network").read_text())
    assert _values(uplink, "Network", "Bridge") == ["br0"] and not _values(uplink, "Network", "Address")
    drop_ins = [
        p.parent.name.removesuffix(".d")
        for p in tmp_path.glob("etc/systemd/network/*.network.d/fgtha-promiscuous.conf")
    ]
    assert drop_ins == ["10-netplan-enp1s0.network"] and (generated / drop_ins[0]).is_file(), (
        "the drop-in extends the file netplan generates"
    )
    assert _values(_unit((generated / "10-netplan-br-hb.network").read_text()), "Network", "LinkLocalAddressing") == [
        "no"
    ]


@needs_netplan
def test_netplan_generate_rejects_a_broken_file(tmp_path: Path) -> None:
    text, mode = render("netplan", BRIDGES)["etc/netplan/60-fgtha-bridges.yaml"]
    write_files(tmp_path, {"etc/netplan/60-fgtha-bridges.yaml": (text.replace("stp:", "spanning-tree:"), mode)})
    result = subprocess.run(["netplan", "generate", "--root-dir", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode != 0 and "spanning-tree" in result.stderr


UNPACKED_NM = REPO / ".fgtha/nmcli"  # scripts/nmcli-offline unpacks it there, not installed
NMCLI = UNPACKED_NM / "usr/bin/nmcli" if (UNPACKED_NM / "usr/bin/nmcli").exists() else shutil.which("nmcli")
NM_DEFAULTS = {("bridge", "stp", "true")}  # nmcli leaves a property at its default out of what it writes


@pytest.mark.skipif(
    NMCLI is None,
    reason="nmcli not available: run scripts/nmcli-offline (unpacks it; installing "
    "network-manager would take over the host's interfaces)",
)
def test_nmcli_offline_reads_every_key_back(tmp_path: Path) -> None:
    """NM ignores keys it cannot parse without an error, so every key must come back from ``nmcli --offline``."""
    libs = ":".join(str(p) for p in UNPACKED_NM.glob("usr/lib/*-linux-gnu"))
    env = {**os.environ, "LD_LIBRARY_PATH": libs}
    for rel, (text, _) in render("networkmanager", BRIDGES, ADDRESSING).items():
        ours = _ini(text)
        back = _ini(
            subprocess.run(
                [str(NMCLI), "--offline", "connection", "modify", "connection.id", ours["connection"]["id"]],
                input=text,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        for section in ours.sections():
            if "gateway" in ours[section]:  # NM writes the gateway in its older place, after the first address
                first, _, gateway = back[section]["address1"].partition(",")
                back[section]["address1"], back[section]["gateway"] = first, gateway
            for key, value in ours[section].items():
                if (section, key, value) not in NM_DEFAULTS:
                    assert back.get(section, key, fallback=None) == value, (
                        f"{rel}: NM did not read [{section}] {key}={value}"
                    )


def _ifquery(path: Path, *args: str) -> str:
    return subprocess.run(["ifquery", "-i", str(path), *args], check=True, capture_output=True, text=True).stdout


@needs_ifquery
def test_ifquery_reads_the_stanzas(tmp_path: Path) -> None:
    written = write_files(tmp_path, render("ifupdown", BRIDGES, ADDRESSING))
    br0, hb = (tmp_path / "etc/network/interfaces.d/fgtha-br0"), (tmp_path / "etc/network/interfaces.d/fgtha-br-hb")
    assert set(written) == {br0, hb}
    assert "br0" in _ifquery(br0, "--list").split()
    options = [tuple(line.split(": ", 1)) for line in _ifquery(br0, "br0").splitlines()]
    assert ("bridge_ports", "enp1s0") in options and ("bridge_stp", "on") in options and ("mtu", "9000") in options
    assert ("hwaddress", UPLINK_MAC) in options and ("up", "ip link set dev enp1s0 promisc on") in options
    assert [v for k, v in options if k == "address"] == ["192.0.2.10", "198.51.100.7", "2001:db8::10"]
    assert ("up", "ip route add default via 192.0.2.1 metric 100 dev br0") in options
    assert ("up", "ip -6 route add default via 2001:db8::1 metric 1024 dev br0") in options
    assert ("bridge_ports", "none") in [tuple(line.split(": ", 1)) for line in _ifquery(hb, "br-hb").splitlines()]


def test_addressing_read_from_a_namespace_before_and_after_the_apply(netns: str) -> None:
    veth_uplink(netns, "enp1s0")
    ip("link", "set", "enp1s0", "address", UPLINK_MAC, "up", netns=netns)
    ip("addr", "add", "192.0.2.10/24", "dev", "enp1s0", netns=netns)
    ip("route", "add", "default", "via", "192.0.2.1", "metric", "100", "dev", "enp1s0", netns=netns)
    desired = [BridgeConfig("br0", uplink="enp1s0", migrate_addresses=True)]
    with HostNetwork(netns) as host:
        before = observed_addressing(host.snapshot(), desired)
        host.apply(desired)
        after = observed_addressing(host.snapshot(), desired)
    assert [a.cidr for a in before["br0"].addresses] == ["192.0.2.10/24"] and before["br0"].mac == UPLINK_MAC
    assert [(r.dst, r.gateway, r.metric) for r in before["br0"].routes] == [("default", "192.0.2.1", 100)]
    assert render("networkd", desired, before) == render("networkd", desired, after)


NETWORKD = Path("/lib/systemd/systemd-networkd")
needs_networkd = pytest.mark.skipif(
    not NETWORKD.exists() or shutil.which("unshare") is None,
    reason="systemd-networkd not installed (Debian package systemd)",
)


@contextmanager
def _networkd(netns: str, root: Path) -> Iterator[None]:
    """systemd-networkd configuring ``netns`` from the files under ``root``, in a private mount namespace.

    Our files replace /etc/systemd/network (and netplan's output /run/systemd/network) for it
    alone; a read-only /sys tells it, as in a container, that no udev will initialise links.
    """
    generated = root / "run/systemd/network"
    steps = [
        "mount --make-rprivate /",
        "mount -o remount,ro /sys",
        "mount -t tmpfs -o mode=0755 tmpfs /run/systemd",
        f"mount --bind {root}/etc/systemd/network /etc/systemd/network",
        *(
            [f"mkdir /run/systemd/network && mount --bind {generated} /run/systemd/network"]
            if generated.is_dir()
            else []
        ),
        "mkdir /run/systemd/netif",
        "chown systemd-network:systemd-network /run/systemd/netif",
        f"exec {NETWORKD}",
    ]
    proc = subprocess.Popen(
        ["ip", "netns", "exec", netns, "unshare", "-m", "sh", "-c", " && ".join(steps)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def _eventually(read: Callable[[], dict[str, object]], done: Callable[[dict[str, object]], bool]) -> dict[str, object]:
    """Read until ``done`` holds or 15 s pass (networkd works asynchronously); the last read either way."""
    deadline = time.monotonic() + 15
    state = read()
    while not done(state) and time.monotonic() < deadline:
        time.sleep(0.1)
        state = read()
    return state


def _ns_state(netns: str) -> dict[str, object]:
    links = {l["ifname"]: l for l in json.loads(ip("-j", "-d", "link", "show", netns=netns).stdout)}
    addrs = {
        a["ifname"]: sorted(f"{i['local']}/{i['prefixlen']}" for i in a["addr_info"] if i["scope"] == "global")
        for a in json.loads(ip("-j", "addr", "show", netns=netns).stdout)
    }
    routes = [
        (r["dst"], r.get("gateway"), r["dev"], r.get("metric"))
        for family in ("-4", "-6")
        for r in json.loads(ip("-j", family, "route", "show", netns=netns).stdout)
    ]
    return {"links": links, "addresses": addrs, "routes": routes}


def _configured(state: dict[str, object]) -> bool:
    links, routes = state["links"], state["routes"]
    assert isinstance(links, dict) and isinstance(routes, list)
    return (
        links.get("enp1s0", {}).get("master") == "br0"
        and "br-hb" in links
        and ("default", "2001:db8::1", "br0", 1024) in routes
        and ("10.0.0.0/8", "192.0.2.254", "br0", None) in routes
    )


@needs_networkd
@pytest.mark.parametrize("fmt", ["networkd", pytest.param("netplan", marks=needs_netplan)])
def test_systemd_networkd_builds_the_bridge_from_the_files(netns: str, tmp_path: Path, fmt: str) -> None:
    veth_uplink(netns, "enp1s0")
    write_files(tmp_path, render(fmt, BRIDGES, ADDRESSING))
    if fmt == "netplan":
        subprocess.run(["netplan", "generate", "--root-dir", str(tmp_path)], check=True, capture_output=True)
    with _networkd(netns, tmp_path):
        state = _eventually(lambda: _ns_state(netns), _configured)
    links, addresses, routes = state["links"], state["addresses"], state["routes"]
    assert isinstance(links, dict) and isinstance(addresses, dict) and isinstance(routes, list)
    uplink, bridge = links["enp1s0"], links["br0"]
    assert uplink["master"] == "br0" and "PROMISC" in uplink["flags"] and uplink["mtu"] == 9000
    assert bridge["linkinfo"]["info_kind"] == "bridge" and bridge["linkinfo"]["info_data"]["stp_state"] == 1
    assert (bridge["mtu"], bridge["address"]) == (9000, UPLINK_MAC)
    assert addresses["br0"] == sorted(CIDRS) and addresses["enp1s0"] == [] and addresses["br-hb"] == []
    assert {
        ("default", "192.0.2.1", "br0", 100),
        ("10.0.0.0/8", "192.0.2.254", "br0", None),
        ("172.16.0.0/12", None, "br0", 50),
        ("default", "2001:db8::1", "br0", 1024),
    } <= set(routes)
    assert links["br-hb"]["linkinfo"]["info_data"]["stp_state"] == 0


@pytest.mark.parametrize(
    ("marker", "fmt"),
    [
        ("etc/netplan/50-cloud-init.yaml", "netplan"),
        ("run/NetworkManager/", "networkmanager"),
        ("run/systemd/netif/", "networkd"),
        ("etc/network/interfaces", "ifupdown"),
    ],
)
def test_detection(tmp_path: Path, marker: str, fmt: str) -> None:
    target = tmp_path / marker
    if marker.endswith("/"):
        target.mkdir(parents=True)
    else:
        target.parent.mkdir(parents=True)
        target.write_text("source /etc/network/interfaces.d/*\n")
    (tmp_path / "etc/netplan").mkdir(parents=True, exist_ok=True)  # installed but unused: not netplan
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


def test_write_files_sets_each_mode_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader never sees a file under its final name with a mode other than the final one."""
    modes_at_rename: dict[str, int] = {}
    real_replace = atomicfile.os.replace

    def recording_replace(src: str, dst: Path) -> None:
        modes_at_rename[Path(dst).name] = stat.S_IMODE(os.stat(src).st_mode)
        real_replace(src, dst)

    monkeypatch.setattr(atomicfile.os, "replace", recording_replace)
    old_umask = os.umask(0o077)
    try:
        write_files(tmp_path, render("networkd", BRIDGES) | render("netplan", BRIDGES))
    finally:
        os.umask(old_umask)
    assert modes_at_rename["60-fgtha-br0.netdev"] == 0o644 and modes_at_rename["60-fgtha-bridges.yaml"] == 0o600


def test_cli_dry_run_prints_exactly_the_files_then_writes_them(
    netns: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = yaml.safe_load((EXAMPLES / "broadcast-one-host.yaml").read_text())
    spec["hosts"][0]["bridges"][4]["migrate_addresses"] = True  # br-mgmt takes enp4s0's address and default route
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    for nic in ("enp1s0", "enp2s0"):
        veth_uplink(netns, nic)
    veth_uplink(netns, "enp4s0", mac="52:54:00:cd:2a:9c")  # ":cd:" is an emoji code to rich: printed as given
    ip("link", "set", "enp4s0", "up", netns=netns)
    ip("addr", "add", "198.51.100.10/24", "dev", "enp4s0", netns=netns)
    ip("route", "add", "default", "via", "198.51.100.1", "dev", "enp4s0", netns=netns)
    root = tmp_path / "root"
    args = [
        "host",
        "apply",
        str(tmp_path / "spec.yaml"),
        "--host",
        "kvm1",
        "--netns",
        netns,
        "--persist",
        "--format",
        "netplan",
        "--root",
        str(root),
    ]
    assert main([*args, "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert not root.exists()
    assert main(args) == 0
    written = (root / "etc/netplan/60-fgtha-bridges.yaml").read_text()
    assert written in printed, "--dry-run prints the file as it is written"
    br_mgmt = yaml.safe_load(written)["network"]["bridges"]["br-mgmt"]
    assert br_mgmt["addresses"] == ["198.51.100.10/24"] and br_mgmt["routes"] == [
        {"to": "default", "via": "198.51.100.1"}
    ]
    assert "198.51.100.10/24" in ip("addr", "show", "br-mgmt", netns=netns).stdout, "and the apply moved it"
