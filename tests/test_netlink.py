"""The hand-encoded rtnetlink messages against the real kernel: each request the helper sends, read back by iproute2,
and each dump the helper reads, compared with what iproute2 reads (throwaway namespaces)."""

from __future__ import annotations

import errno
import json
from collections.abc import Iterator

import pytest
from netns import ip

from fgtha.bridge import wire
from fgtha.bridge.dump import read_snapshot
from fgtha.bridge.netlink import Netlink
from fgtha.bridge.snapshot import AF_INET, AF_INET6, IFF_PROMISC, IFF_UP, Address, Route
from fgtha.bridge.wire import NetlinkError


@pytest.fixture
def nl(netns: str) -> Iterator[Netlink]:
    sock = Netlink(netns)
    try:
        yield sock
    finally:
        sock.close()


def link(netns: str, name: str) -> dict[str, object]:
    (found,) = json.loads(ip("-j", "-d", "link", "show", name, netns=netns).stdout)
    return dict(found)


def addresses(netns: str, dev: str) -> set[tuple[str, int, str | None]]:
    (found,) = json.loads(ip("-j", "addr", "show", "dev", dev, netns=netns).stdout)
    return {(a["local"], a["prefixlen"], a.get("broadcast")) for a in found["addr_info"] if a.get("scope") != "link"}


def routes(netns: str, family: str) -> set[tuple[object, ...]]:
    found = json.loads(ip("-j", family, "route", "show", "table", "main", "proto", "static", netns=netns).stdout)
    return {(r["dst"], r.get("gateway"), r["dev"], r.get("metric"), r.get("prefsrc")) for r in found}


def test_a_bridge_is_created_with_stp_mac_and_mtu_and_deleted(netns: str, nl: Netlink) -> None:
    nl.add_bridge("br0", True, wire.mac("02:00:00:00:00:b0"), wire.mtu(1400))
    nl.add_bridge("br1", False)
    br0, br1 = link(netns, "br0"), link(netns, "br1")
    assert br0["linkinfo"]["info_kind"] == "bridge"  # type: ignore[index]
    assert br0["linkinfo"]["info_data"]["stp_state"] == 1  # type: ignore[index]
    assert (br0["address"], br0["mtu"]) == ("02:00:00:00:00:b0", 1400)
    assert br1["linkinfo"]["info_data"]["stp_state"] == 0  # type: ignore[index]
    nl.delete_link("br1")
    assert ip("link", "show", "br1", netns=netns, check=False).returncode != 0


def test_the_kernel_s_refusals_carry_its_errno(netns: str, nl: Netlink) -> None:
    nl.add_bridge("br0", False)
    with pytest.raises(NetlinkError) as exists:
        nl.add_bridge("br0", False)
    with pytest.raises(NetlinkError) as missing:
        nl.set_link("nosuch", wire.mtu(1400))
    with pytest.raises(NetlinkError) as gone:
        nl.delete_link("nosuch")
    assert (exists.value.code, missing.value.code, gone.value.code) == (errno.EEXIST, errno.ENODEV, errno.ENODEV)
    assert "File exists" in str(exists.value)
    with pytest.raises(LookupError, match="nosuch"):
        nl.index("nosuch")


def test_each_link_property_is_set_and_cleared(netns: str, nl: Netlink) -> None:
    ip("link", "add", "up0", "type", "veth", "peer", "name", "pe0", netns=netns)
    nl.add_bridge("br0", False)
    nl.set_link("up0", wire.mtu(1300))
    nl.set_link("up0", flags=IFF_UP | IFF_PROMISC, change=IFF_UP | IFF_PROMISC)
    nl.set_link("up0", wire.master(nl.index("br0")))
    nl.set_link("br0", wire.alias("fgtha:uplink=up0"), wire.bridge_info(True))
    up0, br0 = link(netns, "up0"), link(netns, "br0")
    assert (up0["mtu"], up0["master"]) == (1300, "br0")
    assert {"UP", "PROMISC"} <= set(up0["flags"])  # type: ignore[arg-type]
    assert br0["ifalias"] == "fgtha:uplink=up0"
    assert br0["linkinfo"]["info_data"]["stp_state"] == 1  # type: ignore[index]
    nl.set_link("up0", wire.master(0))
    nl.set_link("up0", flags=0, change=IFF_PROMISC)  # only the promiscuous flag changes
    nl.set_link("br0", wire.alias(""))
    up0, br0 = link(netns, "up0"), link(netns, "br0")
    assert "master" not in up0 and up0["promiscuity"] == 0 and "UP" in up0["flags"]  # type: ignore[operator]
    assert "PROMISC" not in up0["flags"]  # type: ignore[operator]
    assert "ifalias" not in br0


def test_a_veth_pair_gets_its_macs_and_no_ipv6_address(netns: str, nl: Netlink) -> None:
    nl.add_veth("va", "vb", wire.mac("02:00:00:00:00:0a"), peer_attrs=(wire.mac("fe:00:00:00:00:0b"),))
    nl.set_link("va", wire.no_ipv6_addresses())
    va, vb = link(netns, "va"), link(netns, "vb")
    assert (va["address"], vb["address"], va["link"], va["linkinfo"]["info_kind"]) == (  # type: ignore[index]
        "02:00:00:00:00:0a",
        "fe:00:00:00:00:0b",
        "vb",
        "veth",
    )
    assert va["inet6_addr_gen_mode"] == "none" and vb["inet6_addr_gen_mode"] != "none"
    assert nl.index("va") == va["ifindex"]


