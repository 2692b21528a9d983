"""The bridge helper against real netlink in throwaway namespaces: create, no-op, drift, update, removal, errors."""

from __future__ import annotations

import pytest
from bridgekit import ip_state, veth_uplink
from netns import ip

from fgtha.bridge import BridgeConfig, BridgeError, Change, HostNetwork


def test_create_with_uplink_promiscuous_stp_mtu(netns: str) -> None:
    veth_uplink(netns, "up0")
    cfg = BridgeConfig("br0", uplink="up0", promiscuous=True, stp=True, mtu=1400)
    with HostNetwork(netns) as host:
        plan = host.apply([cfg])
        state = host.read("br0")
    assert "set up0 promiscuous on (was off)" in str(plan)
    assert state is not None
    assert (state.uplink, state.ports, state.promiscuous, state.stp, state.mtu) == ("up0", ("up0",), True, True, 1400)
    shown = ip("-d", "link", "show", "up0", netns=netns).stdout
    assert "PROMISC" in shown and "master br0" in shown and "mtu 1400" in shown
    assert "stp_state 1" in ip("-d", "link", "show", "br0", netns=netns).stdout


def test_reapply_is_a_noop(netns: str) -> None:
    veth_uplink(netns, "up0")
    cfg = [BridgeConfig("br0", uplink="up0", promiscuous=True, stp=True, mtu=1400), BridgeConfig("br1")]
    with HostNetwork(netns) as host:
        host.apply(cfg)
        before = ip_state(netns)
        again = host.apply(cfg)
    assert again.empty and str(again) == "no changes"
    assert ip_state(netns) == before


def test_drift_made_by_hand_is_read_and_repaired(netns: str) -> None:
    veth_uplink(netns, "up0")
    cfg = [BridgeConfig("br0", uplink="up0", promiscuous=True)]
    with HostNetwork(netns) as host:
        host.apply(cfg)
        ip("link", "set", "up0", "promisc", "off", netns=netns)
        assert host.read("br0").promiscuous is False  # type: ignore[union-attr]
        ip("link", "set", "up0", "nomaster", netns=netns)
        drifted = host.read("br0")
        assert drifted is not None and drifted.uplink is None and drifted.ports == ()
        plan = host.plan(cfg)
        assert [str(c) for c in plan] == ["set up0 promiscuous on (was off)", "enslave up0 to br0"]
        host.apply(cfg)
        repaired = host.read("br0")
    assert repaired is not None and (repaired.uplink, repaired.promiscuous) == ("up0", True)


def test_update_mtu_and_promiscuous(netns: str) -> None:
    veth_uplink(netns, "up0")
    with HostNetwork(netns) as host:
        host.apply([BridgeConfig("br0", uplink="up0", promiscuous=True, mtu=1400)])
        plan = host.apply([BridgeConfig("br0", uplink="up0", promiscuous=False, mtu=1300)])
        state = host.read("br0")
    assert {str(c) for c in plan} == {
        "set up0 mtu 1300 (was 1400)",
        "set up0 promiscuous off (was on)",
        "set br0 mtu 1300 (was 1400)",
    }
    assert state is not None and (state.mtu, state.promiscuous) == (1300, False)


def test_removal_restores_the_original_state(netns: str) -> None:
    veth_uplink(netns, "up0")
    ip("link", "set", "up0", "mtu", "1450", netns=netns)
    original = ip_state(netns)
    with HostNetwork(netns) as host:
        host.apply([BridgeConfig("br0", uplink="up0", promiscuous=True, stp=True, mtu=1400)])
        assert ip_state(netns) != original
        host.apply([], absent=["br0"])
        assert host.read("br0") is None
        assert host.apply([], absent=["br0"]).empty
    assert ip_state(netns) == original


def test_absent_bridge_with_taps_is_refused(netns: str) -> None:
    ip("link", "add", "br0", "type", "bridge", netns=netns)
    ip("tuntap", "add", "vnet0", "mode", "tap", netns=netns)
    ip("link", "set", "vnet0", "master", "br0", netns=netns)
    with HostNetwork(netns) as host, pytest.raises(BridgeError, match="br0: cannot remove it while vnet0 still use"):
        host.apply([], absent=["br0"])


