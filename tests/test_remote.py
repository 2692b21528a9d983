"""The SSH transport for real: an OpenSSH server in a namespace, Debian's python3 there, no project code installed."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from netns import in_netns, ip
from sshhost import SshHost, ssh_host

from fgtha.bridge import BridgeConfig, BridgeError
from fgtha.remote.bundle import build
from fgtha.remote.host import RemoteHost
from fgtha.remote.session import RemoteError
from fgtha.spec.reach import SshReach

PYENV = Path("/root/.pyenv/versions")
pytestmark = pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="openssh-server: run `make setup`")


@pytest.fixture
def host() -> Iterator[SshHost]:
    with ssh_host("kvm1") as made:
        ip("link", "add", "up0", "type", "veth", "peer", "name", "up0p", netns=made.netns)
        yield made


def state(netns: str) -> dict[str, Any]:
    """Links, addresses and routes as ``ip -j`` shows them (qdisc and DAD flags left out: they change by themselves)."""
    shown = {what: json.loads(ip("-j", what, "show", netns=netns).stdout or "[]") for what in ("link", "addr", "route")}
    for entry in shown["link"] + shown["addr"]:
        entry.pop("qdisc", None)
        entry.pop("operstate", None)
        for address in entry.get("addr_info", []):
            address.pop("tentative", None)
    return shown


def wait_until_unlocked(host: SshHost) -> None:
    """Return once no process of the host holds a pending change (the host finished on its own)."""
    for _ in range(600):
        if not [p for p in _pids(host) if p != host.sshd.pid]:
            return
        time.sleep(0.05)
    raise AssertionError("the host side did not finish")


def _pids(host: SshHost) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", host.netns], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_hello_names_the_machine_and_its_debian_python(host: SshHost) -> None:
    remote = RemoteHost(host.reach, "host kvm1")
    try:
        hello = remote.session().hello
        assert hello["protocol"] == 1 and hello["uid"] == 0
        assert hello["identity"] == {"machine_id": host.machine_id, "hostname": "kvm1"}
        assert (
            hello["python"]
            == subprocess.run(
                ["/usr/bin/python3", "-c", "import platform; print(platform.python_version())"],
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        assert remote.identity() == f"kvm1 (machine-id {host.machine_id})"
    finally:
        remote.close()
    assert not [p for p in _pids(host) if p != host.sshd.pid], "closing ends the host side"


def test_bundles_of_other_versions_stay_until_unused_for_a_week(host: SshHost) -> None:
    cache = Path("/var/cache/fgtha")
    cache.mkdir(mode=0o700, exist_ok=True)
    for own in cache.glob(f"bundle-{build().sha256}-*"):
        own.unlink()  # so this session sends the bundle and tidies the cache
    in_use, unused = cache / "bundle-0-in-use-by-another-version.zip", cache / "bundle-0-unused-for-8-days.zip"
    in_use.write_bytes(b"")
    unused.write_bytes(b"")
    eight_days_ago = time.time() - 8 * 86400
    os.utime(unused, (eight_days_ago, eight_days_ago))
    remote = RemoteHost(host.reach, "host kvm1")
    try:
        assert remote.session().hello["protocol"] == 1
        assert in_use.exists() and not unused.exists()
        assert list(cache.glob(f"bundle-{build().sha256}-*"))
    finally:
        remote.close()
        in_use.unlink(missing_ok=True)
        unused.unlink(missing_ok=True)


def test_read_plan_apply_destroy_on_the_host_only(host: SshHost) -> None:
    before = state(host.netns)
    remote = RemoteHost(host.reach)
    try:
        desired = [BridgeConfig("br-ext", uplink="up0", promiscuous=True)]
        assert "create bridge br-ext" in str(remote.plan(desired))
        assert state(host.netns) == before
        remote.apply(desired)
        real = remote.read("br-ext")
        assert real is not None and real.uplink == "up0" and real.promiscuous
        assert ip("link", "show", "br-ext", check=False).returncode != 0, "nothing on the machine that runs ssh"
        assert remote.plan(desired).empty
        remote.apply([], absent=["br-ext"])
        assert remote.read("br-ext") is None
    finally:
        remote.close()
    assert state(host.netns) == before


def test_a_host_error_names_the_field_and_changes_nothing(host: SshHost) -> None:
    before = state(host.netns)
    with pytest.raises(BridgeError, match="uplink 'eth9' does not exist") as caught:
        RemoteHost(host.reach).apply([BridgeConfig("br-ext", uplink="eth9")])
    assert caught.value.field == "uplink"
    assert state(host.netns) == before


def test_the_connection_killed_before_the_confirmation_leaves_the_host_rolled_back(host: SshHost) -> None:
    before = state(host.netns)
    remote = RemoteHost(host.reach, confirm_timeout=300)
    session = remote.session()
    answer = session.call("bridge.apply", desired=[{"name": "br-ext", "uplink": "up0"}], absent=[], timeout=300)
    assert answer["pending"]["confirm"] == "session"
    assert "master br-ext" in ip("link", "show", "up0", netns=host.netns).stdout  # applied, waiting to be confirmed
    host.cut_connections()  # the SSH connection dies in the middle of the change set
    remote.close()
    # sshd's session process is gone; the host side sees the end of its input and rolls back
    wait_until_unlocked(host)
    assert state(host.netns) == before


def test_migrating_the_sessions_own_uplink_keeps_the_host_reachable(host: SshHost) -> None:
    remote = RemoteHost(host.reach, confirm_timeout=30)
    try:
        plan = remote.apply([BridgeConfig("br-mgmt", uplink="mgmt0", migrate_addresses=True)])
        assert f"add address {host.address}/30 to br-mgmt" in str(plan)
        # confirmed over a fresh connection: the change stands, the host answers on its address, now on the bridge
        real = remote.read("br-mgmt")
        assert real is not None and f"{host.address}/30" in real.addresses
        assert in_netns(host.netns, "ping", "-c1", "-W2", host.peer).returncode == 0
        remote.apply([], absent=["br-mgmt"])
        assert f"{host.address}/30" in ip("addr", "show", "mgmt0", netns=host.netns).stdout
    finally:
        remote.close()


def test_an_unconfirmed_change_rolls_back_by_itself(host: SshHost) -> None:
    before = state(host.netns)
    remote = RemoteHost(host.reach)
    session = remote.session()
    desired = [{"name": "br-mgmt", "uplink": "mgmt0", "migrate_addresses": True}]
    answer = session.call("bridge.apply", desired=desired, absent=[], timeout=1)
    assert answer["pending"]["confirm"] == "fresh"  # it moves the session's own address
    session.wait_ended()  # the controller goes away without confirming
    wait_until_unlocked(host)
    assert state(host.netns) == before
    with pytest.raises(RemoteError, match="no change is waiting for confirmation"):
        remote.call("bridge.confirm", token=answer["pending"]["token"])
    remote.close()


def test_an_unreachable_host_fails_clearly() -> None:
    reach = SshReach("127.0.0.1", "root", port=1, known_hosts="/dev/null")
    with pytest.raises(RemoteError, match=r"host lab9: could not start the host side: .*Connection refused"):
        RemoteHost(reach, "host lab9").read("br-ext")


def test_a_wrong_host_key_fails_clearly_and_changes_nothing(host: SshHost, tmp_path: Path) -> None:
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    known = tmp_path / "known_hosts"
    known.write_text(f"{host.address} {' '.join(Path(f'{other}.pub').read_text().split()[:2])}\n")
    before = state(host.netns)
    reach = SshReach(host.address, "root", keyfile=str(host.keyfile), known_hosts=str(known))
    with pytest.raises(RemoteError, match="Host key verification failed.*not the one known_hosts pins"):
        RemoteHost(reach, "host kvm1").apply([BridgeConfig("br-ext")])
    assert state(host.netns) == before
    no_verify = SshReach(host.address, "root", keyfile=str(host.keyfile), known_hosts=str(known), no_verify=True)
    assert RemoteHost(no_verify).read("br-ext") is None  # libvirt's no_verify=1: the key is not checked


def _python_dir(tmp_path: Path, target: Path | None) -> str:
    """A PATH for the host whose python3 is ``target`` (None: no python3 at all)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("sh", "id"):
        os.symlink(f"/usr/bin/{tool}" if Path(f"/usr/bin/{tool}").exists() else f"/bin/{tool}", folder / tool)
    if target is not None:
        os.symlink(target, folder / "python3")
    return str(folder)


