"""The host lock: two applies on one namespace never interleave, a waiter says whom it waits for and gives up,
and nobody else can plant, own or block the lock."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from bridgekit import veth_uplink

from fgtha.bridge import BridgeConfig, BridgeError, Change, HostNetwork
from fgtha.bridge.lock import RUN_DIR, host_lock, lock_path

NOBODY = 65534


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A private folder standing in for /run/fgtha."""
    path = tmp_path / "run"
    path.mkdir(mode=0o700)
    return path


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
    assert not lock_path(netns).exists(), "the lock file is removed after use"


def test_lock_lives_in_a_root_only_folder() -> None:
    assert lock_path(None).parent == RUN_DIR == Path("/run/fgtha")
    assert lock_path(None).name == "bridge-host.lock"
    assert lock_path("ns/../x").name == "bridge-ns-ns_.._x.lock"
    assert lock_path("a") != lock_path("b")


def test_a_waiting_apply_says_for_whom_and_gives_up(netns: str, run_dir: Path) -> None:
    veth_uplink(netns, "up0")
    told: list[str] = []
    with host_lock(netns, label="kvm1", run_dir=run_dir):
        host = HostNetwork(netns, label="host kvm1", notify=told.append, lock_timeout=0.3, run_dir=run_dir)
        with host, pytest.raises(BridgeError, match=r"host kvm1: gave up after 0.3 s waiting for the apply of pid"):
            host.apply([BridgeConfig("br0", uplink="up0")])
    assert told == [f"host kvm1: waiting for the apply of pid {os.getpid()} on kvm1 (lock {lock_path(netns, run_dir)})"]
    with HostNetwork(netns) as host:
        assert host.read("br0") is None
    assert not any(run_dir.iterdir())


def test_a_planted_symlink_is_refused_and_nothing_is_created(netns: str, run_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "victim"
    lock_path(netns, run_dir).symlink_to(target)
    with (
        pytest.raises(BridgeError, match="is a symlink: refusing to follow it"),
        host_lock(netns, label="x", run_dir=run_dir),
    ):
        pass
    assert not target.exists()


def test_a_lock_file_of_another_user_is_refused(netns: str, run_dir: Path) -> None:
    path = lock_path(netns, run_dir)
    path.touch()
    os.chown(path, NOBODY, NOBODY)
    with pytest.raises(BridgeError, match="belongs to uid 65534"), host_lock(netns, label="x", run_dir=run_dir):
        pass


@pytest.mark.parametrize("problem", ["symlink", "world-writable", "foreign-owner"])
def test_a_lock_folder_others_can_touch_is_refused(tmp_path: Path, problem: str) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    folder = tmp_path / "run"
    if problem == "symlink":
        folder.symlink_to(real)
    else:
        folder.mkdir(mode=0o700)
        if problem == "world-writable":
            folder.chmod(0o1777)
        else:
            os.chown(folder, NOBODY, NOBODY)
    with pytest.raises(BridgeError, match="refusing to use it"), host_lock(None, label="x", run_dir=folder):
        pass
    assert not any(real.iterdir())


def test_the_folder_is_created_root_only(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    with host_lock(None, label="x", run_dir=folder):
        assert (folder.stat().st_mode & 0o777, folder.stat().st_uid) == (0o700, os.geteuid())
        assert lock_path(None, folder).stat().st_mode & 0o777 == 0o600
    assert not lock_path(None, folder).exists()


def test_a_killed_holder_s_text_is_replaced_by_the_new_holder_s(run_dir: Path) -> None:
    path = lock_path("ns1", run_dir)
    path.write_text("pid 99999999 on a host whose label was much longer than this one's\n")
    with host_lock("ns1", label="kvm1", run_dir=run_dir):
        assert path.read_text() == f"pid {os.getpid()} on kvm1\n"
    assert not path.exists()
