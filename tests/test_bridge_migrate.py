"""migrate_addresses: a host whose address and default route sit on the uplink stays reachable, and any failure rolls back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bridgekit import ip_state, pings, veth_uplink
from netns import ip, temporary_netns

from fgtha.bridge import BridgeConfig, BridgeError, Change, HostNetwork
from fgtha.bridge.changes import touched
from fgtha.bridge.journal import Journal, journal_path
from fgtha.bridge.lock import RUN_DIR
from fgtha.bridge.netlink import Netlink

HOST_IP, PEER_IP = "10.9.0.2", "10.9.0.1"
MIGRATE = [BridgeConfig("br0", uplink="up0", promiscuous=True, migrate_addresses=True)]
#: Steps of the migration plan below: create, record, promiscuous, bridge up, address to br0, enslave,
#: two routes to br0, two routes off up0, address off up0.
STEPS = 11


@pytest.fixture
def host_and_peer(netns: str) -> Iterator[tuple[str, str]]:
    """``netns`` is the host (up0 carries 10.9.0.2/24, the default route and a static route); a peer sits on the wire."""
    with temporary_netns("fgtha-peer") as peer:
        veth_uplink(netns, "up0", peer="wire0", peer_netns=peer)
        ip("addr", "add", f"{PEER_IP}/24", "dev", "wire0", netns=peer)
        ip("link", "set", "up0", "up", netns=netns)
        ip("addr", "add", f"{HOST_IP}/24", "dev", "up0", netns=netns)
        ip("route", "add", "default", "via", PEER_IP, "dev", "up0", "metric", "100", netns=netns)
        ip("route", "add", "10.50.0.0/16", "via", PEER_IP, "dev", "up0", netns=netns)
        assert pings(peer, HOST_IP)
        yield netns, peer


def test_migration_keeps_the_host_reachable_and_removal_moves_back(host_and_peer: tuple[str, str]) -> None:
    host_ns, peer = host_and_peer
    original = ip_state(host_ns)
    with HostNetwork(host_ns) as host:
        plan = host.apply(MIGRATE)
        state = host.read("br0")
        assert state is not None and state.addresses == (f"{HOST_IP}/24",)
        routes = ip("route", "show", netns=host_ns).stdout
        assert "default via 10.9.0.1 dev br0" in routes and "10.50.0.0/16 via 10.9.0.1 dev br0" in routes
        assert "dev up0" not in routes
        assert pings(peer, HOST_IP) and pings(host_ns, PEER_IP)
        assert host.apply(MIGRATE).empty
        host.apply([], absent=["br0"])
    assert len(plan) == STEPS
    assert ip_state(host_ns) == original
    assert pings(peer, HOST_IP)


@pytest.mark.parametrize("failing_step", range(STEPS))
def test_failure_at_each_step_restores_the_exact_state(host_and_peer: tuple[str, str], failing_step: int) -> None:
    host_ns, peer = host_and_peer
    original = ip_state(host_ns)
    seen: list[Change] = []

    def fail_at(change: Change) -> None:
        seen.append(change)
        if len(seen) - 1 == failing_step:
            raise RuntimeError("injected failure")

    with HostNetwork(host_ns, before_step=fail_at) as host, pytest.raises(BridgeError) as caught:
        host.apply(MIGRATE)
    assert caught.value.rolled_back is True
    assert f"{seen[-1]} failed: injected failure" in str(caught.value)
    assert ip_state(host_ns) == original
    assert pings(peer, HOST_IP)


def test_failure_while_removing_restores_the_bridge(host_and_peer: tuple[str, str]) -> None:
    host_ns, peer = host_and_peer
    with HostNetwork(host_ns) as host:
        host.apply(MIGRATE)
    migrated = ip_state(host_ns)
    steps: list[Change] = []

    def fail_last(change: Change) -> None:
        steps.append(change)
        if str(change) == "delete bridge br0":
            raise RuntimeError("injected failure")

    with HostNetwork(host_ns, before_step=fail_last) as host, pytest.raises(BridgeError, match="rolled back"):
        host.apply([], absent=["br0"])
    assert ip_state(host_ns) == migrated
    assert pings(peer, HOST_IP)


def test_an_address_already_on_the_bridge_counts_as_moved(host_and_peer: tuple[str, str]) -> None:
    """A half-done migration (kill -9 without its journal): the address is on both; apply and removal go on."""
    host_ns, peer = host_and_peer
    ip("link", "add", "br0", "type", "bridge", netns=host_ns)
    ip("link", "set", "br0", "up", netns=host_ns)
    ip("addr", "add", f"{HOST_IP}/24", "dev", "br0", netns=host_ns)
    ip("route", "append", "10.50.0.0/16", "via", PEER_IP, "dev", "br0", netns=host_ns)
    with HostNetwork(host_ns) as host:
        plan = host.apply(MIGRATE)
        assert f"add address {HOST_IP}/24 to br0" not in [str(c) for c in plan]
        assert "add route 10.50.0.0/16 via 10.9.0.1 to br0" not in [str(c) for c in plan]
        assert host.apply(MIGRATE).empty
        ip("addr", "add", f"{HOST_IP}/24", "dev", "up0", netns=host_ns)  # half-way back
        host.apply([], absent=["br0"])
        assert host.read("br0") is None
    assert f"{HOST_IP}/24" in ip("addr", "show", "up0", netns=host_ns).stdout
    assert pings(peer, HOST_IP)


@pytest.mark.parametrize("undone", [0, 3, STEPS])
def test_a_rollback_killed_half_way_is_finished_by_the_next_apply(host_and_peer: tuple[str, str], undone: int) -> None:
    """The journal says every step started; the killed process had undone the last ``undone`` of them."""
    host_ns, peer = host_and_peer
    original = ip_state(host_ns)
    with HostNetwork(host_ns) as host:
        before = host.snapshot()
        plan = host.plan(MIGRATE)
        journal = Journal.start(
            journal_path(host_ns, RUN_DIR),
            netns=host_ns,
            label="t",
            before=before.only(touched(plan.changes)),
            changes=plan.changes,
        )
        nl = Netlink(host_ns)  # the killed process's own socket
        for step, change in enumerate(plan):
            journal.started(step)
            change.do(nl)
        for change in reversed(plan.changes[len(plan) - undone :]):
            change.undo(nl)
        journal.close()
        nl.close()
        told: list[str] = []
        host.notify = told.append
        assert [str(c) for c in host.apply(MIGRATE)] == [str(c) for c in plan]  # back at the start, then all of it
        assert told and "the host is as it was before it" in told[0], told
        host.apply([], absent=["br0"])
    assert ip_state(host_ns) == original
    assert pings(peer, HOST_IP)