def test_no_python3_on_the_host_is_named(tmp_path: Path) -> None:
    with ssh_host("kvm3", path=_python_dir(tmp_path, None)) as host:
        with pytest.raises(RemoteError, match="host kvm3: no python3 on the host"):
            RemoteHost(host.reach, "host kvm3").read("br-ext")


@pytest.mark.skipif(not (PYENV / "3.8.18").exists(), reason="no Python 3.8 here to play a too-old python3")
def test_a_too_old_python3_is_named(tmp_path: Path) -> None:
    with ssh_host("kvm3", path=_python_dir(tmp_path, PYENV / "3.8.18/bin/python3.8")) as host:
        with pytest.raises(RemoteError, match=r"host kvm3: python3 is 3\.8\.18; the host side needs Python 3\.9"):
            RemoteHost(host.reach, "host kvm3").read("br-ext")


@pytest.mark.skipif(not (PYENV / "3.9.18").exists(), reason="no Python 3.9 here")
def test_the_host_side_runs_on_python_3_9(tmp_path: Path) -> None:
    with ssh_host("kvm3", path=_python_dir(tmp_path, PYENV / "3.9.18/bin/python3.9")) as host:
        ip("link", "add", "up0", "type", "veth", "peer", "name", "up0p", netns=host.netns)
        remote = RemoteHost(host.reach, "host kvm3")
        try:
            assert remote.session().hello["python"] == "3.9.18"
            remote.apply([BridgeConfig("br-ext", uplink="up0", promiscuous=True)])
            assert remote.read("br-ext") is not None
            remote.apply([], absent=["br-ext"])
        finally:
            remote.close()
