"""A real `fgtha host apply` interrupted at every step by kill -9, SIGTERM and SIGINT: the host is never wedged.

The apply halts at step N through the test-only pause point (``FGTHA_TEST_PAUSE``,
fgtha.bridge.faultpoint), the test sends the signal, and then:
- SIGTERM / SIGINT: the apply rolled back by itself (exit 128 + signal, host exactly as before);
- kill -9: the host is half-changed; the next `host apply` finishes the rollback from the journal
  and then applies the plan anew.
In both cases the next `host apply` succeeds, leaves the host exactly as a clean apply does,
the host answers on its migrated address, and one more apply has nothing to do.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from bridgekit import ip_state, pings, veth_uplink, wait_for_file
from netns import ip, temporary_netns

from fgtha.bridge.faultpoint import PAUSE_ENV
from fgtha.bridge.journal import journal_path
from fgtha.bridge.lock import RUN_DIR
from fgtha.cli import main

FGTHA = str(Path(sys.executable).parent / "fgtha")
HOST_IP, GATEWAY = "192.0.2.50", "192.0.2.1"
SPEC = """\
cluster: {name: fgt-int, group_id: 20, heartbeat: broadcast}
image: {path: /var/lib/libvirt/images/fortios.qcow2}
hosts:
  - name: kvm1
    bridges:
      - {name: br-mgmt, uplink: enp1s0, migrate_addresses: true, mtu: 1400}
ports:
  - {port: port1, bridge: br-mgmt, heartbeat: true}
  - {port: port2, bridge: br-mgmt, ha_mgmt: true}
units:
  - {name: fgt-a, host: kvm1, priority: 200, mgmt_ip: 192.0.2.21/24}
  - {name: fgt-b, host: kvm1, priority: 100, mgmt_ip: 192.0.2.22/24}
secrets:
  ha_password: {variable: fgt_ha_password}
  admin_password: {variable: fgt_admin_password}
"""
#: create br-mgmt, record, enp1s0 mtu and promiscuous, br-mgmt mtu and up, the address to br-mgmt, enslave,
#: two routes to br-mgmt, the two routes and the address off enp1s0.
STEPS = 13


@dataclass
class Case:
    step: int
    host: str
    peer: str
    before: tuple[object, ...]
    code: int = 0
    stderr: str = ""
    after: tuple[object, ...] = ()


def _host(stack: ExitStack) -> tuple[str, str]:
    """A host namespace: enp1s0 carries the address, the default and a static route, on a wire to a peer."""
    host = stack.enter_context(temporary_netns("fgtha-int"))
    peer = stack.enter_context(temporary_netns("fgtha-peer"))
    veth_uplink(host, "enp1s0", peer="wire0", peer_netns=peer, mac="02:00:00:00:01:01")
    ip("addr", "add", f"{GATEWAY}/24", "dev", "wire0", netns=peer)
    ip("link", "set", "enp1s0", "up", netns=host)
    ip("addr", "add", f"{HOST_IP}/24", "dev", "enp1s0", netns=host)
    ip("route", "add", "default", "via", GATEWAY, "dev", "enp1s0", netns=host)
    ip("route", "add", "198.51.100.0/24", "via", GATEWAY, "dev", "enp1s0", netns=host)
    return host, peer


def _args(spec: Path, host: str) -> list[str]:
    return ["host", "apply", str(spec), "--host", "kvm1", "--netns", host]


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "cluster.yaml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def desired(spec: Path) -> Iterator[tuple[object, ...]]:
    """The state a clean, uninterrupted apply gives (every MAC is fixed, so it is the same in every namespace)."""
    with ExitStack() as stack:
        host, peer = _host(stack)
        assert main([*_args(spec, host), "--dry-run"]) == 0
        assert main(_args(spec, host)) == 0
        assert pings(peer, HOST_IP)
        yield ip_state(host)


def _interrupt(spec: Path, case: Case, signum: int, pause: Path) -> None:
    """Run `fgtha host apply` until it halts before ``case.step``, send ``signum``, wait for its end."""
    env = {**os.environ, PAUSE_ENV: f"{case.step}:{pause}"}
    proc = subprocess.Popen(
        [FGTHA, *_args(spec, case.host)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_for_file(pause, proc)
    proc.send_signal(signum)
    _, case.stderr = proc.communicate(timeout=60)
    case.code = proc.returncode
    case.after = ip_state(case.host)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "SIGTERM", "SIGINT"])
def test_an_apply_interrupted_at_any_step_never_wedges_the_host(
    spec: Path,
    desired: tuple[object, ...],
    signum: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with ExitStack() as stack:
        cases = []
        for step in range(STEPS):
            host, peer = _host(stack)
            cases.append(Case(step, host, peer, ip_state(host)))
        with ThreadPoolExecutor(2) as pool:  # two interrupted applies at a time, each in its own namespace
            list(pool.map(lambda c: _interrupt(spec, c, signum, tmp_path / f"pause-{c.step}"), cases))
        capsys.readouterr()
        for case in cases:
            where = f"step {case.step}: {case.stderr}"
            journal = journal_path(case.host, RUN_DIR)
            if signum == signal.SIGKILL:
                assert case.code == -signal.SIGKILL, where
                assert journal.stat().st_mode & 0o777 == 0o600 and RUN_DIR.stat().st_mode & 0o777 == 0o700
            else:
                assert case.code == 128 + signum, where
                assert f"interrupted by {signal.Signals(signum).name}" in case.stderr, where
                assert "rolled back, the host is as it was" in case.stderr, where
                assert case.after == case.before, where
                assert not journal.exists(), where
            assert main(_args(spec, case.host)) == 0, f"{where}\n{capsys.readouterr()}"
            out = capsys.readouterr()
            if signum == signal.SIGKILL:
                assert "did not finish" in out.err and "the host is as it was before it" in out.err, out.err
            assert ip_state(case.host) == desired, where
            assert not journal.exists(), where
            assert pings(case.peer, HOST_IP), where
            assert main(_args(spec, case.host)) == 0
            assert "no changes" in capsys.readouterr().out


def test_the_plan_has_the_steps_counted_above(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ExitStack() as stack:
        host, _ = _host(stack)
        assert main([*_args(spec, host), "--dry-run"]) == 0
    assert f"{STEPS} change(s) would be made" in capsys.readouterr().out


def test_sighup_rolls_back_like_sigterm(spec: Path, tmp_path: Path) -> None:
    with ExitStack() as stack:
        host, peer = _host(stack)
        case = Case(7, host, peer, ip_state(host))  # the address on both, the uplink not yet enslaved
        _interrupt(spec, case, signal.SIGHUP, tmp_path / "pause")
        assert case.code == 128 + signal.SIGHUP, case.stderr
        assert "interrupted by SIGHUP before 'enslave enp1s0 to br-mgmt' (step 8 of 13)" in case.stderr
        assert case.after == case.before
        assert pings(peer, HOST_IP)