def test_addresses_and_routes_are_added_and_removed(netns: str, nl: Netlink) -> None:
    ip("link", "add", "d0", "type", "veth", "peer", "name", "d0p", netns=netns)
    ip("link", "set", "d0p", "up", netns=netns)
    ip("link", "set", "d0", "up", netns=netns)
    v4 = Address("d0", AF_INET, "192.0.2.10/24", "192.0.2.255", 0)
    v6 = Address("d0", AF_INET6, "2001:db8::10/64", None, 0)
    nl.address("d0", v4, add=True)
    nl.address("d0", v6, add=True)
    assert addresses(netns, "d0") == {("192.0.2.10", 24, "192.0.2.255"), ("2001:db8::10", 64, None)}
    default = Route("d0", AF_INET, "default", "192.0.2.1", 100, 4, 0, None)
    net = Route("d0", AF_INET, "198.51.100.0/24", "192.0.2.1", None, 4, 0, "192.0.2.10")
    v6net = Route("d0", AF_INET6, "2001:db8:1::/48", "2001:db8::1", 50, 4, 0, None)
    for route in (default, net, v6net):
        nl.route("d0", route, add=True)
    assert routes(netns, "-4") == {
        ("default", "192.0.2.1", "d0", 100, None),
        ("198.51.100.0/24", "192.0.2.1", "d0", None, "192.0.2.10"),
    }
    assert routes(netns, "-6") == {("2001:db8:1::/48", "2001:db8::1", "d0", 50, None)}
    with pytest.raises(NetlinkError) as twice:
        nl.address("d0", v4, add=True)
    assert twice.value.code == errno.EEXIST
    for route in (default, net, v6net):
        nl.route("d0", route, add=False)
    nl.address("d0", v4, add=False)
    nl.address("d0", v6, add=False)
    assert routes(netns, "-4") == routes(netns, "-6") == set() and addresses(netns, "d0") == set()


def test_a_snapshot_reads_what_iproute2_reads(netns: str, nl: Netlink) -> None:
    ip("link", "add", "up0", "type", "veth", "peer", "name", "pe0", netns=netns)
    ip("link", "add", "br0", "type", "bridge", "stp_state", "1", netns=netns)
    ip("link", "set", "br0", "alias", "fgtha:uplink=up0", "mtu", "1400", netns=netns)
    ip("link", "set", "up0", "master", "br0", "promisc", "on", "up", netns=netns)
    ip("link", "set", "br0", "up", netns=netns)
    ip("addr", "add", "192.0.2.10/24", "broadcast", "192.0.2.255", "dev", "br0", netns=netns)
    ip("addr", "add", "192.0.2.11/24", "dev", "br0", netns=netns)  # a secondary
    ip("addr", "add", "2001:db8::10/64", "dev", "br0", "nodad", netns=netns)
    ip("route", "add", "default", "via", "192.0.2.1", "dev", "br0", "metric", "7", netns=netns)
    ip("route", "add", "2001:db8:1::/48", "via", "2001:db8::1", "dev", "br0", netns=netns)
    ip("route", "add", "203.0.113.0/24", "dev", "br0", "table", "100", netns=netns)  # not the main table
    snapshot = read_snapshot(nl)
    for name, shown in ((n, link(netns, n)) for n in ("lo", "up0", "pe0", "br0")):
        got = snapshot.links[name]
        kind = shown.get("linkinfo", {}).get("info_kind")  # type: ignore[union-attr]
        assert (got.index, got.kind, got.master, got.mtu, got.mac, got.alias) == (
            shown["ifindex"],
            kind,
            shown.get("master"),
            shown["mtu"],
            shown["address"] if name != "lo" else "00:00:00:00:00:00",
            shown.get("ifalias", ""),
        )
        assert (got.up, got.promiscuous) == ("UP" in shown["flags"], "PROMISC" in shown["flags"])  # type: ignore[operator]
    assert snapshot.links["br0"].stp and not snapshot.links["up0"].stp
    br0 = {(a.cidr, a.broadcast, a.secondary) for a in snapshot.addresses if a.dev == "br0" and a.movable}
    assert br0 == {
        ("192.0.2.10/24", "192.0.2.255", False),
        ("192.0.2.11/24", None, True),
        ("2001:db8::10/64", None, False),
    }
    assert any(a.dev == "lo" and a.cidr == "127.0.0.1/8" for a in snapshot.addresses)
    plain = {(r.family, r.dst, r.gateway, r.metric) for r in snapshot.routes if r.dev == "br0" and r.movable}
    assert plain == {(AF_INET, "default", "192.0.2.1", 7), (AF_INET6, "2001:db8:1::/48", "2001:db8::1", 1024)}
    connected = [r for r in snapshot.routes if r.dst == "192.0.2.0/24"]
    assert [(r.dev, r.gateway, r.prefsrc) for r in connected] == [("br0", None, "192.0.2.10")]
