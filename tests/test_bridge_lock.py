"""The host lock: two applies on one namespace never interleave."""

from __future__ import annotations

import threading
import time

from bridgekit import veth_uplink

from fgtha.bridge import BridgeConfig, Change, HostNetwork
from fgtha.bridge.lock import lock_path


def test_two_concurrent_applies_are_serialized(netns: str) -> None:
    veth_uplink(netns, "up0")
    veth_uplink(netns, "up1")
    log: list[str] = []
    first_inside = threading.Event()

    def slow_first(change: Change) -> None:
        log.append(f"A {change}")
        if not first_inside.is_set():
            first_inside.set()
            time.sleep(0.3)  # the second apply starts now and must wait for the lock

    def second(change: Change) -> None:
        log.append(f"B {change}")

    def run(cfg: BridgeConfig, hook: object) -> None:
        with HostNetwork(netns, before_step=hook) as host:  # type: ignore[arg-type]
            host.apply([cfg])

    a = threading.Thread(target=run, args=(BridgeConfig("br0", uplink="up0", promiscuous=True), slow_first))
    b = threading.Thread(target=run, args=(BridgeConfig("br1", uplink="up1", promiscuous=True), second))
    a.start()
    assert first_inside.wait(5)
    b.start()
    a.join(10)
    b.join(10)
    owners = [line[0] for line in log]
    assert owners.count("A") >= 4 and owners.count("B") >= 4
    assert owners == sorted(owners), f"applies interleaved: {log}"


def test_each_namespace_has_its_own_lock_file() -> None:
    assert lock_path(None).name == "fgtha-bridge-host.lock"
    assert lock_path("ns/../x").name == "fgtha-bridge-ns_.._x.lock"
    assert lock_path("a") != lock_path("b")