def test_hand_made_bridge_reports_its_uplink_and_taps(netns: str) -> None:
    veth_uplink(netns, "enp1s0")
    ip("link", "add", "br0", "type", "bridge", netns=netns)
    ip("tuntap", "add", "vnet0", "mode", "tap", netns=netns)
    for port in ("enp1s0", "vnet0"):
        ip("link", "set", port, "master", "br0", netns=netns)
    with HostNetwork(netns) as host:
        state = host.read("br0")
    assert state is not None and state.uplink == "enp1s0" and state.ports == ("enp1s0", "vnet0")


@pytest.mark.parametrize(
    ("setup", "desired", "message", "field"),
    [
        ([], [BridgeConfig("br0", uplink="nosuch0")], "bridge br0: uplink 'nosuch0' does not exist", "uplink"),
        (
            [("link", "add", "other", "type", "bridge"), ("link", "set", "up0", "master", "other")],
            [BridgeConfig("br0", uplink="up0")],
            "bridge br0: uplink 'up0' is already a port of 'other'",
            "uplink",
        ),
        (
            [("link", "add", "br0", "type", "veth", "peer", "name", "br0p")],
            [BridgeConfig("br0")],
            "bridge br0: the name is taken by a veth device",
            "name",
        ),
        ([], [BridgeConfig("br0", promiscuous=True)], "bridge br0: promiscuous needs an uplink", "promiscuous"),
        (
            [],
            [BridgeConfig("br0", uplink="up0"), BridgeConfig("br1", uplink="up0")],
            "bridge br0: uplink 'up0' is given to more than one bridge",
            "uplink",
        ),
    ],
)
def test_bad_input_is_refused_before_any_change(
    netns: str, setup: list[tuple[str, ...]], desired: list[BridgeConfig], message: str, field: str
) -> None:
    veth_uplink(netns, "up0")
    for args in setup:
        ip(*args, netns=netns)
    before = ip_state(netns)
    with HostNetwork(netns) as host, pytest.raises(BridgeError, match=message) as caught:
        host.apply(desired)
    assert caught.value.rolled_back is False
    assert caught.value.field == field
    assert ip_state(netns) == before


def test_missing_namespace_is_a_clear_error() -> None:
    with pytest.raises(BridgeError, match="network namespace 'fgtha-no-such-ns' does not exist"):
        HostNetwork("fgtha-no-such-ns").read("br0")


def test_kernel_failure_rolls_back(netns: str) -> None:
    veth_uplink(netns, "low0")
    ip("link", "add", "up0", "link", "low0", "type", "macvlan", netns=netns)  # its MTU cannot exceed low0's 1500
    before = ip_state(netns)
    with HostNetwork(netns) as host, pytest.raises(BridgeError, match="set up0 mtu 9000") as caught:
        host.apply([BridgeConfig("br0", uplink="up0", promiscuous=True, mtu=9000)])
    assert caught.value.rolled_back is True
    assert ip_state(netns) == before


def test_failure_after_the_mtu_of_a_new_bridge_rolls_back(netns: str) -> None:
    veth_uplink(netns, "up0")
    before = ip_state(netns)

    def fail_after_mtu(change: Change) -> None:
        if str(change) == "set br0 up":  # right after "set br0 mtu 1400" of the bridge this apply creates
            raise RuntimeError("injected failure")

    with HostNetwork(netns, before_step=fail_after_mtu) as host, pytest.raises(BridgeError) as caught:
        plan = host.plan([BridgeConfig("br0", uplink="up0", mtu=1400)])
        host.apply([BridgeConfig("br0", uplink="up0", mtu=1400)])
    assert "set br0 mtu 1400" in [str(c) for c in plan]
    assert "None" not in str(plan)
    assert caught.value.rolled_back is True, caught.value
    assert ip_state(netns) == before
